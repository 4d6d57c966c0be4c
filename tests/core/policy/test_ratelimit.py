"""TokenBucket on a FakeClock: rates are checked against simulated time, never wall time."""

import threading

import pytest

from hoist.core.policy.clock import FakeClock, SystemClock
from hoist.core.policy.ratelimit import MAX_SLICE, MIN_BURST, TokenBucket

KiB = 1024
MiB = 1024 * KiB


def off_thread(fn, timeout=10):
    """Run ``fn`` on another thread and wait for it; a deadlock fails the test instead of hanging it."""
    outcome = {}

    def run():
        outcome["value"] = fn()

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(timeout)
    assert not t.is_alive(), "deadlocked (is the bucket's lock held while sleeping?)"
    return outcome["value"]


def after_sleeps(clock: FakeClock, count: int, action):
    """Make ``action()`` happen once, right after the ``count``-th sleep on ``clock``."""
    seen = [0]

    def on_sleep(_seconds):
        seen[0] += 1
        if seen[0] == count:
            action()

    clock.on_sleep = on_sleep


# -- settings --------------------------------------------------------------------------

def test_burst_follows_the_rate_unless_given():
    clock = FakeClock()
    assert TokenBucket(0, clock).burst == MIN_BURST == 64 * KiB
    assert TokenBucket(100 * KiB, clock).burst == 64 * KiB
    bucket = TokenBucket(8 * MiB, clock)
    assert bucket.burst == 2 * MiB
    bucket.set_rate(40 * MiB)
    assert (bucket.rate, bucket.burst) == (40 * MiB, 10 * MiB)
    fixed = TokenBucket(8 * MiB, clock, burst=300)
    fixed.set_rate(1 * MiB)
    assert fixed.burst == 300


def test_nonsense_is_refused():
    clock = FakeClock()
    with pytest.raises(ValueError):
        TokenBucket(-1, clock)
    with pytest.raises(ValueError):
        TokenBucket(10, clock, burst=0)
    bucket = TokenBucket(10, clock)
    with pytest.raises(ValueError):
        bucket.set_rate(-5)
    with pytest.raises(ValueError):
        bucket.consume(-1)
    assert bucket.consume(0) is True


def test_default_clock_is_the_system_clock():
    assert TokenBucket(0).consume(10 * MiB) is True


# -- unlimited -------------------------------------------------------------------------

def test_unlimited_never_waits():
    clock = FakeClock()
    bucket = TokenBucket(0, clock)
    for _ in range(1000):
        assert bucket.consume(64 * MiB) is True
    assert bucket.consume(10**15) is True
    assert clock.sleeps == [] and clock.monotonic() == 0.0


# -- rate ------------------------------------------------------------------------------

def test_first_burst_is_immediate_then_the_rate_holds():
    clock = FakeClock()
    rate = 1 * MiB
    bucket = TokenBucket(rate, clock)
    assert bucket.consume(bucket.burst) is True
    assert clock.monotonic() == 0.0

    consumed = 0
    for _ in range(256):                                   # 4 MiB more in 16 KiB reads
        assert bucket.consume(16 * KiB)
        consumed += 16 * KiB
    elapsed = clock.monotonic()
    # Never faster than the rate, and no slower than one wake-up slice of lost time.
    assert consumed <= rate * elapsed + 1e-6
    assert rate * elapsed <= consumed + rate * MAX_SLICE
    assert max(clock.sleeps) <= MAX_SLICE


def test_long_run_rate_within_a_tolerance_from_the_clock():
    clock = FakeClock(start=1000.0)
    rate = 300 * KiB
    bucket = TokenBucket(rate, clock)
    total = 0
    for size in [1, 7 * KiB, 100 * KiB, 3, 64 * KiB, 333 * KiB] * 40:
        assert bucket.consume(size)
        total += size
    elapsed = clock.monotonic() - 1000.0
    low = (total - bucket.burst) / rate                    # the burst was free
    assert low <= elapsed <= low + MAX_SLICE
    assert abs(total / elapsed - rate) / rate < 0.05


def test_a_request_bigger_than_the_burst_is_taken_in_slices():
    clock = FakeClock()
    bucket = TokenBucket(64 * KiB, clock, burst=64 * KiB)
    assert bucket.consume(4 * MiB) is True
    expected = (4 * MiB - 64 * KiB) / (64 * KiB)           # 63 s after the free burst
    assert expected <= clock.monotonic() <= expected + MAX_SLICE
    assert max(clock.sleeps) <= MAX_SLICE                   # still wakes often enough to stop


def test_idle_time_refills_only_up_to_the_burst():
    clock = FakeClock()
    bucket = TokenBucket(100 * KiB, clock, burst=64 * KiB)
    bucket.consume(64 * KiB)
    clock.advance(3600)                                    # an hour idle
    bucket.consume(64 * KiB)                               # the refilled burst: free
    assert clock.sleeps == []
    bucket.consume(100 * KiB)                              # then the rate again
    assert clock.slept == pytest.approx(1.0, abs=MAX_SLICE)


# -- live changes ----------------------------------------------------------------------

def test_raising_the_rate_reaches_a_waiting_consumer():
    clock = FakeClock()
    bucket = TokenBucket(1 * KiB, clock)                   # 1 MiB would take ~17 minutes
    after_sleeps(clock, 1, lambda: off_thread(lambda: bucket.set_rate(1 * MiB)))
    assert bucket.consume(bucket.burst + 1 * MiB) is True
    assert clock.monotonic() <= 1.0 + 2 * MAX_SLICE


def test_lowering_the_rate_reaches_a_waiting_consumer():
    clock = FakeClock()
    bucket = TokenBucket(1 * MiB, clock, burst=64 * KiB)
    after_sleeps(clock, 1, lambda: off_thread(lambda: bucket.set_rate(64 * KiB)))
    assert bucket.consume(64 * KiB + 1 * MiB) is True
    # The first slice ran at 1 MiB/s; the rest at 64 KiB/s: about 16 s instead of 1 s.
    first = clock.sleeps[0]
    assert clock.monotonic() >= first + (1 * MiB - first * MiB) / (64 * KiB) - 1e-6


def test_going_unlimited_releases_a_waiting_consumer():
    clock = FakeClock()
    bucket = TokenBucket(10, clock, burst=10)
    after_sleeps(clock, 3, lambda: off_thread(lambda: bucket.set_rate(0)))
    assert bucket.consume(10**12) is True
    assert len(clock.sleeps) == 3


def test_leaving_unlimited_starts_with_a_full_burst():
    clock = FakeClock()
    bucket = TokenBucket(0, clock)
    clock.advance(5)
    bucket.set_rate(1 * MiB)
    assert bucket.consume(bucket.burst) and clock.sleeps == []
    bucket.consume(1 * MiB)
    assert clock.slept == pytest.approx(1.0, abs=MAX_SLICE)


def test_live_rate_change_from_another_thread():
    clock = FakeClock()
    bucket = TokenBucket(1, clock, burst=1)
    waiting = threading.Event()
    clock.on_sleep = lambda _s: waiting.set()
    result = {}
    consumer = threading.Thread(target=lambda: result.update(ok=bucket.consume(10**12)), daemon=True)
    consumer.start()
    assert waiting.wait(10)
    bucket.set_rate(0)
    consumer.join(10)
    assert not consumer.is_alive() and result == {"ok": True}


# -- stopping --------------------------------------------------------------------------

def test_stop_interrupts_a_waiting_consume_within_a_slice():
    clock = FakeClock()
    bucket = TokenBucket(1 * KiB, clock)
    stop = threading.Event()
    after_sleeps(clock, 3, stop.set)
    assert bucket.consume(10 * MiB, stop.is_set) is False
    assert len(clock.sleeps) == 3 and all(s <= MAX_SLICE for s in clock.sleeps)


def test_already_stopped_takes_nothing():
    clock = FakeClock()
    bucket = TokenBucket(1 * KiB, clock, burst=4 * KiB)
    assert bucket.consume(1, lambda: True) is False
    assert bucket.consume(4 * KiB) is True and clock.sleeps == []   # the burst is still there


def test_stop_interrupts_a_real_wait_on_another_thread():
    # The one test on the real clock: 1 B/s would take years, a stop must end it at once.
    bucket = TokenBucket(1, SystemClock(), burst=1)
    stop = threading.Event()
    result = {}
    consumer = threading.Thread(target=lambda: result.update(ok=bucket.consume(10**9, stop.is_set)),
                                daemon=True)
    consumer.start()
    stop.set()
    consumer.join(10)
    assert not consumer.is_alive() and result == {"ok": False}


# -- sharing ---------------------------------------------------------------------------

def test_threads_share_one_rate():
    clock = FakeClock()
    rate = 1 * MiB
    bucket = TokenBucket(rate, clock)
    lock = threading.Lock()
    samples = []                                           # (clock time, total so far)
    per_thread = [0] * 4
    total = [0]

    def sender(index):
        for _ in range(64):
            assert bucket.consume(16 * KiB)
            with lock:
                per_thread[index] += 16 * KiB
                total[0] += 16 * KiB
                samples.append((clock.monotonic(), total[0]))

    threads = [threading.Thread(target=sender, args=(i,), daemon=True) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert per_thread == [1 * MiB] * 4
    # At every moment all threads together stayed within burst + rate × time: one shared
    # rate, not one per thread (which would have allowed four times as much).
    for now, so_far in samples:
        assert so_far <= bucket.burst + rate * now + 1e-6
    elapsed = clock.monotonic()
    assert (4 * MiB - bucket.burst) / rate <= elapsed <= 4 * MiB / rate + 4 * MAX_SLICE
