"""One model of "the network is down", per endpoint, shared by every request to it.

A connection refused, reset, closed mid-answer or gone silent (no HTTP answer
at all) moves the endpoint to *down*. While it is down no request is sent:
every caller waits in :meth:`EndpointHealth.wait_until_up`, and exactly one of
them probes at a time, with capped, jittered backoff (``RetryPolicy.network_delay``).
Any HTTP answer to the probe, even an error, means the link is back, and every
waiter goes on. None of this spends a request's retry budget.

A connection fault while *other* requests to the endpoint were answered is
different: the link is up, so the fault is that request's own, and the caller
counts it as a retry (:meth:`answered_since`). The clock is injected.

Credentials that expire mid-transfer are the same kind of wait with another
cause: :class:`CredentialHealth` is this model for one account's credentials,
down from the first refusal until a probe with freshly read ones is accepted.
"""

import logging
import threading
from typing import Callable

from hoist.core.policy.clock import Clock, SystemClock

log = logging.getLogger("hoist.network")
WAIT_SLICE = 0.1       # seconds: how often a waiter looks whether it should stop


class Stopped(Exception):
    """The caller asked to stop (pause, cancel, quit) while waiting for the network or for
    fresh credentials."""


NEXT_TRY = " — next try in"     # what follows the reason in a waiting row's text


class EndpointHealth:
    """Thread-safe state of one endpoint: up, or down since when, and who probes."""

    waiting = "Waiting for network"          # what the rows of waiting tasks say
    lost = "no answer from the endpoint: waiting for the network"      # for the log
    back = "the endpoint answers again after %.1f s without network"

    def __init__(self, policy, clock: Clock | None = None):
        self.policy = policy
        self.clock = clock or SystemClock()
        self._cond = threading.Condition()
        self._down_since: float | None = None
        self._up_since = float("-inf")
        self._last_answer = float("-inf")
        self._probing = False
        self._probes = 0
        self.next_probe_at: float | None = None
        self.outages = 0

    # -- what requests report ---------------------------------------------------------
    def answered(self) -> None:
        """A request got an HTTP answer (success or error): the link works."""
        with self._cond:
            self._last_answer = self.clock.monotonic()
            if self._down_since is not None:
                self._back_up()

    def answered_since(self, moment: float) -> bool:
        """Whether any request got an answer after ``moment`` (a monotonic time)."""
        with self._cond:
            return self._last_answer >= moment

    def went_down(self) -> None:
        """A request met a connection fault and nothing else got through meanwhile."""
        with self._cond:
            if self._down_since is None:
                self._down_since = self.clock.monotonic()
                self._probes = 0
                self.outages += 1
                log.warning(self.lost)

    @property
    def is_down(self) -> bool:
        with self._cond:
            return self._down_since is not None

    def _back_up(self) -> None:
        self._up_since = self.clock.monotonic()
        log.info(self.back, self._up_since - self._down_since)
        self._down_since = None
        self._probes = 0
        self.next_probe_at = None
        self._cond.notify_all()

    # -- waiting it out ---------------------------------------------------------------
    def wait_until_up(self, probe: Callable[[], bool], stopping: Callable[[], bool],
                      report: Callable[[str], None]) -> float:
        """Block while the endpoint is down; returns the seconds waited.

        ``probe()`` sends one cheap request and returns True on any HTTP answer.
        One caller at a time probes; the others wait for its result. Raises
        :class:`Stopped` as soon as ``stopping()`` turns true.
        """
        start = self.clock.monotonic()
        said = [""]

        def say(text: str) -> None:           # only when the text changes: no signal storm
            if text != said[0]:
                said[0] = text
                report(text)
        while True:
            with self._cond:
                if self._down_since is None:
                    return self.clock.monotonic() - start
                if self._probing:
                    self._say_next(say)
                    self._cond.wait(WAIT_SLICE)
                    if stopping():
                        raise Stopped()
                    continue
                self._probing = True
                self._probes += 1
                delay = self.policy.network_delay(self._probes)
                # kept here: a request that gets through meanwhile clears next_probe_at
                self.next_probe_at = next_probe = self.clock.monotonic() + delay
            try:
                say(f"{self.waiting}{NEXT_TRY} {delay:.0f} s")
                self._sleep_until(next_probe, stopping)
                ok = probe()
            finally:
                with self._cond:
                    self._probing = False
                    self._cond.notify_all()
            if ok:
                self.answered()

    def _say_next(self, report) -> None:
        if self.next_probe_at is not None:
            left = max(0.0, self.next_probe_at - self.clock.monotonic())
            report(f"{self.waiting}{NEXT_TRY} {left:.0f} s")

    def _sleep_until(self, deadline: float, stopping) -> None:
        while True:
            if stopping():
                raise Stopped()
            left = deadline - self.clock.monotonic()
            if left <= 0:
                return
            self.clock.sleep(min(left, WAIT_SLICE))
            with self._cond:          # another request got through: no need to wait on
                if self._down_since is None:
                    return


class CredentialHealth(EndpointHealth):
    """The same model for one account's credentials: down from the first "expired"
    answer until a probe made with freshly read credentials is accepted.

    Only the probe brings it back up: a request signed before the credentials ran
    out may still be answered, and proves nothing about the ones to come.
    """

    waiting = "Credentials expired"
    lost = "the credentials expired: waiting for fresh ones"
    back = "fresh credentials were accepted after %.1f s"

    def went_down(self, why: str = "", sent_at: float = float("inf")) -> bool:
        """A request sent at ``sent_at`` (monotonic) was refused as expired; ``why`` is what
        the waiting rows say: "Credentials expired: " and the remedy. Returns whether that
        closed the gate: a refusal of a request signed before a probe found renewed
        credentials proves nothing about them, and leaves the gate open. Checked and closed
        in one hold of the lock, so that no probe can open it in between."""
        with self._cond:
            if self._up_since >= sent_at:
                return False
            self.waiting = why or type(self).waiting
            super().went_down()
            return True
