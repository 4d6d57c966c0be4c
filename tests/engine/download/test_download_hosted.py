"""add_downloads as the window calls it: on an engine in its worker process, and on one run
on a thread (ThreadedManager), with what was refused crossing back beside the ids."""

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import CheckpointStore
from hoist.core.remote.s3 import S3Clients
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.hosting.process import ProcessManager
from hoist.engine.hosting.threaded import ThreadedManager
from hoist.engine.manager import UploadManager
from support.engine import FAST_RETRIES, small_config


@pytest.fixture(params=["process", "thread"])
def hosted(request, qtbot, data_dir):
    if request.param == "process":
        manager = ProcessManager(data_dir, small_config(), None, 16)
        yield manager
        manager.shutdown(10_000)
        return
    store = CheckpointStore.open(data_dir / STORE_NAME)
    engine = UploadManager(store, S3Clients(max_pool_connections=8), small_config(),
                           policy=FAST_RETRIES)
    manager = ThreadedManager(engine)
    yield manager
    manager.shutdown(10_000)
    store.close()


def test_the_window_can_queue_downloads_and_hear_what_was_refused(
        qtbot, hosted, dest, put, tmp_path):
    put("w/a.txt", 5000)
    inner = put("w/a.txt/b", 5)         # a.txt is then both a file and a folder: refused
    with qtbot.waitSignal(hosted.task_finished, timeout=30_000) as finished:
        added = hosted.add_downloads(dest, dest.bucket, ["w/"], str(tmp_path / "win"),
                                     existing="keep-both")
    assert list(added) == [finished.args[0]] and finished.args[1] == "completed"
    assert [key for key, _message in added.refused] == ["w/a.txt"]
    assert (tmp_path / "win" / "a.txt" / "b").read_bytes() == inner
    info = hosted.task(added[0])
    assert info.direction == "download" and info.state is TaskState.COMPLETED


def test_a_prefix_is_listed_on_the_askers_thread_and_queued_on_the_engines(
        qtbot, data_dir, dest, put, tmp_path):
    """A folder of 100,000 keys lists for seconds: not on the engine's thread, whose uploads
    and downloads would wait meanwhile."""
    from PySide6.QtCore import Qt, QThread
    put("t/a.txt", 10)
    store = CheckpointStore.open(data_dir / STORE_NAME)
    engine = UploadManager(store, S3Clients(max_pool_connections=8), small_config(),
                           policy=FAST_RETRIES)
    seen = {}

    def listing(**kwargs):          # returns None: anything else would stand for the answer
        seen.setdefault("listed", QThread.currentThread())
    engine.clients.client_for(dest).meta.events.register("before-call.s3.ListObjectsV2", listing)
    engine.tasks_added.connect(lambda infos: seen.setdefault("queued", QThread.currentThread()),
                               Qt.DirectConnection)
    manager = ThreadedManager(engine)
    try:
        with qtbot.waitSignal(manager.task_finished, timeout=30_000):
            manager.add_downloads(dest, dest.bucket, ["t/"], str(tmp_path / "here"))
        assert seen["listed"] is QThread.currentThread()          # the asker's: this test's
        assert seen["queued"] is engine.thread() is not QThread.currentThread()
    finally:
        manager.shutdown(10_000)
        store.close()
