"""Part size and parts in flight chosen from the link as measured, per endpoint.

:class:`LinkController` is fed what finished parts tell (bytes, seconds from
the first byte sent to the answer, how many parts of that endpoint were in
flight) and answers two questions:

* ``limit(endpoint)``: how many parts to keep in flight now. It starts at
  :data:`INITIAL_PARTS`, doubles while each doubling raises the measured
  goodput by at least half of what a linear gain would give ("slow start"),
  then probes one part at a time, keeping a step only if goodput rose and
  going back (and holding a while) if it did not. A clear drop in goodput at
  the same limit cuts it by a quarter. It never goes below what the
  bandwidth-delay product needs (plus one part of headroom), nor above
  ``max_parts`` or ``memory_budget`` divided by the part size in use.
* ``part_size(endpoint, file_size)``: the part size for a NEW upload: about
  :data:`TARGET_PART_SECONDS` at the measured per-part rate, so a request's
  round trip is a small share of it, yet small enough that every part in
  flight gets at least two parts of the file, within 5 MiB and
  :data:`MAX_AUTO_PART_SIZE`, then raised for S3's 10,000-part rule. Before
  anything was measured it depends on the file size alone.

Goodput at a limit is measured from the parts that STARTED after that limit
was set (each part's own rate, bytes over its seconds, already says what the
parts beside it left it), once half the limit of them, and at least
:data:`MIN_PARTS`, have answered and a second has passed: goodput = their bytes
over their seconds × the parts in flight. Parts under 5 MiB (a file's last)
time mostly their round trip and are left out. So a decision takes about one part's duration,
not a fixed window. When fewer parts than the limit were in flight the queue,
not the link, held them back: such an epoch says nothing about more
parallelism and changes nothing. No Qt; time comes from the injected clock.
"""

import logging
import math
from dataclasses import dataclass

from hoist.core.policy.planner import MAX_PART_SIZE, MIN_PART_SIZE, MiB, choose_part_size

log = logging.getLogger("hoist.adaptive")

INITIAL_PARTS = 4              # parts in flight before anything is measured
MIN_PARTS = 2                  # so one slow part never stalls the whole endpoint
MAX_AUTO_PARTS = 32            # parts in flight per endpoint in automatic mode
MEMORY_BUDGET = 256 * MiB      # in-flight parts × part size stays under this
DEFAULT_PART_SIZE = 8 * MiB    # before a measurement
MAX_AUTO_PART_SIZE = 64 * MiB  # MEMORY_BUDGET / 4: room for four parts in flight
TARGET_PART_SECONDS = 4.0      # a part long enough that its request's round trip is cheap
DEFAULT_MAX_PARTS_PER_FILE = 1000   # before measurement, big files get bigger parts
MIN_EPOCH_SECONDS = 1.0
HOLD_EPOCHS = 3                # after a step that did not help, wait before probing again
MIN_GAIN = 0.03                # a probe must raise goodput at least this much
DROP = 0.7                     # goodput below this share of the last at the same limit: back off
RATE_WEIGHT = 0.25             # EWMA weight of a new per-part rate sample
LOG_EVERY = 5.0                # seconds between two logged decisions for one endpoint


@dataclass
class LinkState:
    """What is known about one endpoint; read it for tests and logs."""

    limit: int = INITIAL_PARTS
    part_rate: float | None = None      # bytes/s of one part, smoothed
    part_seconds: float | None = None   # a part's duration, smoothed
    part_bytes: float | None = None     # a part's size, smoothed (for the memory budget)
    # smallest round trip seen; not from parts, whose time grows with parallelism
    min_rtt: float | None = None
    goodput: float | None = None        # bytes/s at ``base_limit``, the last judged epoch
    best_goodput: float = 0.0           # highest epoch goodput seen (windowed max, decays)
    base_limit: int = 0                 # the limit ``goodput`` was measured at
    slow_start: bool = True
    hold: int = 0
    decisions: int = 0
    # the epoch being measured: parts started at or after epoch_start
    epoch_start: float = 0.0
    epoch_bytes: int = 0                # their bytes and seconds: a part's rate is the ratio
    epoch_seconds: float = 0.0
    epoch_parts: int = 0
    epoch_peak: int = 0
    last_log: float | None = None


class LinkController:
    """Recommends parts in flight and part sizes per endpoint from measured goodput and RTT."""

    def __init__(self, clock, max_parts: int = MAX_AUTO_PARTS, memory_budget: int = MEMORY_BUDGET):
        self.clock = clock
        self.max_parts = max(1, max_parts)
        self.memory_budget = max(MIN_PART_SIZE, memory_budget)
        self._links: dict[str, LinkState] = {}

    def state(self, endpoint: str) -> LinkState:
        link = self._links.get(endpoint)
        if link is None:
            link = self._links[endpoint] = LinkState(epoch_start=self.clock.monotonic())
            link.limit = self._cap(link, link.limit)
        return link

    # -- observations -----------------------------------------------------------------
    def observe_rtt(self, endpoint: str, seconds: float) -> None:
        """A round-trip sample, e.g. a small request's time; the minimum is kept."""
        if seconds > 0:
            link = self.state(endpoint)
            link.min_rtt = seconds if link.min_rtt is None else min(link.min_rtt, seconds)

    def part_done(self, endpoint: str, nbytes: int, seconds: float, in_flight: int) -> None:
        """A part of ``nbytes`` was answered after ``seconds``; ``in_flight`` counts it too."""
        link = self.state(endpoint)
        now = self.clock.monotonic()
        if seconds <= 0 or nbytes < MIN_PART_SIZE:
            return          # a file's short last part times mostly its round trip
        link.part_rate = _ewma(link.part_rate, nbytes / seconds)
        link.part_seconds = _ewma(link.part_seconds, seconds)
        link.part_bytes = _ewma(link.part_bytes, float(nbytes))
        if now - seconds < link.epoch_start:
            return          # it began under an earlier limit
        link.epoch_bytes += nbytes
        link.epoch_seconds += seconds
        link.epoch_parts += 1
        link.epoch_peak = max(link.epoch_peak, in_flight)
        if (link.epoch_parts >= max(MIN_PARTS, -(-link.limit // 2))
                and now - link.epoch_start >= MIN_EPOCH_SECONDS):
            per_part = link.epoch_bytes / link.epoch_seconds
            goodput = per_part * min(link.epoch_peak, link.limit)
            self._judge(endpoint, link, goodput, app_limited=link.epoch_peak < link.limit)
            self._open_epoch(link, now)

    # -- recommendations --------------------------------------------------------------
    def limit(self, endpoint: str) -> int:
        """Parts to keep in flight to this endpoint now."""
        link = self.state(endpoint)
        link.limit = self._cap(link, link.limit)
        return link.limit

    def part_size(self, endpoint: str, file_size: int) -> int:
        """The part size for a new upload of ``file_size`` bytes (a whole MiB, S3-valid)."""
        link = self._links.get(endpoint)
        if link is None or link.part_rate is None:
            size = max(DEFAULT_PART_SIZE, -(-file_size // DEFAULT_MAX_PARTS_PER_FILE))
            size = min(size, MAX_AUTO_PART_SIZE)
        else:
            size = link.part_rate * TARGET_PART_SECONDS
            # every part in flight should get at least two parts of this file
            size = min(size, file_size / (2 * max(1, link.limit)))
            size = min(max(int(size), MIN_PART_SIZE), MAX_AUTO_PART_SIZE)
        return min(choose_part_size(file_size, size), MAX_PART_SIZE)

    # -- the hill climb ---------------------------------------------------------------
    def _judge(self, endpoint: str, link: LinkState, goodput: float, app_limited: bool) -> None:
        link.best_goodput = max(goodput, link.best_goodput * 0.9)
        old = link.limit
        if app_limited:
            # fewer parts were waiting than allowed: this epoch says nothing about more
            if link.base_limit == link.limit:
                link.goodput = goodput
            return
        if link.goodput is None:
            link.goodput, link.base_limit = goodput, link.limit
            link.limit = self._grow(link)
        elif link.limit > link.base_limit:
            expected = (link.limit - link.base_limit) / link.base_limit
            if goodput >= link.goodput * (1 + max(MIN_GAIN, expected / 2)):
                link.goodput, link.base_limit = goodput, link.limit
                link.limit = self._grow(link)
            else:                       # more parts did not help: go back and wait
                link.limit = link.base_limit
                link.slow_start = False
                link.hold = HOLD_EPOCHS
        elif goodput < link.goodput * DROP:
            # the same parallelism now gets much less: the link is shared or lossy
            link.limit = max(MIN_PARTS, link.limit - max(1, link.limit // 4))
            link.goodput, link.base_limit = goodput, link.limit
            link.slow_start = False
            link.hold = HOLD_EPOCHS
        else:
            link.goodput = goodput
            if link.hold > 0:
                link.hold -= 1
            else:
                link.limit = self._grow(link)
        link.limit = self._cap(link, link.limit)
        if link.limit == link.base_limit and link.limit != old:
            link.base_limit = link.limit
        if link.limit != old:
            link.decisions += 1
            self._log(endpoint, link, old, goodput)

    def _grow(self, link: LinkState) -> int:
        return link.limit * 2 if link.slow_start else link.limit + 1

    def _cap(self, link: LinkState, wanted: int | None = None) -> int:
        """``wanted`` held between the BDP floor, ``max_parts`` and the memory budget."""
        part = max(link.part_bytes or DEFAULT_PART_SIZE, MIN_PART_SIZE)
        high = max(1, min(self.max_parts, int(self.memory_budget // part)))
        floor = MIN_PARTS
        if link.goodput and link.min_rtt:
            # the bytes that fit in one round trip, in parts, plus one part of headroom
            floor = max(floor, math.ceil(link.goodput * link.min_rtt / part) + 1)
        wanted = INITIAL_PARTS if wanted is None else wanted
        return max(1, min(high, max(floor, wanted)))

    def _open_epoch(self, link: LinkState, now: float) -> None:
        link.epoch_start, link.epoch_bytes, link.epoch_seconds = now, 0, 0.0
        link.epoch_parts = link.epoch_peak = 0

    def _log(self, endpoint: str, link: LinkState, old: int, goodput: float) -> None:
        now = self.clock.monotonic()
        if link.last_log is not None and now - link.last_log < LOG_EVERY:
            return
        link.last_log = now
        rtt = f"{link.min_rtt * 1000:.0f} ms" if link.min_rtt else "unknown"
        log.info("%s: %d → %d parts in flight (goodput %.1f MB/s, %.1f MB/s a part, "
                 "min round trip %s)", endpoint, old, link.limit, goodput / 1e6,
                 (link.part_rate or 0) / 1e6, rtt)


def _ewma(old: float | None, sample: float) -> float:
    return sample if old is None else old + RATE_WEIGHT * (sample - old)
