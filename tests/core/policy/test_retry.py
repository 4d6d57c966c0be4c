"""RetryPolicy backoff, jitter and budget, and the clocks it is used with; nothing sleeps."""

import random
import threading
from enum import Enum

import pytest

from hoist.core.policy.clock import FakeClock, SystemClock
from hoist.core.policy.retry import RetryPolicy, policy_from_environment


class Kind(Enum):
    """Stands in for hoist.core.remote.errors.ErrorKind: the policy compares kinds by name."""

    RETRYABLE = 1
    NETWORK = 2
    FATAL = 3
    NO_SUCH_UPLOAD = 4
    NOT_FOUND = 5


class MaxRandom(random.Random):
    """An rng whose uniform() always returns the top of the range."""

    def uniform(self, a, b):
        return b


class MinRandom(random.Random):
    def uniform(self, a, b):
        return a


def policy(**kw) -> RetryPolicy:
    kw.setdefault("rng", random.Random(1234))
    return RetryPolicy(**kw)


# -- backoff -------------------------------------------------------------------------

def test_defaults_match_the_spec():
    p = RetryPolicy()
    assert (p.base, p.cap, p.max_attempts, p.network_cap) == (0.5, 20.0, 6, 60.0)


def test_ceiling_doubles_from_base_then_stops_at_cap():
    p = policy(base=0.5, cap=20.0)
    assert [p.backoff_ceiling(a) for a in range(1, 9)] == [0.5, 1, 2, 4, 8, 16, 20, 20]


def test_delay_is_full_jitter_between_zero_and_the_ceiling():
    top = policy(base=0.5, cap=20.0, rng=MaxRandom())
    bottom = policy(base=0.5, cap=20.0, rng=MinRandom())
    for attempt in range(1, 12):
        assert top.delay(attempt) == min(20.0, 0.5 * 2 ** (attempt - 1))
        assert bottom.delay(attempt) == 0.0


def test_delays_stay_within_bounds_and_never_exceed_the_cap():
    p = policy(base=0.5, cap=20.0)
    for attempt in range(1, 40):
        for _ in range(200):
            assert 0.0 <= p.delay(attempt) <= min(20.0, 0.5 * 2 ** (attempt - 1))


def test_jitter_spreads_over_the_whole_range():
    p = policy(base=1.0, cap=8.0)
    samples = [p.delay(4) for _ in range(2000)]            # ceiling 8 s
    assert min(samples) < 0.5 and max(samples) > 7.5
    # Roughly uniform: each eighth of the range gets a fair share (expected 250 each).
    buckets = [0] * 8
    for s in samples:
        buckets[min(int(s), 7)] += 1
    assert all(150 < b < 350 for b in buckets), buckets
    mean = sum(samples) / len(samples)
    assert 3.6 < mean < 4.4


def test_same_seed_same_delays():
    a = policy(rng=random.Random(7))
    b = policy(rng=random.Random(7))
    assert [a.delay(n) for n in range(1, 10)] == [b.delay(n) for n in range(1, 10)]


def test_absurd_attempt_numbers_do_not_overflow():
    p = policy(rng=MaxRandom())
    assert p.delay(10_000) == p.cap
    assert p.network_delay(10_000) == p.network_cap


def test_attempts_and_probes_start_at_one():
    p = policy()
    with pytest.raises(ValueError):
        p.delay(0)
    with pytest.raises(ValueError):
        p.network_delay(0)


@pytest.mark.parametrize("kw", [dict(base=0), dict(cap=-1), dict(network_cap=0), dict(max_attempts=0)])
def test_nonsense_settings_are_refused(kw):
    with pytest.raises(ValueError):
        RetryPolicy(**kw)


# -- retry_after hint ------------------------------------------------------------------

def test_retry_after_is_a_minimum():
    p = policy(base=0.5, cap=20.0, rng=MaxRandom())
    assert p.delay(1, retry_after=7.0) == 7.0              # backoff 0.5 < hint
    assert p.delay(6, retry_after=7.0) == 16.0             # backoff 16 > hint
    assert p.delay(1, retry_after=None) == 0.5


def test_retry_after_is_capped():
    p = policy(base=0.5, cap=20.0, network_cap=60.0, rng=MinRandom())
    assert p.delay(1, retry_after=3600) == 60.0
    assert p.delay(1, retry_after=float("inf")) == 60.0


def test_meaningless_retry_after_is_ignored():
    p = policy(base=0.5, cap=20.0, rng=MaxRandom())
    assert p.delay(1, retry_after=-5) == 0.5
    assert p.delay(1, retry_after=float("nan")) == 0.5


# -- network waits ---------------------------------------------------------------------

def test_network_delay_grows_to_the_cap_with_mild_jitter():
    p = policy(network_cap=60.0)
    for probe in range(1, 30):
        ceiling = min(60.0, 1.0 * 2 ** (probe - 1))
        for _ in range(50):
            d = p.network_delay(probe)
            assert 0.8 * ceiling <= d <= ceiling <= 60.0
    assert max(policy(rng=MaxRandom()).network_delay(n) for n in range(1, 50)) == 60.0


def test_network_delay_honours_a_small_cap():
    p = RetryPolicy(base=0.01, cap=0.05, max_attempts=4, network_cap=0.2)   # the engine tests' policy
    assert all(0 < p.network_delay(n) <= 0.2 for n in range(1, 20))


# -- budget ----------------------------------------------------------------------------

def test_retryable_errors_retry_until_max_attempts():
    p = policy(max_attempts=6)
    assert [p.should_retry(Kind.RETRYABLE, a) for a in range(1, 8)] == [True] * 5 + [False] * 2


def test_single_attempt_budget_never_retries():
    assert not policy(max_attempts=1).should_retry(Kind.RETRYABLE, 1)


def test_network_errors_are_always_waited_out():
    p = policy(max_attempts=2)
    assert all(p.should_retry(Kind.NETWORK, a) for a in (1, 2, 3, 100, 10**9))


@pytest.mark.parametrize("kind", [Kind.FATAL, Kind.NO_SUCH_UPLOAD, Kind.NOT_FOUND])
def test_other_kinds_never_retry(kind):
    assert not policy().should_retry(kind, 1)


def test_kind_names_work_as_well():
    p = policy(max_attempts=3)
    assert p.should_retry("RETRYABLE", 2) and not p.should_retry("RETRYABLE", 3)
    assert p.should_retry("NETWORK", 99) and not p.should_retry("FATAL", 1)


def test_real_error_kinds_when_available():
    errors = pytest.importorskip("hoist.core.remote.errors")
    p = policy(max_attempts=2)
    assert p.should_retry(errors.ErrorKind.RETRYABLE, 1)
    assert not p.should_retry(errors.ErrorKind.RETRYABLE, 2)
    assert p.should_retry(errors.ErrorKind.NETWORK, 50)
    assert not p.should_retry(errors.ErrorKind.FATAL, 1)


# -- clocks ----------------------------------------------------------------------------

def test_fake_clock_sleeps_instantly_and_records():
    clock = FakeClock(start=100.0)
    clock.sleep(1.5)
    clock.advance(2.0)
    clock.sleep(0.25)
    assert clock.monotonic() == 103.75
    assert clock.sleeps == [1.5, 0.25] and clock.slept == 1.75
    with pytest.raises(ValueError):
        clock.sleep(-1)
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_fake_clock_calls_on_sleep_after_advancing():
    seen = []
    clock = FakeClock()
    clock.on_sleep = lambda s: seen.append((s, clock.monotonic()))
    clock.sleep(2)
    clock.sleep(3)
    assert seen == [(2, 2.0), (3, 5.0)]


def test_fake_clock_is_thread_safe():
    clock = FakeClock()

    def sleeper():
        for _ in range(2000):
            clock.sleep(0.5)

    threads = [threading.Thread(target=sleeper) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    assert clock.monotonic() == 4000.0 and len(clock.sleeps) == 8000


def test_system_clock_is_monotonic_and_tolerates_zero_or_negative_sleeps():
    clock = SystemClock()
    a = clock.monotonic()
    clock.sleep(0)
    clock.sleep(-1)
    assert clock.monotonic() >= a


def test_the_environment_sets_the_pace_of_waiting_and_a_typo_is_ignored():
    environ = {"HOIST_NETWORK_BASE": "0.2", "HOIST_NETWORK_CAP": "1", "HOIST_RETRY_BASE": "fast",
               "HOIST_RETRY_CAP": "-3"}
    policy = policy_from_environment(environ, max_attempts=7, network_cap=60.0)
    assert (policy.network_base, policy.network_cap, policy.max_attempts) == (0.2, 1.0, 7)
    assert (policy.base, policy.cap) == (RetryPolicy().base, RetryPolicy().cap)
    assert policy_from_environment({}) == RetryPolicy()
