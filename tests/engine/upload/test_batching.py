"""A folder of small files goes in batches (engine/upload/batching.py): a commit a batch,
not three a file; a file counts as completed only once its completion is on disk; and a
full disk at a batch's commit pauses everything and loses nothing."""

import logging
import re
from types import SimpleNamespace

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL, CheckpointStore
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager
from hoist.engine.upload.batching import SmallFiles
from support.tinydisk import pin_size, small_page_store  # noqa: F401 -- a fixture

FILES = 40
SLOTS = 4          # small files at once: 40 queued files make 4 batches of 10


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


@pytest.fixture
def folder(make_file):
    paths = [make_file(f"photos/IMG_{i:03d}.jpg", 1000 + i) for i in range(FILES)]
    return paths[0].parent


class Run:
    """An engine over a store in ``data``; what it counted as finished, and the store's state
    of each such task at that moment."""

    def __init__(self, qtbot, data):
        self.store = CheckpointStore.open(data / STORE_NAME)
        self.manager = UploadManager(self.store, S3Clients(max_pool_connections=8),
                                     TransferConfig(parts_total=SLOTS),
                                     policy=RetryPolicy(base=0.01, cap=0.05, max_attempts=4))
        self.qtbot = qtbot
        self.finished: list[tuple[str, TaskState]] = []    # (state said, state in the store)
        self.manager.task_finished.connect(
            lambda i, state: self.finished.append((state, self.store.get_task(i).state)))
        self.said: list[str] = []
        self.manager.store_full.connect(self.said.append)

    def wait_idle(self):
        self.qtbot.waitUntil(self.manager.is_idle, timeout=30_000)

    def close(self):
        self.manager.shutdown(10_000)
        self.manager.deleteLater()
        self.store.close()


@pytest.fixture
def run(qtbot, data_dir):
    made = []

    def start(data=data_dir):
        made.append(Run(qtbot, data))
        return made[-1]
    yield start
    for r in made:
        r.close()


def test_a_folder_of_small_files_commits_a_batch_at_a_time_and_counts_each_once_recorded(
        run, dest, folder, s3_server, monkeypatch, download_sha256, sha256_file, caplog):
    monkeypatch.setattr(SmallFiles, "FLUSH_SECONDS", 60)   # flushed by count alone: no timing
    caplog.set_level(logging.INFO, logger="hoist")
    r = run()
    commits = []
    r.store._db.set_trace_callback(lambda sql: sql == "COMMIT" and commits.append(sql))
    ids = r.manager.add(folder, dest)
    r.wait_idle()
    assert [r.manager.task(i).state for i in ids] == [TaskState.COMPLETED] * FILES
    # each was in the store as completed when the window was told
    assert r.finished == [("completed", TaskState.COMPLETED)] * FILES
    assert s3_server.count("PutObject", bucket=dest.bucket) == FILES
    for path in sorted(folder.iterdir())[::13]:
        assert download_sha256(dest.bucket, f"photos/{path.name}") == sha256_file(path)
    # the add, then per batch its commit and the engine's landing of it: 3 a file before
    assert len(commits) <= 1 + 2 * SLOTS, len(commits)
    # the log says so a commit at a time, every file counted once
    said = [r.getMessage() for r in caplog.records if ": completed" in r.getMessage()]
    assert len(said) <= SLOTS
    assert sum(int(m.group(1)) if (m := re.search(r"completed (\d+) files", line)) else 1
               for line in said) == FILES
    # each file's statistics are kept (hoist stats adds them up)
    assert len(r.store.stats()) == FILES
    # and the next run knows every file was sent (sent_files)
    assert len(r.store.sent_files(dest.endpoint_url, dest.bucket,
                                  [f"photos/{p.name}" for p in folder.iterdir()])) == FILES


def test_a_full_disk_at_a_batch_commit_pauses_everything_and_resume_sends_the_rest(
        run, small_page_store, dest, folder, s3, caplog):
    r = run(small_page_store)
    r.manager.add(folder, dest)       # queued and committed; the batches are on their way
    with r.store._lock:
        pin_size(r.store, None)       # their completions find no room
    r.wait_idle()
    assert "completed uploads could not be recorded" in caplog.text    # a batch's commit met it
    assert r.said == [DISK_FULL], "said once"
    infos = r.manager.tasks()
    done = [i for i in infos if i.state is TaskState.COMPLETED]
    paused = [i for i in infos if i.state is TaskState.PAUSED]
    assert len(done) + len(paused) == FILES and paused, [i.state for i in infos]
    assert all(i.message == DISK_FULL for i in paused), {i.message for i in paused}
    # nothing was counted completed that the store did not hold as completed
    assert all(stored is TaskState.COMPLETED for _said, stored in r.finished)
    assert {t.id for t in r.store.tasks() if t.state is TaskState.COMPLETED} == {
        i.id for i in done}
    with r.store._lock:
        pin_size(r.store, 1 << 30)   # space again
    r.manager.resume_all()
    r.wait_idle()
    assert [i.state for i in r.manager.tasks()] == [TaskState.COMPLETED] * FILES
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=dest.bucket)["Contents"]}
    assert keys == {f"photos/{p.name}" for p in folder.iterdir()}


def test_a_file_sent_is_recorded_at_once_when_the_next_must_wait_to_retry(
        run, dest, make_file, s3_server):
    r = run()
    r.manager.set_limits(1, 1, 1, 0)          # one small-file slot: both files in one batch
    first = make_file("retry/a.txt", 100)
    make_file("retry/b.txt", 200)
    release = s3_server.stall_next("PutObject")
    ids = r.manager.add(first.parent, dest)
    r.qtbot.waitUntil(s3_server.holding.is_set, timeout=5000)
    s3_server.fail_next("PutObject", 503, "SlowDown", headers={"Retry-After": "30"})
    release.set()                   # a.txt goes; b.txt is told to come back in 30 s
    # a.txt is recorded and counted while b.txt waits, not 30 s later (or never, on a crash)
    r.qtbot.waitUntil(lambda: r.manager.task(ids[0]).state is TaskState.COMPLETED,
                      timeout=10_000)
    assert r.store.get_task(ids[0]).state is TaskState.COMPLETED
    assert r.finished == [("completed", TaskState.COMPLETED)]
    assert r.manager.task(ids[1]).state is TaskState.UPLOADING     # still waiting to retry
    r.manager.pause(ids[1])
    r.wait_idle()
    assert r.manager.task(ids[1]).state is TaskState.PAUSED


class EndsBetweenReads:
    """A running batch whose file ends (its thread sets ``current`` to None) between the
    progress tick's first read of ``current`` and its next."""

    def __init__(self, task):
        self._reads = [task]

    @property
    def current(self):
        return self._reads.pop() if self._reads else None


def test_the_progress_tick_reads_what_a_batch_sends_once(run):
    r = run()
    sending = SimpleNamespace(id=7)
    r.manager._batches.add(EndsBetweenReads(sending))
    assert r.manager._sending() == {7}          # it raised AttributeError on None.id
    r.manager._batches.clear()


def test_a_batchs_rows_say_which_file_is_sent_and_which_wait_their_turn(
        run, dest, make_file, s3_server):
    r = run()
    r.manager.set_limits(1, 1, 1, 0)          # one small-file slot: the files in one batch
    for name in ("a", "b", "c"):
        make_file(f"turns/{name}.txt", 100)
    said = []
    r.manager.task_state_changed.connect(lambda i, state: said.append(state))
    release = s3_server.stall_next("PutObject")
    ids = r.manager.add(make_file("turns/a.txt", 100).parent, dest)
    r.qtbot.waitUntil(s3_server.holding.is_set, timeout=5000)
    rows = [r.manager.task(i) for i in ids]
    assert [row.state for row in rows] == [TaskState.UPLOADING, TaskState.QUEUED,
                                           TaskState.QUEUED]
    assert rows[0].message == "Uploading…" and rows[1].message == "Waiting for a free slot"
    assert "preparing" not in said          # the window is never told they all started
    release.set()
    r.wait_idle()
    assert [r.manager.task(i).state for i in ids] == [TaskState.COMPLETED] * 3

