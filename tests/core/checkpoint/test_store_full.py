"""A full disk under the checkpoint store: told apart from other errors, and harmless.

SQLite reports SQLITE_FULL itself here: the store's connection may not grow the
database past ``PRAGMA max_page_count``, on 512-byte pages so that it is reached
after a few rows. (tests/engine/test_disk_full.py fills a real file system.)
"""

import errno
import sqlite3
from pathlib import Path

import pytest

from hoist.core.checkpoint import store_file
from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.checkpoint.store import (
    DISK_FULL,
    CheckpointStore,
    StoreError,
    StoreFull,
    StoreLocked,
)
from hoist.core.policy.planner import MiB, plan_parts


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "data" / "checkpoints.sqlite3"
    path.parent.mkdir()
    db = sqlite3.connect(path)
    db.execute("PRAGMA page_size = 512")
    db.execute("PRAGMA journal_mode = WAL")
    db.close()
    s = CheckpointStore.open(path)
    yield s
    s.close()


def add(store, name, size=12 * MiB):
    return store.add_task(source_path=f"/src/{name}", fingerprint=None, account="default",
                          endpoint_url=None, region=None, profile=None, bucket="bkt", key=name,
                          size=size, part_size=5 * MiB, checksum_algorithm="CRC32")


def fill(store) -> None:
    """From now on the database cannot grow: SQLite answers SQLITE_FULL."""
    count = store._db.execute("PRAGMA page_count").fetchone()[0]
    store._db.execute(f"PRAGMA max_page_count = {count}")


def free(store) -> None:
    store._db.execute("PRAGMA max_page_count = 1073741823")


def real_full_error() -> sqlite3.OperationalError:
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x)")
    db.execute("PRAGMA max_page_count = 2")
    with pytest.raises(sqlite3.OperationalError) as caught:
        db.execute("INSERT INTO t VALUES (zeroblob(100000))")
    return caught.value


# -- telling a full disk from everything else ----------------------------------------------
def test_sqlite_full_and_enospc_are_a_full_disk(tmp_path):
    error = real_full_error()
    assert error.sqlite_errorcode == sqlite3.SQLITE_FULL
    for cause in (error, OSError(errno.ENOSPC, "No space left on device"),
                  OSError(errno.EDQUOT, "Disk quota exceeded")):
        full = store_file.full_error(cause, tmp_path)
        assert isinstance(full, StoreFull) and isinstance(full, StoreError)
        assert not isinstance(full, StoreLocked)
        assert full.directory == tmp_path
    shm = sqlite3.OperationalError("disk I/O error")
    shm.sqlite_errorcode = sqlite3.SQLITE_IOERR_SHMSIZE      # the WAL index could not grow
    assert store_file.full_error(shm, tmp_path) is not None


def test_other_errors_are_not_a_full_disk(tmp_path):
    db = sqlite3.connect(":memory:")
    db.execute("CREATE TABLE t (x UNIQUE)")
    db.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError) as constraint:
        db.execute("INSERT INTO t VALUES (1)")
    io = sqlite3.OperationalError("disk I/O error")
    io.sqlite_errorcode = sqlite3.SQLITE_IOERR_WRITE
    for error in (constraint.value, io, OSError(errno.EACCES, "Permission denied"),
                  ValueError("database or disk is full")):
        assert store_file.full_error(error, tmp_path) is None


def test_the_words_say_what_happened_and_what_to_do(tmp_path):
    full = StoreFull(tmp_path)
    assert str(tmp_path) in str(full) and "is full: free space" in str(full)
    assert "`hoist resume`" in full.command_line() and str(tmp_path) in full.command_line()
    assert DISK_FULL == "The disk holding Hoist's checkpoints is full: free space, then Resume"
    assert isinstance(store_file._open_error(tmp_path / "c.sqlite3", real_full_error()), StoreFull)


# -- what the store does about it -----------------------------------------------------------
def test_a_write_on_a_full_disk_raises_store_full_and_loses_nothing(store):
    task = add(store, "a.bin")
    store.begin_upload(task.id, "up-1", 5 * MiB, plan_parts(12 * MiB, 5 * MiB))
    store.part_done(task.id, 1, '"etag-1"', "crc1")
    fill(store)
    with pytest.raises(StoreFull) as caught:
        for n in range(50):             # rows that need pages the database may not grow
            add(store, f"{'long-name-' * 20}{n}.bin")
    assert caught.value.directory == store.path.parent
    assert isinstance(caught.value.__cause__, sqlite3.OperationalError)
    parts = store.parts(task.id)
    assert [p.state for p in parts] == [PartState.DONE, PartState.PENDING, PartState.PENDING]
    assert parts[0].etag == '"etag-1"'
    assert not store._db.in_transaction
    free(store)                          # space again: the same store writes on
    store.part_done(task.id, 2, '"etag-2"', "crc2")
    assert store.get_task(task.id).parts_done == 2
    assert store._db.execute("PRAGMA quick_check").fetchone()[0] == "ok"


def test_a_batch_that_meets_a_full_disk_keeps_none_of_it(store):
    kept = add(store, "kept.bin")
    fill(store)
    swallowed = []
    with pytest.raises(StoreFull):
        with store.batch():
            store.set_state(kept.id, TaskState.PAUSED, message="paused")
            for n in range(50):
                try:
                    add(store, f"{'long-name-' * 20}{n}.bin")
                except StoreFull as error:      # a caller that carries on...
                    swallowed.append(error)
            # ...meets the same StoreFull for every later write of this batch
    assert len(swallowed) >= 1
    assert all(isinstance(e, StoreFull) for e in swallowed)
    assert [t.id for t in store.tasks()] == [kept.id]
    assert store.get_task(kept.id).state is TaskState.QUEUED, "the batch was rolled back"
    assert not store._db.in_transaction
    free(store)
    with store.batch():
        store.set_state(kept.id, TaskState.PAUSED)
    assert store.get_task(kept.id).state is TaskState.PAUSED


def test_the_lock_file_on_a_full_disk(tmp_path, monkeypatch):
    def no_space(*_args):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(store_file.os, "pwrite", no_space)
    with pytest.raises(StoreFull):
        CheckpointStore.open(Path(tmp_path) / "checkpoints.sqlite3")
    monkeypatch.undo()
    CheckpointStore.open(Path(tmp_path) / "checkpoints.sqlite3").close()  # the lock was let go
