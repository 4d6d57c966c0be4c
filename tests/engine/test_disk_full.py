"""A full disk under the checkpoint store, met in the middle of real uploads.

Two ways to fill it: a 1 MiB tmpfs holding the data directory with a filler file
written mid-upload (needs root to mount; skipped otherwise), and, everywhere,
SQLite's own SQLITE_FULL from a store whose database may not grow any more
(``PRAGMA max_page_count`` pinned at its size, on 512-byte pages so that the
next few checkpoints must grow it). Either way: every upload pauses with one
message, nothing is failed or lost, and Resume sends only what is missing.
"""

import sqlite3

import pytest

from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.checkpoint.store import DISK_FULL, CheckpointStore
from hoist.core.policy.planner import MiB
from hoist.core.policy.retry import RetryPolicy
from hoist.core.remote.s3 import Destination, S3Clients
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.datadir import STORE_NAME
from hoist.engine.manager import UploadManager
from support.tinydisk import fill, pin_size, small_page_store, tiny_disk  # noqa: F401 -- fixtures

FILES, PARTS = 3, 6
CONFIG = TransferConfig(part_size=5 * MiB, multipart_threshold=5 * MiB, files_at_once=FILES,
                        parts_per_file=1, parts_total=FILES, bandwidth_limit=30 * MiB,
                        max_attempts=4)
FAST_RETRIES = RetryPolicy(base=0.01, cap=0.05, max_attempts=4, network_cap=0.2)


class Run:
    """An engine over a store in ``data``, with what it said about the full disk."""

    def __init__(self, qtbot, data):
        self.qtbot = qtbot
        self.store = CheckpointStore.open(data / STORE_NAME)
        self.manager = UploadManager(self.store, S3Clients(max_pool_connections=8), CONFIG,
                                     policy=FAST_RETRIES)
        self.said: list[str] = []
        self.manager.store_full.connect(self.said.append)

    def done_parts(self) -> dict[int, set[int]]:
        """Per task, the part numbers the store holds as checkpointed."""
        return {t.id: {p.number for p in self.store.parts(t.id) if p.state is PartState.DONE}
                for t in self.manager.tasks()}

    def wait_idle(self, timeout=60_000):
        self.qtbot.waitUntil(self.manager.is_idle, timeout=timeout)

    def close(self):
        self.manager.shutdown(10_000)
        self.manager.deleteLater()
        self.store.close()


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


def upload_until_full(run, dest, make_file, fill):
    """Start FILES uploads, call ``fill()`` once each has a checkpointed part; return the files
    and the checkpoints committed by then."""
    files = [make_file(f"full/{n}.bin", PARTS * 5 * MiB - 3 * n) for n in range(FILES)]
    for path in files:
        run.manager.add(path, dest)
    run.qtbot.waitUntil(lambda: all(i.parts_done >= 1 for i in run.manager.tasks()),
                        timeout=30_000)
    with run.store._lock:       # no checkpoint lands between the snapshot and the fill
        before = run.done_parts()
        fill()
    return files, before


def check_paused_and_kept(run, before, data):
    """Every upload paused with the one message; no failure; every checkpoint still there."""
    run.wait_idle()
    infos = run.manager.tasks()
    assert [i.state for i in infos] == [TaskState.PAUSED] * FILES
    assert all(i.message == DISK_FULL for i in infos), [i.message for i in infos]
    assert run.said == [DISK_FULL], "said once"
    after = run.done_parts()
    for task_id, parts in before.items():
        assert parts <= after[task_id], f"task {task_id} lost checkpoints"
    assert all(t.state is not TaskState.FAILED for t in run.store.tasks())
    assert not [p for p in data.iterdir() if ".corrupt" in p.name], "store moved aside"
    assert sum(map(len, after.values())) < FILES * PARTS, "the disk filled too late to matter"
    return after


def resume_and_check(run, dest, s3_server, files, after, download_sha256, sha256_file):
    """Resume all: every object completes byte for byte, and only missing parts are sent."""
    sent = s3_server.count("UploadPart", bucket=dest.bucket)
    run.manager.resume_all()
    assert run.said[-1] == "", "the message goes once the user resumes"
    run.wait_idle()
    infos = run.manager.tasks()
    assert [i.state for i in infos] == [TaskState.COMPLETED] * FILES, [i.message for i in infos]
    for path in files:
        assert download_sha256(dest.bucket, f"{path.name}") == sha256_file(path)
    missing = FILES * PARTS - sum(map(len, after.values()))
    assert s3_server.count("UploadPart", bucket=dest.bucket) - sent == missing


# -- SQLite's own SQLITE_FULL: runs everywhere --------------------------------------------
def test_sqlite_full_pauses_everything_and_resume_finishes(
        qtbot, small_page_store, dest, make_file, s3_server, download_sha256, sha256_file):
    run = Run(qtbot, small_page_store)
    try:
        files, before = upload_until_full(run, dest, make_file, lambda: pin_size(run.store, None))
        after = check_paused_and_kept(run, before, small_page_store)
        with run.store._lock:
            pin_size(run.store, 1 << 30)           # space again
        resume_and_check(run, dest, s3_server, files, after, download_sha256, sha256_file)
    finally:
        run.close()


# -- a real full file system: a 1 MiB tmpfs -----------------------------------------------
def test_full_tmpfs_pauses_everything_and_resume_finishes(
        qtbot, tiny_disk, dest, make_file, s3_server, download_sha256, sha256_file):
    data = tiny_disk / "data"
    run = Run(qtbot, data)
    try:
        filler = []
        files, before = upload_until_full(run, dest, make_file,
                                          lambda: filler.append(fill(tiny_disk)))
        after = check_paused_and_kept(run, before, data)
        run.manager.resume_all()        # still full: paused again at once, and said again
        run.wait_idle()
        assert [i.state for i in run.manager.tasks()] == [TaskState.PAUSED] * FILES
        assert run.said == [DISK_FULL, "", DISK_FULL]
        assert run.done_parts() == after
        run.close()                     # and restart while the disk is still full
        run = Run(qtbot, data)
        run.manager.restore()
        assert [i.state for i in run.manager.tasks()] == [TaskState.PAUSED] * FILES
        assert all(i.message == DISK_FULL for i in run.manager.tasks())
        assert run.manager.full is not None and run.done_parts() == after
        filler[0].unlink()
        resume_and_check(run, dest, s3_server, files, after, download_sha256, sha256_file)
        assert sqlite3.connect(data / STORE_NAME).execute("PRAGMA quick_check").fetchone() == ("ok",)
    finally:
        run.close()
