"""How long to wait before trying an S3 request again, and whether to try at all.

Throttling and 5xx answers back off exponentially with full jitter (AWS's
"Exponential Backoff And Jitter"), so many part threads that failed together
do not retry together. A network outage is different: it is waited out with
probes at most ``network_cap`` apart and never uses up the retry budget, so
a laptop that loses Wi-Fi for an hour resumes by itself.

The engine does the waiting, in short slices on its :class:`Clock`, so that a
pause interrupts a backoff promptly.
"""

import math
import os
import random
from dataclasses import dataclass, field

# Re-exported: the SPEC lists the clock next to the retry policy.
from hoist.core.policy.clock import Clock, FakeClock, SystemClock

__all__ = ["Clock", "FakeClock", "RetryPolicy", "SystemClock", "policy_from_environment"]

# Beyond this many doublings every realistic cap has long been reached; stopping
# here keeps 2**n from overflowing a float for absurd attempt numbers.
_MAX_DOUBLINGS = 64


def _kind_name(kind) -> str:
    """``ErrorKind.NETWORK`` → ``"NETWORK"``; a plain string passes through.

    Comparing names keeps this module free of an import of hoist.core.remote.errors.
    """
    return getattr(kind, "name", kind)


@dataclass(frozen=True)
class RetryPolicy:
    """Backoff and budget for retrying one request.

    base          -- seconds; the first retry waits up to ``base``, doubling after
    cap           -- seconds; no backoff is longer
    max_attempts  -- tries of one request, the first included (6 = 1 try + 5 retries)
    min_window    -- seconds; and a request is not given up before this long has passed
                     since its first failure (the budget is time-based as well: 10 tries
                     in two minutes of a store's trouble must not fail a day-long upload)
    network_cap   -- seconds; the longest gap between probes while the network is down
    network_base  -- seconds; the first probe's wait, doubling up to ``network_cap``
    rng           -- a :class:`random.Random`; inject a seeded one for repeatable tests
    """

    base: float = 0.5
    cap: float = 20.0
    max_attempts: int = 6
    min_window: float = 0.0
    network_cap: float = 60.0
    network_base: float = 1.0
    rng: random.Random = field(default_factory=random.Random, repr=False, compare=False)

    def __post_init__(self):
        if not (self.base > 0 and self.cap > 0 and self.network_cap > 0 and self.network_base > 0):
            raise ValueError("retry delays must be positive")
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.min_window < 0:
            raise ValueError("min_window must not be negative")

    def backoff_ceiling(self, attempt: int) -> float:
        """The longest :meth:`delay` can be for ``attempt``: ``min(cap, base * 2**(attempt-1))``."""
        if attempt < 1:
            raise ValueError(f"attempt numbers start at 1, not {attempt}")
        return min(self.cap, self.base * 2.0 ** min(attempt - 1, _MAX_DOUBLINGS))

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry).

        Full jitter: uniform in ``[0, backoff_ceiling(attempt)]``. A server's
        ``retry_after`` hint is honoured as a minimum, but no wait exceeds
        ``max(cap, network_cap)`` so a bogus hint cannot stall a task for hours.
        """
        wait = self.rng.uniform(0.0, self.backoff_ceiling(attempt))
        if retry_after is not None and not math.isnan(retry_after) and retry_after > wait:
            wait = min(retry_after, max(self.cap, self.network_cap))
        return wait

    def network_delay(self, probe: int) -> float:
        """Seconds to wait before network probe number ``probe`` (1 for the first).

        Doubles from ``network_base`` up to ``network_cap``, shortened by up to
        20% of jitter so that many waiting tasks do not all probe at once.
        """
        if probe < 1:
            raise ValueError(f"probe numbers start at 1, not {probe}")
        ceiling = min(self.network_cap, self.network_base * 2.0 ** min(probe - 1, _MAX_DOUBLINGS))
        return ceiling * self.rng.uniform(0.8, 1.0)

    def should_retry(self, kind, attempt: int, elapsed: float = 0.0) -> bool:
        """Whether to try again after ``attempt`` tries (1 = the first) failed with ``kind``,
        ``elapsed`` seconds after the first of those failures.

        ``kind`` is an ``hoist.core.remote.errors.ErrorKind`` (or its name). RETRYABLE
        errors retry until ``max_attempts`` tries were made *and* ``min_window``
        seconds have passed; NETWORK errors are always waited out and do not
        count; anything else is final.
        """
        name = _kind_name(kind)
        if name == "NETWORK":
            return True
        if name == "RETRYABLE":
            return attempt < self.max_attempts or elapsed < self.min_window
        return False


# The pace of waiting, from the environment: a link whose outages should be probed sooner, and
# the test suite, which waits out outages in seconds instead of minutes.
PACE_VARIABLES = {"HOIST_RETRY_BASE": "base", "HOIST_RETRY_CAP": "cap",
                  "HOIST_NETWORK_BASE": "network_base", "HOIST_NETWORK_CAP": "network_cap"}


def policy_from_environment(environ=os.environ, **values) -> RetryPolicy:
    """A :class:`RetryPolicy` of ``values``, its delays overridden by any ``HOIST_RETRY_BASE``,
    ``HOIST_RETRY_CAP``, ``HOIST_NETWORK_BASE`` or ``HOIST_NETWORK_CAP`` (seconds) that is set.

    A value that is not a positive number is ignored: a typo must not stop an upload.
    """
    for variable, field_name in PACE_VARIABLES.items():
        try:
            seconds = float(environ.get(variable, ""))
        except ValueError:
            continue
        if seconds > 0 and math.isfinite(seconds):
            values[field_name] = seconds
    return RetryPolicy(**values)
