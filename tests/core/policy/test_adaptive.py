"""LinkController: parts in flight and part sizes from synthetic links on a FakeClock."""

import pytest

from hoist.core.policy.adaptive import (
    DEFAULT_PART_SIZE,
    INITIAL_PARTS,
    MAX_AUTO_PART_SIZE,
    MIN_PARTS,
    LinkController,
)
from hoist.core.policy.clock import FakeClock
from hoist.core.policy.planner import (
    MAX_OBJECT_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    GiB,
    MiB,
    TiB,
)

EP = "http://127.0.0.1:9000"


class Link:
    """A link of ``capacity`` bytes/s shared by the parts in flight, each also held to
    ``per_connection`` bytes/s (a TCP window over the round trip) and paying ``rtt`` a request."""

    def __init__(self, capacity: float, per_connection: float, rtt: float):
        self.capacity, self.per_connection, self.rtt = capacity, per_connection, rtt

    def part_seconds(self, n: int, size: int) -> float:
        return self.rtt + size / min(self.per_connection, self.capacity / n)


def run(controller, clock, link, seconds: float, part=8 * MiB, queue=None, endpoint=EP) -> list[int]:
    """Feed the controller the answers ``link`` gives at its own limit; the limits it chose.

    With ``n`` parts in flight, each taking ``t`` seconds, an answer comes every
    ``t / n`` seconds (the parts are staggered). ``queue`` caps the parts that are
    waiting to be sent (the application, not the link, limits them).
    """
    limits = []
    end = clock.monotonic() + seconds
    while clock.monotonic() < end:
        n = controller.limit(endpoint)
        in_flight = min(n, queue) if queue else n
        t = link.part_seconds(in_flight, part)
        clock.advance(t / in_flight)
        controller.part_done(endpoint, part, t, in_flight)
        limits.append(controller.limit(endpoint))
    return limits


@pytest.fixture
def clock():
    return FakeClock()


def test_starts_at_the_initial_limit_before_any_measurement(clock):
    assert LinkController(clock).limit(EP) == INITIAL_PARTS


def test_a_fat_long_link_grows_until_the_bandwidth_is_used(clock):
    # 200 Mbit/s, 40 ms, ~1.5 MB/s a connection: some 17 parts fill it
    link = Link(capacity=25e6, per_connection=1.5e6, rtt=0.04)
    controller = LinkController(clock)
    limits = run(controller, clock, link, seconds=300)
    assert max(limits) >= 16
    final = controller.limit(EP)
    assert 14 <= final <= 32
    goodput = final * 8 * MiB / link.part_seconds(final, 8 * MiB)
    assert goodput >= 0.85 * link.capacity


def test_a_thin_link_stops_growing_and_backs_off(clock):
    # 20 Mbit/s, 80 ms, one connection nearly fills it: more parts only share the same bytes
    link = Link(capacity=2.5e6, per_connection=2e6, rtt=0.08)
    controller = LinkController(clock)
    limits = run(controller, clock, link, seconds=600, part=5 * MiB)
    assert max(limits) <= 2 * INITIAL_PARTS            # one doubling was tried, then no more
    assert controller.limit(EP) <= INITIAL_PARTS + 1    # and it went back
    assert controller.state(EP).decisions >= 2


def test_a_drop_in_goodput_at_the_same_limit_backs_off(clock):
    controller = LinkController(clock)
    run(controller, clock, Link(25e6, 1.5e6, 0.04), seconds=300)
    before = controller.limit(EP)
    # the link gets shared: a fifth of the bandwidth, and every connection much slower
    run(controller, clock, Link(5e6, 0.3e6, 0.04), seconds=60)
    assert controller.limit(EP) < before


def test_no_growth_when_the_queue_not_the_link_holds_parts_back(clock):
    controller = LinkController(clock)
    limits = run(controller, clock, Link(25e6, 1.5e6, 0.04), seconds=120, queue=2)
    assert set(limits) == {INITIAL_PARTS}


def test_growth_is_capped_by_max_parts(clock):
    controller = LinkController(clock, max_parts=6)
    limits = run(controller, clock, Link(100e6, 1e6, 0.04), seconds=300)
    assert max(limits) == 6 and controller.limit(EP) <= 6


def test_memory_budget_caps_parts_in_flight_times_part_size(clock):
    controller = LinkController(clock, memory_budget=256 * MiB)
    limits = run(controller, clock, Link(500e6, 5e6, 0.02), seconds=600, part=64 * MiB)
    assert max(limits) * 64 * MiB <= 256 * MiB
    assert controller.limit(EP) == 4


def test_endpoints_are_measured_apart(clock):
    controller = LinkController(clock)
    run(controller, clock, Link(25e6, 1.5e6, 0.04), seconds=300, endpoint="fat")
    assert controller.limit("fat") > INITIAL_PARTS
    assert controller.limit("other") == INITIAL_PARTS


def test_the_bandwidth_delay_product_sets_a_floor(clock):
    controller = LinkController(clock)
    link = controller.state(EP)
    controller.observe_rtt(EP, 0.5)
    controller.observe_rtt(EP, 0.2)                  # the smallest sample is kept
    assert link.min_rtt == 0.2
    link.goodput, link.part_bytes = 400e6, 8 * MiB   # 80 MB in one round trip: ~10 parts
    assert controller.limit(EP) == 11
    link.goodput = 1e6
    link.limit = 1
    assert controller.limit(EP) == MIN_PARTS


# -- part size --------------------------------------------------------------------------
@pytest.mark.parametrize("size, expected", [
    (0, DEFAULT_PART_SIZE), (100 * MiB, DEFAULT_PART_SIZE), (10 * GiB, 11 * MiB),
    (100 * GiB, MAX_AUTO_PART_SIZE)])
def test_part_size_before_measurement_depends_on_the_file_size(clock, size, expected):
    assert LinkController(clock).part_size(EP, size) == expected


@pytest.mark.parametrize("size", [1, 5 * MiB, 100 * MiB, 10 * GiB, 1 * TiB, 10 * TiB,
                                  MAX_OBJECT_SIZE])
@pytest.mark.parametrize("rate", [None, 0.2e6, 2e6, 50e6, 2e9])
def test_part_size_is_always_within_s3_limits(clock, size, rate):
    controller = LinkController(clock)
    if rate:
        controller.part_done(EP, 8 * MiB, 8 * MiB / rate, 4)
    part = controller.part_size(EP, size)
    assert part % MiB == 0 and MIN_PART_SIZE <= part <= MAX_PART_SIZE
    assert -(-size // part) <= MAX_PARTS                       # the 10,000-part rule


def test_part_size_follows_the_measured_rate(clock):
    controller = LinkController(clock)
    controller.part_done(EP, 8 * MiB, 8 * MiB / 10e6, 4)       # 10 MB/s a part
    # about four seconds of a part: 40 MB, rounded up to a whole MiB
    assert controller.part_size(EP, 10 * GiB) == 39 * MiB
    thin = LinkController(clock)
    thin.part_done(EP, 8 * MiB, 8 * MiB / 0.3e6, 4)            # 0.3 MB/s: S3's least
    assert thin.part_size(EP, 10 * GiB) == MIN_PART_SIZE
    fast = LinkController(clock)
    fast.part_done(EP, 8 * MiB, 8 * MiB / 500e6, 4)
    assert fast.part_size(EP, 10 * GiB) == MAX_AUTO_PART_SIZE   # held to the memory budget


def test_part_size_leaves_parts_for_every_connection(clock):
    controller = LinkController(clock)
    controller.part_done(EP, 8 * MiB, 8 * MiB / 10e6, 4)
    # 100 MiB over 4 parts in flight: at most 12.5 MiB a part, so each gets two
    assert controller.part_size(EP, 100 * MiB) == 13 * MiB
    assert controller.part_size(EP, 20 * MiB) == MIN_PART_SIZE


def test_the_10000_part_rule_beats_the_link(clock):
    controller = LinkController(clock)
    controller.part_done(EP, 8 * MiB, 8 * MiB / 0.3e6, 4)
    assert controller.part_size(EP, 1 * TiB) == 105 * MiB      # ceil(1 TiB / 10,000), whole MiB


def test_short_last_parts_do_not_count_as_a_slow_link(clock):
    controller = LinkController(clock)
    run(controller, clock, Link(25e6, 1.5e6, 0.04), seconds=120)
    rate, limit = controller.state(EP).part_rate, controller.limit(EP)
    for _ in range(20):                               # twenty files' 3-byte last parts
        clock.advance(0.05)
        controller.part_done(EP, 3, 0.05, limit)
    assert controller.state(EP).part_rate == rate and controller.limit(EP) == limit
