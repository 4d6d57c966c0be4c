"""A bandwidth schedule drives the engine's limit as a fake clock moves."""

from datetime import datetime, timedelta

from hoist.core.policy.planner import MiB
from hoist.core.policy.schedule import Schedule
from hoist.engine.bandwidth import ScheduledLimit


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


def test_the_limit_follows_the_schedule_and_says_so(qtbot):
    clock = Clock(datetime(2026, 11, 23, 8, 59, 30))         # a Monday, just before nine
    applied = []
    limit = ScheduledLimit(Schedule.parse("Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"),
                           applied.append, now=clock)
    assert applied == [0] and limit.text == "Unlimited until 09:00"
    # the timer is armed for the change, not a minute later
    assert 29_000 < limit._next.remainingTime() <= 30_500
    clock.now += timedelta(seconds=30)
    with qtbot.waitSignal(limit.changed, timeout=1000) as seen:
        limit.check()
    assert seen.args == [2 * MiB, "Limited to 2.0 MiB/s until 18:00"]
    assert applied == [0, 2 * MiB]
    clock.now += timedelta(minutes=5)
    limit.check()                                  # nothing changed: nothing applied again
    assert applied == [0, 2 * MiB]
    clock.now = datetime(2026, 11, 27, 18, 0)      # Friday evening
    limit.check()
    assert applied[-1] == 0 and limit.text == "Unlimited until Mon 09:00"
    limit.stop()


def test_the_timer_fires_by_itself_at_the_change(qtbot):
    start = datetime(2026, 11, 23, 8, 59, 59)
    clock = Clock(start)
    applied = []
    limit = ScheduledLimit(Schedule.parse("09:00,1MiB/s 10:00,off"), applied.append, now=clock)
    clock.now = start + timedelta(seconds=1)       # the wall clock moves on; the timer fires
    qtbot.waitUntil(lambda: applied == [0, MiB], timeout=5000)
    limit.stop()


def test_a_manager_takes_the_limit_live(qtbot, tmp_path):
    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.remote.s3 import S3Clients
    from hoist.engine.manager import UploadManager
    store = CheckpointStore.open(tmp_path / "store.sqlite3")
    manager = UploadManager(store, S3Clients())
    limit = ScheduledLimit(Schedule.parse("3MiB/s"), manager.set_bandwidth_limit,
                           now=lambda: datetime(2026, 11, 23, 12, 0))
    assert manager.config.bandwidth_limit == 3 * MiB
    assert manager.limiter.rate == 3 * MiB
    limit.stop()
    manager.shutdown()
    store.close()
