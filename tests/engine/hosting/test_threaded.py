"""ThreadedManager: the engine on its own QThread behind a proxy the window talks to."""

import pytest
from PySide6.QtCore import Qt, QThread

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.local.sources import InputError
from hoist.core.policy.planner import MiB
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.hosting.threaded import ThreadedManager
from hoist.engine.manager import UploadManager
from support.engine import FAST_RETRIES, small_config


class Threaded:
    """An engine, its proxy and the store under them; ``stop()`` is what Session.close does."""

    def __init__(self, data_dir, config=None, restore=False):
        self.store = CheckpointStore.open(data_dir / STORE_NAME)
        self.engine = UploadManager(self.store, S3Clients(max_pool_connections=16),
                                    config or small_config(), policy=FAST_RETRIES)
        if restore:
            self.engine.restore()
        self.proxy = ThreadedManager(self.engine)

    def stop(self):
        self.proxy.shutdown(10_000)
        self.proxy.deleteLater()
        self.engine.deleteLater()
        self.store.close()


@pytest.fixture
def threaded(qtbot, data_dir):
    t = Threaded(data_dir)
    yield t
    t.stop()


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


def test_engine_runs_on_its_thread_and_signals_arrive_on_the_gui_thread(qtbot, threaded, dest,
                                                                        make_file):
    gui = QThread.currentThread()
    engine_side, gui_side = [], []
    threaded.engine.task_state_changed.connect(
        lambda *_: engine_side.append(QThread.currentThread()), Qt.DirectConnection)
    threaded.proxy.task_state_changed.connect(lambda *_: gui_side.append(QThread.currentThread()))
    path = make_file("a.bin", 6 * MiB)
    with qtbot.waitSignal(threaded.proxy.task_finished, timeout=30_000) as finished:
        [task_id] = threaded.proxy.add(path, dest)
    assert finished.args == [task_id, "completed"]
    assert threaded.engine.thread() is not gui
    assert engine_side and all(t is threaded.engine.thread() for t in engine_side)
    assert gui_side and all(t is gui for t in gui_side)


def test_reads_follow_the_engine(qtbot, threaded, dest, make_file):
    paths = [make_file(f"r{i}.bin", 1000 + i) for i in range(5)]
    ids = [threaded.proxy.add(p, dest)[0] for p in paths]
    assert threaded.proxy.task(ids[0]).id == ids[0]        # at once, even before task_added
    qtbot.waitUntil(lambda: all(threaded.proxy.task(i).state is TaskState.COMPLETED
                                for i in ids), timeout=30_000)
    qtbot.waitUntil(threaded.proxy.is_idle, timeout=10_000)
    assert {i.id for i in threaded.proxy.tasks()} == set(ids)
    threaded.proxy.remove(ids[0])
    qtbot.waitUntil(lambda: threaded.proxy.task(ids[0]) is None, timeout=10_000)
    # after the engine's next tick the copy the window reads is what it holds, field for field
    def same():
        engine_side = threaded.proxy._call("tasks")    # on the engine's thread
        return sorted(threaded.proxy.tasks(), key=id_of) == sorted(engine_side, key=id_of)
    qtbot.waitUntil(same, timeout=10_000)


def id_of(info):
    return info.id


def test_commands_are_posted_in_order(qtbot, threaded, dest, make_file):
    threaded.proxy.set_bandwidth_limit(256 * 1024)       # slow enough to catch it running
    [task_id] = threaded.proxy.add(make_file("slow.bin", 12 * MiB), dest)
    threaded.proxy.pause(task_id)
    qtbot.waitUntil(lambda: threaded.proxy.task(task_id).state is TaskState.PAUSED,
                    timeout=30_000)
    assert threaded.proxy.config.bandwidth_limit == 256 * 1024
    assert threaded.proxy.upload_owners(dest.bucket) in ({}, {
        threaded.store.get_task(task_id).upload_id: task_id})


def test_errors_of_waited_calls_reach_the_caller(threaded, dest, tmp_path):
    with pytest.raises(InputError):
        threaded.proxy.add(tmp_path / "missing.bin", dest)


def test_shutdown_checkpoints_and_leaves_no_thread(qtbot, data_dir, dest, make_file):
    t = Threaded(data_dir, small_config(bandwidth_limit=256 * 1024))
    [task_id] = t.proxy.add(make_file("big.bin", 12 * MiB), dest)
    qtbot.waitUntil(lambda: t.proxy.task(task_id).state.is_active, timeout=30_000)
    assert t.proxy.shutdown(10_000)
    assert not t.proxy.running
    assert t.engine.thread() is QThread.currentThread()
    assert t.store.get_task(task_id).state is TaskState.PAUSED
    assert t.proxy.shutdown() is True                    # a second shutdown does nothing
    t.proxy.pause_all()                                  # and later commands are ignored
    t.stop()


def test_restored_tasks_are_read_at_once_and_not_announced_twice(qtbot, data_dir, dest,
                                                                 make_file):
    first = Threaded(data_dir, small_config(bandwidth_limit=256 * 1024))
    [task_id] = first.proxy.add(make_file("again.bin", 12 * MiB), dest)
    first.proxy.pause(task_id)
    qtbot.waitUntil(lambda: first.proxy.task(task_id).state is TaskState.PAUSED, timeout=30_000)
    first.stop()
    second = Threaded(data_dir, small_config(auto_resume=False), restore=True)
    added = []
    second.proxy.task_added.connect(added.append)
    try:
        assert [i.id for i in second.proxy.tasks()] == [task_id]
        assert second.proxy.task(task_id).state is TaskState.PAUSED
        second.proxy.pause_all()
        qtbot.waitUntil(lambda: second.proxy.is_idle(), timeout=10_000)
        assert added == []
    finally:
        second.stop()
