"""The checkpoint store: SQLite, the truth for resume (STYLE.md, rule 10).

One row per task (source, fingerprint, destination, upload id, state) and one
per part (number, range, ETag, checksum, state). A part's success is one short
transaction, so a crash loses at most the parts in flight. WAL mode, typed
columns, a schema version table and numbered migrations. One writer process at
a time holds ``<db>.lock``; readers (``hoist list``) need no lock.
No secret is ever stored here.
"""

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from app.core.fingerprint import Fingerprint
from app.core.planner import PartPlan
from app.core.states import PartState, TaskState

_STATES = ", ".join(f"'{s.value}'" for s in TaskState)
_PART_STATES = ", ".join(f"'{s.value}'" for s in PartState)

MIGRATIONS = [
    # 1: the first schema
    f"""
    CREATE TABLE tasks (
        id INTEGER PRIMARY KEY,
        source_path TEXT NOT NULL,
        fingerprint TEXT,
        account TEXT NOT NULL,
        endpoint_url TEXT,
        region TEXT,
        profile TEXT,
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        size INTEGER NOT NULL CHECK (size >= 0),
        part_size INTEGER NOT NULL DEFAULT 0,
        upload_id TEXT,
        checksum_algorithm TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ({_STATES})),
        message TEXT NOT NULL DEFAULT '',
        error_code TEXT NOT NULL DEFAULT '',
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        finished_at REAL
    );
    CREATE INDEX tasks_destination ON tasks (bucket, key, source_path);
    CREATE TABLE parts (
        task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
        number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 10000),
        offset INTEGER NOT NULL,
        size INTEGER NOT NULL,
        etag TEXT,
        checksum TEXT,
        state TEXT NOT NULL CHECK (state IN ({_PART_STATES})),
        PRIMARY KEY (task_id, number)
    );
    """,
]


class StoreError(Exception):
    """The store cannot be used; the message says what happened and what to do."""


class StoreLocked(StoreError):
    """Another process is writing to this store."""


@dataclass(frozen=True)
class TaskRecord:
    id: int
    source_path: str
    fingerprint: Fingerprint | None
    account: str
    endpoint_url: str | None
    region: str | None
    profile: str | None
    bucket: str
    key: str
    size: int
    part_size: int
    upload_id: str | None
    checksum_algorithm: str
    state: TaskState
    message: str
    error_code: str
    created_at: float
    updated_at: float
    finished_at: float | None
    bytes_done: int
    parts_done: int
    parts_total: int


@dataclass(frozen=True)
class PartRecord:
    task_id: int
    number: int
    offset: int
    size: int
    etag: str | None
    checksum: str | None
    state: PartState


_TASK_QUERY = """
    SELECT t.*,
           CASE WHEN t.state = 'completed' THEN t.size
                ELSE COALESCE(SUM(CASE WHEN p.state = 'done' THEN p.size END), 0) END AS bytes_done,
           COALESCE(SUM(p.state = 'done'), 0) AS parts_done,
           COUNT(p.number) AS parts_total
    FROM tasks t LEFT JOIN parts p ON p.task_id = t.id
"""


class CheckpointStore:
    def __init__(self, path: Path, db: sqlite3.Connection, lock_file, readonly: bool):
        self.path = path
        self.readonly = readonly
        self.recovered_from: Path | None = None
        self._db = db
        self._lock_file = lock_file
        self._lock = threading.Lock()

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> "CheckpointStore":
        path = Path(path)
        if readonly:
            db = _connect(f"file:{path}?mode=ro", uri=True)
            store = cls(path, db, None, readonly=True)
            store._check_version(migrate=False)
            return store
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            lock_file = open(str(path) + ".lock", "a+")
        except OSError as e:
            raise StoreError(f"Hoist cannot write to its data directory {path.parent} "
                             f"({e.strerror}): make it writable, or set HOIST_DATA_DIR to "
                             "another directory.") from None
        _take_lock(lock_file, path.parent)
        recovered = None
        store = cls(path, _connect(str(path)), lock_file, readonly=False)
        try:
            store._check_version(migrate=True)
        except sqlite3.DatabaseError as e:
            store._db.close()
            if isinstance(e, sqlite3.OperationalError) and "readonly" in str(e).lower():
                lock_file.close()
                raise StoreError(f"The checkpoint database {path} is read-only: make it "
                                 "writable, or set HOIST_DATA_DIR to another directory.") from None
            recovered = _set_aside(path)
            store = cls(path, _connect(str(path)), lock_file, readonly=False)
            store._check_version(migrate=True)
        except StoreError:
            store.close()
            raise
        store.recovered_from = recovered
        return store

    def _check_version(self, migrate: bool) -> None:
        db = self._db
        if not self.readonly:
            db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = ON")
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("quick_check failed")
        db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)") \
            if migrate else None
        row = db.execute("SELECT max(version) FROM schema_version").fetchone() if _has_table(
            db, "schema_version") else (0,)
        version = row[0] or 0
        if version > len(MIGRATIONS):
            raise StoreError(f"The checkpoint database {self.path} was written by a newer version "
                             f"of Hoist (schema {version}; this one knows {len(MIGRATIONS)}): "
                             "upgrade Hoist, or set HOIST_DATA_DIR to another directory.")
        if not migrate:
            return
        for number in range(version + 1, len(MIGRATIONS) + 1):
            with self._transaction():
                for statement in MIGRATIONS[number - 1].split(";"):
                    if statement.strip():
                        db.execute(statement)
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._lock_file is not None:
                self._lock_file.close()
                self._lock_file = None

    # -- writing ----------------------------------------------------------------------
    @contextmanager
    def _transaction(self):
        """One short transaction, one writer thread at a time."""
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _write(self, sql: str, params=()) -> sqlite3.Cursor:
        with self._transaction() as db:
            return db.execute(sql, params)

    def add_task(self, *, source_path, fingerprint, account, endpoint_url, region, profile, bucket,
                 key, size, part_size, checksum_algorithm, state=TaskState.QUEUED) -> TaskRecord:
        now = time.time()
        cursor = self._write(
            "INSERT INTO tasks (source_path, fingerprint, account, endpoint_url, region, profile,"
            " bucket, key, size, part_size, checksum_algorithm, state, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (source_path, fingerprint.to_json() if fingerprint else None, account, endpoint_url,
             region, profile, bucket, key, size, part_size, checksum_algorithm,
             TaskState(state).value, now, now))
        return self.get_task(cursor.lastrowid)

    def set_state(self, task_id, state, message=None, error_code=None) -> None:
        state = TaskState(state)
        sets, params = ["state = ?", "updated_at = ?"], [state.value, time.time()]
        if message is not None:
            sets.append("message = ?")
            params.append(message)
        if error_code is not None:
            sets.append("error_code = ?")
            params.append(error_code)
        sets.append("finished_at = ?")
        params.append(time.time() if state in (TaskState.COMPLETED, TaskState.CANCELLED) else None)
        self._write(f"UPDATE tasks SET {', '.join(sets)} WHERE id = ?", (*params, task_id))

    def set_fingerprint(self, task_id, fingerprint: Fingerprint, size: int) -> None:
        self._write("UPDATE tasks SET fingerprint = ?, size = ?, updated_at = ? WHERE id = ?",
                    (fingerprint.to_json(), size, time.time(), task_id))

    def begin_upload(self, task_id, upload_id: str, part_size: int, parts: list[PartPlan]) -> None:
        with self._transaction():
            self._db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            self._db.execute("UPDATE tasks SET upload_id = ?, part_size = ?, updated_at = ? "
                             "WHERE id = ?", (upload_id, part_size, time.time(), task_id))
            self._db.executemany(
                "INSERT INTO parts (task_id, number, offset, size, state) VALUES (?, ?, ?, ?, ?)",
                [(task_id, p.number, p.offset, p.size, PartState.PENDING.value) for p in parts])

    def reset_upload(self, task_id) -> None:
        """Forget the upload id and parts; the preferred part size stays for the next plan."""
        with self._transaction():
            self._db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            self._db.execute("UPDATE tasks SET upload_id = NULL, updated_at = ? "
                             "WHERE id = ?", (time.time(), task_id))

    def part_done(self, task_id, number: int, etag: str, checksum: str | None) -> None:
        self._write("UPDATE parts SET etag = ?, checksum = ?, state = ? "
                    "WHERE task_id = ? AND number = ?",
                    (etag, checksum, PartState.DONE.value, task_id, number))

    def mark_parts_pending(self, task_id, numbers: Iterable[int]) -> None:
        with self._transaction():
            self._db.executemany(
                "UPDATE parts SET state = ?, etag = NULL, checksum = NULL "
                "WHERE task_id = ? AND number = ?",
                [(PartState.PENDING.value, task_id, n) for n in numbers])

    def mark_completed(self, task_id, message: str) -> None:
        now = time.time()
        with self._transaction():
            self._db.execute("UPDATE tasks SET state = ?, message = ?, error_code = '', "
                             "updated_at = ?, finished_at = ? WHERE id = ?",
                             (TaskState.COMPLETED.value, message, now, now, task_id))
            self._db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))

    def delete_task(self, task_id) -> None:
        self._write("DELETE FROM tasks WHERE id = ?", (task_id,))

    def recover_interrupted(self) -> int:
        """At start-up: work that was under way becomes paused; nothing is lost."""
        active = tuple(s.value for s in (TaskState.PREPARING, TaskState.UPLOADING,
                                         TaskState.COMPLETING))
        with self._transaction():
            self._db.execute("UPDATE parts SET state = ? WHERE state = ?",
                             (PartState.PENDING.value, PartState.IN_FLIGHT.value))
            cursor = self._db.execute(
                f"UPDATE tasks SET state = ?, message = ?, updated_at = ? "
                f"WHERE state IN ({', '.join('?' * len(active))})",
                (TaskState.PAUSED.value, "Interrupted — resume to continue", time.time(), *active))
            return cursor.rowcount

    # -- reading ----------------------------------------------------------------------
    def get_task(self, task_id) -> TaskRecord | None:
        with self._lock:
            row = self._db.execute(_TASK_QUERY + " WHERE t.id = ? GROUP BY t.id",
                                   (task_id,)).fetchone()
        return _task(row) if row else None

    def tasks(self, states: Iterable[TaskState] | None = None) -> list[TaskRecord]:
        sql, params = _TASK_QUERY, ()
        if states is not None:
            params = tuple(TaskState(s).value for s in states)
            sql += f" WHERE t.state IN ({', '.join('?' * len(params))})" if params else " WHERE 0"
        with self._lock:
            rows = self._db.execute(sql + " GROUP BY t.id ORDER BY t.id", params).fetchall()
        return [_task(r) for r in rows]

    def find_live_task(self, source_path, endpoint_url, bucket, key) -> TaskRecord | None:
        with self._lock:
            row = self._db.execute(
                _TASK_QUERY + " WHERE t.source_path = ? AND t.endpoint_url IS ? AND t.bucket = ?"
                " AND t.key = ? AND t.state NOT IN ('completed', 'cancelled') GROUP BY t.id"
                " ORDER BY t.id LIMIT 1", (str(source_path), endpoint_url, bucket, key)).fetchone()
        return _task(row) if row else None

    def parts(self, task_id) -> list[PartRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM parts WHERE task_id = ? ORDER BY number",
                                    (task_id,)).fetchall()
        return [PartRecord(r["task_id"], r["number"], r["offset"], r["size"], r["etag"],
                           r["checksum"], PartState(r["state"])) for r in rows]


def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    db = sqlite3.connect(target, uri=uri, check_same_thread=False, timeout=10,
                         isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 10000")
    return db


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (name,)).fetchone() is not None


def _take_lock(lock_file, directory: Path) -> None:
    try:
        fcntl.flock(lock_file.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        lock_file.seek(0)
        pid = lock_file.read().strip() or "unknown"
        lock_file.close()
        raise StoreLocked(f"Another Hoist process (pid {pid}) is using {directory}. Wait for it to "
                          "finish or close it, then try again.") from None
    lock_file.seek(0)
    lock_file.truncate()
    lock_file.write(str(os.getpid()))
    lock_file.flush()


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) out of the way, keeping it for inspection."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target = path.with_name(f"{path.name}.corrupt-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        source = Path(str(path) + suffix)
        if source.exists():
            os.replace(source, Path(str(target) + suffix))
    return target


def _task(row: sqlite3.Row) -> TaskRecord:
    return TaskRecord(
        id=row["id"], source_path=row["source_path"],
        fingerprint=Fingerprint.from_json(row["fingerprint"]) if row["fingerprint"] else None,
        account=row["account"], endpoint_url=row["endpoint_url"], region=row["region"],
        profile=row["profile"], bucket=row["bucket"], key=row["key"], size=row["size"],
        part_size=row["part_size"], upload_id=row["upload_id"],
        checksum_algorithm=row["checksum_algorithm"], state=TaskState(row["state"]),
        message=row["message"], error_code=row["error_code"], created_at=row["created_at"],
        updated_at=row["updated_at"], finished_at=row["finished_at"],
        bytes_done=row["bytes_done"], parts_done=row["parts_done"],
        parts_total=row["parts_total"])
