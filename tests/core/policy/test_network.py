"""The endpoint's network state, the account's credentials and the request runner, on a
fake clock (no real waiting).

A fake task stands in for UploadTask: the runner only needs its health, credentials,
policy, config, clock, stats, bucket and stop flag.
"""

import random
import threading
from types import SimpleNamespace

import pytest

from hoist.core.checkpoint.stats import TransferStats
from hoist.core.policy.clock import FakeClock
from hoist.core.policy.network import CredentialHealth, EndpointHealth, Stopped
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.engine.progress import Interrupted
from hoist.engine.requests import run_request

RESET = S3Error(ErrorKind.NETWORK, "ConnectionClosedError", "The connection was interrupted")
SLOW_DOWN = S3Error(ErrorKind.RETRYABLE, "SlowDown", "The server asked to slow down (SlowDown)")
DENIED = S3Error(ErrorKind.FATAL, "AccessDenied", "Access denied")
EXPIRED = S3Error(ErrorKind.EXPIRED, "ExpiredToken",
                  "Credentials expired: run `aws sso login --profile dev`")


def policy(**kw) -> RetryPolicy:
    values = dict(base=1.0, cap=20.0, max_attempts=10, min_window=600.0, network_cap=60.0,
                  rng=random.Random(7))
    values.update(kw)
    return RetryPolicy(**values)


class Bucket:
    """check_access() answers as ``up`` says: the probe's view of the link."""

    def __init__(self):
        self.up = False
        self.probes = 0
        self.fresh = []

    def check_access(self, fresh=False):
        self.probes += 1
        self.fresh.append(fresh)
        if not self.up:
            raise RESET


class Task:
    def __init__(self, health, clock, pol=None):
        self.id = 1
        self.health, self.clock, self.policy = health, clock, pol or health.policy
        self.credentials = CredentialHealth(self.policy, clock)
        self.config = SimpleNamespace(wait_for_credentials=True)
        self.stats = TransferStats()
        self.bucket = Bucket()
        self.stop = threading.Event()

    def stopping(self):
        return self.stop.is_set()

    def _sleep(self, seconds):
        self.clock.sleep(seconds)


def scripted(*outcomes):
    """A request that raises or returns each outcome in turn."""
    queue = list(outcomes)

    def request():
        outcome = queue.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    return request


def test_an_outage_that_resets_is_waited_out_without_spending_the_budget():
    clock = FakeClock()
    health = EndpointHealth(policy(), clock)
    task = Task(health, clock)
    # the probe fails for a while, as the link stays dark, then the link is back
    clock.on_sleep = lambda _s: setattr(task.bucket, "up", clock.monotonic() > 300)
    request = scripted(*[RESET] * 40, "etag")
    # 40 resets in a row with nothing else answered: the endpoint is down, not the part
    result = run_request(task, lambda: _and_down_again(request, task), lambda _m: None, "part 1",
                         part=True)
    assert result == "etag"
    assert sum(task.stats.retries.values()) == 0          # no budget spent
    assert task.stats.network_wait >= 300
    assert max(clock.sleeps) <= 60.0                       # probes at most a minute apart
    assert not health.is_down


def _and_down_again(request, task):
    """Each try while the link is dark resets; once a probe got through, the try succeeds."""
    if task.bucket.up:
        return "etag"
    return request()


def test_one_probe_at_a_time_and_every_waiter_goes_on_when_it_answers():
    clock = FakeClock()
    health = EndpointHealth(policy(network_cap=5.0), clock)
    health.went_down()
    probes, started = [], threading.Barrier(4)

    def probe():
        probes.append(threading.get_ident())
        return len(probes) >= 3            # the third probe gets an answer

    waited = []

    def waiter():
        started.wait()
        waited.append(health.wait_until_up(probe, lambda: False, lambda _m: None))
    threads = [threading.Thread(target=waiter) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(waited) == 4 and not health.is_down
    assert len(probes) == 3                                # not one a waiter: one at a time


def test_a_fault_while_others_are_answered_is_this_requests_own_and_costs_budget():
    clock = FakeClock()
    health = EndpointHealth(policy(max_attempts=3, min_window=0.0), clock)
    task = Task(health, clock)

    def request():
        health.answered()                 # other parts keep getting answers meanwhile
        raise RESET
    with pytest.raises(S3Error):
        run_request(task, request, lambda _m: None, "part 7", part=True)
    assert task.stats.retries["reset"] == 2 and task.stats.parts_resent == 2
    assert not health.is_down


def test_the_budget_is_tries_and_time_both():
    clock = FakeClock()
    health = EndpointHealth(policy(max_attempts=10, min_window=600.0, cap=20.0), clock)
    task = Task(health, clock)
    calls = []

    def request():
        calls.append(clock.monotonic())
        raise SLOW_DOWN
    with pytest.raises(S3Error):
        run_request(task, request, lambda _m: None, "part 2", part=True)
    assert len(calls) >= 10
    assert calls[-1] - calls[0] >= 600                    # not given up before ten minutes
    assert task.stats.retries["throttled"] == len(calls) - 1


def test_a_fatal_answer_is_not_retried_and_proves_the_link():
    clock = FakeClock()
    health = EndpointHealth(policy(), clock)
    health.went_down()
    health.answered()
    task = Task(health, clock)
    with pytest.raises(S3Error, match="Access denied"):
        run_request(task, scripted(DENIED), lambda _m: None, "ListParts")
    assert sum(task.stats.retries.values()) == 0 and not health.is_down


def test_a_pause_while_waiting_for_the_network_stops_at_once():
    clock = FakeClock()
    health = EndpointHealth(policy(), clock)
    task = Task(health, clock)
    clock.on_sleep = lambda _s: task.stop.set() if clock.monotonic() > 5 else None
    with pytest.raises(Interrupted):
        run_request(task, scripted(*[RESET] * 5), lambda _m: None, "part 3", part=True)
    assert health.is_down                                  # still down: nothing answered


def test_waiters_say_when_the_next_try_is():
    clock = FakeClock()
    health = EndpointHealth(policy(network_base=8.0, rng=random.Random(1)), clock)
    health.went_down()
    said = []
    health.wait_until_up(lambda: True, lambda: False, said.append)
    assert said and said[0].startswith("Waiting for network — next try in ")
    with pytest.raises(Stopped):
        health.went_down()
        health.wait_until_up(lambda: False, lambda: True, said.append)


class RotatingBucket(Bucket):
    """Credentials that expire: the shared client signs with ``key``; a fresh one takes
    whatever the source (a profile, an SSO cache, a credential_process) gives now."""

    def __init__(self):
        super().__init__()
        self.key, self.source, self.valid = "A", "A", {"A"}

    def check_access(self, fresh=False):
        self.probes += 1
        self.fresh.append(fresh)
        if fresh:
            self.key = self.source
        if self.key not in self.valid:
            raise EXPIRED

    def upload(self):
        if self.key not in self.valid:
            raise EXPIRED
        return "etag"


def test_expired_credentials_are_waited_out_on_fresh_clients_without_spending_the_budget():
    clock = FakeClock()
    health = EndpointHealth(policy(network_base=1.0, network_cap=8.0), clock)
    task = Task(health, clock)
    bucket = task.bucket = RotatingBucket()
    bucket.valid = {"B"}                                   # A has just expired

    def renew(_seconds):                                   # renewed 25 s later
        if clock.monotonic() > 25:
            bucket.source = "B"
    clock.on_sleep = renew
    said = []
    assert run_request(task, bucket.upload, said.append, "part 4", part=True) == "etag"
    assert sum(task.stats.retries.values()) == 0 and task.stats.parts_resent == 1
    assert task.stats.credentials_wait >= 25 and task.stats.network_wait == 0
    assert bucket.fresh and all(bucket.fresh)              # every probe on a new client
    assert max(clock.sleeps) <= 8.0                        # the network's backoff and cap
    assert said[0].startswith("Credentials expired: run `aws sso login --profile dev` — next "
                              "try in ")
    assert not task.credentials.is_down and not health.is_down


def test_told_not_to_wait_an_expired_answer_fails_at_once():
    clock = FakeClock()
    task = Task(EndpointHealth(policy(), clock), clock)
    task.config.wait_for_credentials = False
    with pytest.raises(S3Error, match="Credentials expired"):
        run_request(task, scripted(EXPIRED, "etag"), lambda _m: None, "part 5", part=True)
    assert sum(task.stats.retries.values()) == 0 and not task.credentials.is_down


def test_a_refusal_signed_before_the_renewal_is_sent_again_without_waiting():
    clock = FakeClock()
    task = Task(EndpointHealth(policy(), clock), clock)
    credentials = task.credentials

    def renewed_meanwhile():
        # another request's probe renewed them while this one was on its way, signed with
        # the old ones: its refusal is old news, and must not stop everything again
        credentials.went_down(EXPIRED.message)
        credentials.answered()
        raise EXPIRED
    result = run_request(task, scripted_fn(renewed_meanwhile, "etag"), lambda _m: None,
                         "part 6", part=True)
    assert result == "etag" and not credentials.is_down
    assert task.bucket.probes == 0 and task.stats.credentials_wait == 0


def scripted_fn(*steps):
    """A request that calls or returns each step in turn."""
    queue = list(steps)
    return lambda: queue.pop(0)() if callable(queue[0]) else queue.pop(0)


def test_an_answer_arriving_as_the_probe_wait_begins_ends_the_wait_without_an_error():
    """Another request got through just as this waiter said when it will probe: the wait is
    over, and the probe's deadline (cleared by that answer) must not be read back."""
    clock = FakeClock()
    health = EndpointHealth(policy(), clock)
    health.went_down()
    said = []

    def report(text):
        said.append(text)
        if len(said) == 1:
            health.answered()          # what another part's thread does, here in the gap
    waited = health.wait_until_up(lambda: True, lambda: False, report)
    assert waited <= 0.2 and not health.is_down        # a slice at most, not a probe's delay


def test_a_refusal_signed_before_the_renewal_leaves_the_credentials_gate_open():
    clock = FakeClock()
    credentials = CredentialHealth(policy(), clock)
    assert credentials.went_down(EXPIRED.message) and credentials.is_down
    clock.advance(5)
    credentials.answered()                        # a probe with fresh credentials got through
    assert not credentials.went_down(EXPIRED.message, sent_at=4.0)    # signed with the old ones
    assert not credentials.is_down
    assert credentials.went_down(EXPIRED.message, sent_at=6.0) and credentials.is_down
