"""The checkpoint store: SQLite, the truth for resume (STYLE.md, rule 10).

One row per task (source, fingerprint, destination, upload id, state) and one
per part (number, range, ETag, checksum, state). A part's success is one short
transaction, so a crash loses at most the parts in flight. WAL mode, typed
columns, a schema version table and numbered migrations. One writer process at
a time holds ``<db>.lock``; readers (``hoist list``) take no lock and write nothing.
What was sent is remembered apart from the tasks (:mod:`hoist.core.checkpoint.sent`).
No secret is ever stored here. Opening, migrating and recovering the file live in
:mod:`hoist.core.checkpoint.store_file`; the reads, in :mod:`hoist.core.checkpoint.store_reads`;
what they return (TaskRecord, ListedTask, PartRecord), in :mod:`hoist.core.checkpoint.records`.

A write that fails because the disk is full raises :class:`StoreFull`: nothing
committed is lost, and the same store takes writes again once space is freed.
"""

import json
import sqlite3
import sys
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from pathlib import Path

from hoist.core.checkpoint.downloads import DownloadRecords
from hoist.core.checkpoint.file_lock import unlock_and_close
from hoist.core.checkpoint.history import TaskHistory
from hoist.core.checkpoint.records import (  # noqa: F401 -- the records are this module's API too
    _LISTED_QUERY,
    _STATE_OF,
    ListedTask,
    PartRecord,
    TaskRecord,
    _task,
    task_query,
)
from hoist.core.checkpoint.sent import SentFiles
from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.checkpoint.store_file import (  # noqa: F401 -- MIGRATIONS and the errors are this module's API too
    _ELSEWHERE,
    DISK_FULL,
    MIGRATIONS,
    StoreError,
    StoreFull,
    StoreLocked,
    _Damaged,
    _open_readonly,
    _open_writable,
    _set_aside,
    _transaction,
    full_error,
)
from hoist.core.checkpoint.store_lock import _take_lock, left_clean, note_clean
from hoist.core.checkpoint.store_reads import StoreReads
from hoist.core.checkpoint.watches import StoredWatches
from hoist.core.local.fingerprint import Fingerprint
from hoist.core.policy.planner import PartPlan

_ACTIVE = tuple(s.value for s in TaskState if s.is_active)
_INTERRUPTED = "Interrupted — resume to continue"


class CheckpointStore(SentFiles, TaskHistory, DownloadRecords, StoreReads, StoredWatches):
    """Tasks and their parts in one SQLite file; every method is short and thread-safe."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock_fd: int | None, readonly: bool):
        self.path = path
        self.readonly = readonly
        self.recovered_from: Path | None = None     # where a damaged file was kept, if one was
        self.checked = True      # whether opening read every page (PRAGMA quick_check)
        self._db = db
        self._lock_fd = lock_fd
        self._lock = threading.RLock()      # re-entered by the writes inside batch()
        self._batch_depth = 0
        self._batch_full: StoreFull | None = None    # a write in the open batch met a full disk
        # a read-only open of an older schema reads later columns as their defaults
        self._task_query = task_query({row[1] for row in db.execute("PRAGMA table_info(tasks)")})

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> "CheckpointStore":
        """Open (creating and migrating) the store at ``path``; raises StoreError/StoreLocked."""
        path = Path(path)
        if readonly:
            return cls(path, _open_readonly(path), None, readonly=True)
        lock_fd, note = _take_lock(path)
        checked = not left_clean(path, note)     # the full check, unless we left it clean
        try:
            try:
                db, recovered = _open_writable(path, check=checked), None
            except _Damaged:
                checked = True
                recovered = _set_aside(path)
                db = _open_writable(path)
        except _Damaged as e:       # even a brand-new file: the disk itself is failing
            unlock_and_close(lock_fd)
            raise StoreError(f"Hoist cannot create a sound checkpoint database at {path} ({e}): "
                             f"check the disk, {_ELSEWHERE}.") from None
        except BaseException:
            unlock_and_close(lock_fd)
            raise
        store = cls(path, db, lock_fd, readonly=False)
        store.recovered_from = recovered
        store.checked = checked
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._lock_fd is not None:
                note_clean(self._lock_fd, self.path)
                unlock_and_close(self._lock_fd)     # releases the writer lock
                self._lock_fd = None

    def __enter__(self) -> "CheckpointStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------
    @contextmanager
    def _transaction(self):
        """One short transaction, one thread at a time (or a part of the open batch).

        A full disk surfaces as StoreFull, whichever statement met it.
        """
        if self.readonly:
            raise StoreError(f"The checkpoint database {self.path} was opened read-only; "
                             "changes need the Hoist process that holds its lock.")
        with self._lock:
            try:
                if not self._batch_depth:
                    with _transaction(self._db) as db:
                        yield db
                elif self._batch_full is not None:
                    # SQLite may have rolled the batch back already: nothing more goes into it
                    raise self._batch_full
                else:                   # this thread holds a batch: its transaction is open
                    yield self._db
            except (sqlite3.Error, OSError) as e:
                full = full_error(e, self.path.parent)
                if full is None:
                    raise
                if self._batch_depth:
                    self._batch_full = full
                raise full from e

    @contextmanager
    def batch(self):
        """Make every write inside one transaction: one commit (one fsync) for many rows.

        For bulk actions on the GUI thread ("Resume all" over 10,000 rows, a folder
        of thousands of files). Other threads wait for the batch to end, so keep
        network and disk reads out of it. An error inside rolls all of it back; so
        does a full disk met by any write inside, even if its caller carried on:
        the batch then ends by raising that StoreFull.
        """
        with self._transaction():
            if not self._batch_depth:
                self._batch_full = None
            self._batch_depth += 1
            try:
                yield self
            finally:
                self._batch_depth -= 1
            if self._batch_full is not None:
                raise self._batch_full

    def _write(self, sql: str, params=()) -> sqlite3.Cursor:
        with self._transaction() as db:
            return db.execute(sql, params)

    def add_task(self, *, source_path, fingerprint, account, endpoint_url, region, profile, bucket,
                 key, size, part_size, checksum_algorithm, state=TaskState.QUEUED,
                 object_settings: str | None = None, ca_bundle=None,
                 verify_tls=True) -> TaskRecord:
        """One task; ``object_settings`` is ObjectSettings' JSON (None: the defaults)."""
        now, verify = time.time(), int(bool(verify_tls))
        fingerprint_json = fingerprint.to_json() if fingerprint else None
        columns = {"source_path": str(source_path), "fingerprint": fingerprint_json,
                   "account": account, "endpoint_url": endpoint_url, "region": region,
                   "profile": profile, "bucket": bucket, "key": key, "size": size,
                   "part_size": part_size, "checksum_algorithm": checksum_algorithm,
                   "state": TaskState(state).value, "created_at": now, "updated_at": now}
        # a later column is named only when it holds other than its default (the row then
        # needs no migration that a default would not need either)
        later = {"object_settings": object_settings, "ca_bundle": ca_bundle,
                 "verify_tls": None if verify else 0}
        columns.update((name, value) for name, value in later.items() if value is not None)
        cursor = self._write(f"INSERT INTO tasks ({', '.join(columns)})"
                             f" VALUES ({', '.join('?' * len(columns))})", tuple(columns.values()))
        # The row as get_task would read it back, without reading it: a 100,000-file drop
        # adds that many, and a new task has no parts, no upload and the columns' defaults.
        return TaskRecord(cursor.lastrowid, str(source_path), fingerprint_json, account, endpoint_url,
                          region, profile, bucket, key, size, part_size, None, checksum_algorithm,
                          TaskState(state), "", "", now, now, None, "", object_settings,
                          ca_bundle, verify, "upload", None, None, None, 0, 0, 0)

    def add_tasks(self, files, *, account, endpoint_url, region, profile, bucket, part_size,
                  checksum_algorithm, state=TaskState.QUEUED, ca_bundle=None,
                  verify_tls=True) -> list[ListedTask]:
        """``add_task`` for many files of one destination, given as (source_path, key, size,
        object settings' JSON or None), in file order: one statement for all, where a
        100,000-file drop otherwise spends most of its time in the engine. No fingerprints
        yet, as for a new file. Returns the new rows as ``listed`` would read them
        (``get_task`` has the rest)."""
        state, now = TaskState(state), time.time()
        files = [(str(f[0]), f[1], f[2], f[3] if len(f) > 3 else None) for f in files]
        if not files:
            return []
        # The files go in as one JSON array, unpacked by SQLite: 0.4 s for 100,000 rows
        # where executemany, which binds 13 values a row, took 0.75. (Not ensure_ascii: a
        # name that is not valid UTF-8 then fails here, as it would bound on its own.)
        listed = json.dumps(files, ensure_ascii=False)
        with self._transaction() as db:
            # One writer, in one transaction: the new rows are exactly those above the old
            # largest id, in the order given (SQLite gives a new row the largest id + 1).
            before = db.execute("SELECT coalesce(max(id), 0) FROM tasks").fetchone()[0]
            db.execute(
                "INSERT INTO tasks (source_path, account, endpoint_url, region, profile, bucket,"
                " key, size, part_size, checksum_algorithm, state, created_at, updated_at,"
                " object_settings, ca_bundle, verify_tls)"
                " SELECT json_extract(value, '$[0]'), ?, ?, ?, ?, ?, json_extract(value, '$[1]'),"
                " json_extract(value, '$[2]'), ?, ?, ?, ?, ?, json_extract(value, '$[3]'), ?, ?"
                " FROM json_each(?) ORDER BY key",
                (account, endpoint_url, region, profile, bucket, part_size, checksum_algorithm,
                 state.value, now, now, ca_bundle, int(bool(verify_tls)), listed))
            after, count = db.execute(
                "SELECT max(id), count(*) FROM tasks WHERE id > ?", (before,)).fetchone()
        if count != len(files) or after != before + count:   # impossible under the lock
            raise StoreError(f"The checkpoint database {self.path} changed while files were "
                             "being added: quit every Hoist, then add them again.")
        account, bucket = sys.intern(account), sys.intern(bucket)
        shared: dict[str, str] = {}          # one string per distinct settings, as listed() does
        return [ListedTask(task_id, path, account, bucket, key, size, None, state, "", "",
                           objects and shared.setdefault(objects, objects), "upload", 0, 0, 0)
                for task_id, (path, key, size, objects) in zip(range(before + 1, after + 1),
                                                              files)]

    def set_state(self, task_id, state, message=None, error_code=None) -> None:
        """Move a task to ``state``; a None message or error code is left as it was."""
        state, now = TaskState(state), time.time()
        sets, params = ["state = ?", "updated_at = ?", "finished_at = ?"], \
            [state.value, now, now if state.is_terminal else None]
        if message is not None:
            sets.append("message = ?")
            params.append(message)
        if error_code is not None:
            sets.append("error_code = ?")
            params.append(error_code)
        self._write(f"UPDATE tasks SET {', '.join(sets)} WHERE id = ?", (*params, task_id))

    def pause_queued(self, task_ids) -> None:
        """Pause those of ``task_ids`` that are queued, in one statement: quitting with
        100,000 files waiting took a transaction each."""
        self._move(TaskState.QUEUED, TaskState.PAUSED, task_ids)

    def queue_paused(self, task_ids=None) -> int:
        """Queue those of ``task_ids`` that are paused (with None, every paused task), clearing
        their message and error code, in one statement (Resume all over 100,000 rows, and
        start-up's auto-resume). Returns how many were queued."""
        return self._move(TaskState.PAUSED, TaskState.QUEUED, task_ids, clear=True)

    def _move(self, from_state: TaskState, to_state: TaskState, task_ids=None,
              clear: bool = False) -> int:
        """Move the tasks in ``from_state`` (those of ``task_ids``, or all) to ``to_state``;
        ``clear`` empties their message and error code. How many moved."""
        cleared = ", message = '', error_code = ''" if clear else ""
        sql = (f"UPDATE tasks SET state = ?, updated_at = ?, finished_at = NULL{cleared}"
               " WHERE state = ?")
        params = (to_state.value, time.time(), from_state.value)
        if task_ids is not None:
            sql += " AND id IN (SELECT value FROM json_each(?))"
            params += (json.dumps(list(task_ids)),)
        return self._write(sql, params).rowcount

    def set_fingerprint(self, task_id, fingerprint: Fingerprint, size: int) -> None:
        self._write("UPDATE tasks SET fingerprint = ?, size = ?, updated_at = ? WHERE id = ?",
                    (fingerprint.to_json(), size, time.time(), task_id))

    def begin_upload(self, task_id, upload_id: str, part_size: int, parts: list[PartPlan]) -> None:
        """Record a new multipart upload and its pending parts, replacing any earlier ones."""
        with self._transaction() as db:
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            db.execute("UPDATE tasks SET upload_id = ?, part_size = ?, updated_at = ? WHERE id = ?",
                       (upload_id, part_size, time.time(), task_id))
            db.executemany(
                "INSERT INTO parts (task_id, number, offset, size, state) VALUES (?, ?, ?, ?, ?)",
                [(task_id, p.number, p.offset, p.size, PartState.PENDING.value) for p in parts])

    def reset_upload(self, task_id) -> None:
        """Forget the upload id and parts; the preferred part size stays for the next plan."""
        with self._transaction() as db:
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            db.execute("UPDATE tasks SET upload_id = NULL, updated_at = ? WHERE id = ?",
                       (time.time(), task_id))

    def part_done(self, task_id, number: int, etag: str, checksum: str | None) -> None:
        """The checkpoint: one part is on the server. One short transaction."""
        self._write("UPDATE parts SET etag = ?, checksum = ?, state = ? "
                    "WHERE task_id = ? AND number = ?",
                    (etag, checksum, PartState.DONE.value, task_id, number))

    def mark_parts_pending(self, task_id, numbers: Iterable[int]) -> None:
        """These parts must be sent again (the server lacks them or they did not match)."""
        rows = [(PartState.PENDING.value, task_id, n) for n in numbers]
        with self._transaction() as db:
            db.executemany("UPDATE parts SET state = ?, etag = NULL, checksum = NULL "
                           "WHERE task_id = ? AND number = ?", rows)

    def save_stats(self, task_id, stats_json: str) -> None:
        """Replace a task's accumulated transfer statistics (a JSON object, core/stats)."""
        self._write("INSERT OR REPLACE INTO task_stats (task_id, stats) VALUES (?, ?)",
                    (task_id, stats_json))

    def save_stats_of(self, rows) -> None:
        """save_stats for many tasks, (task id, stats JSON) each, in one statement."""
        with self._transaction() as db:
            db.executemany("INSERT OR REPLACE INTO task_stats (task_id, stats) VALUES (?, ?)",
                           rows)

    def stats(self, task_id=None) -> dict[int, str]:
        """Task id → its statistics' JSON, for one task or all; {} on a store before schema 4."""
        sql, params = "SELECT task_id, stats FROM task_stats", ()
        if task_id is not None:
            sql, params = sql + " WHERE task_id = ?", (task_id,)
        with self._lock:
            try:
                return dict(self._tuples(sql, params).fetchall())
            except sqlite3.OperationalError:        # read-only open of an older schema
                return {}

    def delete_task(self, task_id) -> None:
        self._write("DELETE FROM tasks WHERE id = ?", (task_id,))     # parts cascade

    def recover_interrupted(self) -> int:
        """At start-up: work that was under way becomes paused; returns how many tasks."""
        with self._transaction() as db:
            db.execute("UPDATE parts SET state = ? WHERE state = ?",
                       (PartState.PENDING.value, PartState.IN_FLIGHT.value))
            cursor = db.execute(
                f"UPDATE tasks SET state = ?, message = ?, updated_at = ? "
                f"WHERE state IN ({', '.join('?' * len(_ACTIVE))})",
                (TaskState.PAUSED.value, _INTERRUPTED, time.time(), *_ACTIVE))
            return cursor.rowcount
