"""The checkpoint store: SQLite, the truth for resume (STYLE.md, rule 10).

One row per task (source, fingerprint, destination, upload id, state) and one
per part (number, range, ETag, checksum, state). A part's success is one short
transaction, so a crash loses at most the parts in flight. WAL mode, typed
columns, a schema version table and numbered migrations. One writer process at
a time holds ``<db>.lock``; readers (``hoist list``) take no lock and write nothing.
No secret is ever stored here.
"""

import errno
import fcntl
import os
import sqlite3
import threading
import time
import urllib.parse
from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass, fields
from pathlib import Path

from hoist.core.fingerprint import Fingerprint
from hoist.core.planner import PartPlan
from hoist.core.states import PartState, TaskState

_STATES = ", ".join(f"'{s.value}'" for s in TaskState)
_PART_STATES = ", ".join(f"'{s.value}'" for s in PartState)
_ACTIVE = tuple(s.value for s in TaskState if s.is_active)
_INTERRUPTED = "Interrupted — resume to continue"

# MIGRATIONS[n - 1] takes the schema from version n - 1 to n, in one transaction with
# its schema_version row. Never edit a released migration: append the next one.
MIGRATIONS: list[tuple[str, ...]] = [
    (   # 1: the first schema
        f"""CREATE TABLE tasks (
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
        )""",
        "CREATE INDEX tasks_destination ON tasks (bucket, key, source_path)",   # find_live_task
        f"""CREATE TABLE parts (
            task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
            number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 10000),
            offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            etag TEXT,
            checksum TEXT,
            state TEXT NOT NULL CHECK (state IN ({_PART_STATES})),
            PRIMARY KEY (task_id, number)
        )""",
    ),
    (   # 2: progress counted from an index alone, for a quick start with 10,000 tasks
        "CREATE INDEX parts_progress ON parts (task_id, state, size)",
    ),
    (   # 3: how a completed upload was verified ("CRC32", "MD5", "size"; '' before this)
        "ALTER TABLE tasks ADD COLUMN verified TEXT NOT NULL DEFAULT ''",
    ),
]
# The oldest schema this version's queries can read. Raise it when a migration changes a
# table; an index (like schema 2's) does not count, so `hoist list` reads older stores as is.
_READABLE_FROM = 1
_VERSION_TABLE = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)"
_SIDE_FILES = ("-wal", "-shm", "-journal")
_ELSEWHERE = "or set HOIST_DATA_DIR to another directory"


class StoreError(Exception):
    """The store cannot be used; the message says what happened and what to do."""


class StoreLocked(StoreError):
    """Another process is writing to this store."""


class _Damaged(Exception):
    """The file is not a sound SQLite database (it is set aside, not repaired)."""


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
    part_size: int              # 0: sent as one PutObject
    upload_id: str | None
    checksum_algorithm: str
    state: TaskState
    message: str
    error_code: str
    created_at: float
    updated_at: float
    finished_at: float | None
    verified: str               # how the completed object was checked (core.verify's method)
    bytes_done: int             # these three are computed from the part rows
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


# Rows come back as plain tuples in TaskRecord's field order (10,000 tasks load in a
# blink); the last three are counted from the parts through the parts_progress index.
# A completed task's part rows are dropped, so its bytes_done is its size.
_TASK_FIELDS = [f.name for f in fields(TaskRecord)]
_TASK_QUERY = f"""
    SELECT {", ".join("t." + name for name in _TASK_FIELDS[:-3])},
        CASE WHEN t.state = 'completed' THEN t.size ELSE (SELECT COALESCE(SUM(p.size), 0)
             FROM parts p WHERE p.task_id = t.id AND p.state = 'done') END,
        (SELECT COUNT(*) FROM parts p WHERE p.task_id = t.id AND p.state = 'done'),
        (SELECT COUNT(*) FROM parts p WHERE p.task_id = t.id)
    FROM tasks t
"""
_FINGERPRINT, _STATE = _TASK_FIELDS.index("fingerprint"), _TASK_FIELDS.index("state")


class CheckpointStore:
    """Tasks and their parts in one SQLite file; every method is short and thread-safe."""

    def __init__(self, path: Path, db: sqlite3.Connection, lock_fd: int | None, readonly: bool):
        self.path = path
        self.readonly = readonly
        self.recovered_from: Path | None = None     # where a damaged file was kept, if one was
        self._db = db
        self._lock_fd = lock_fd
        self._lock = threading.RLock()      # re-entered by the writes inside batch()
        self._batch_depth = 0
        # a read-only open of a schema before 3 has no tasks.verified: it reads as ''
        columns = {row[1] for row in db.execute("PRAGMA table_info(tasks)")}
        self._task_query = (_TASK_QUERY if "verified" in columns
                            else _TASK_QUERY.replace("t.verified", "''"))

    # -- opening ----------------------------------------------------------------------
    @classmethod
    def open(cls, path: Path, *, readonly: bool = False) -> "CheckpointStore":
        """Open (creating and migrating) the store at ``path``; raises StoreError/StoreLocked."""
        path = Path(path)
        if readonly:
            return cls(path, _open_readonly(path), None, readonly=True)
        lock_fd = _take_lock(path)
        try:
            try:
                db, recovered = _open_writable(path), None
            except _Damaged:
                recovered = _set_aside(path)
                db = _open_writable(path)
        except _Damaged as e:       # even a brand-new file: the disk itself is failing
            os.close(lock_fd)
            raise StoreError(f"Hoist cannot create a sound checkpoint database at {path} ({e}): "
                             f"check the disk, {_ELSEWHERE}.") from None
        except BaseException:
            os.close(lock_fd)
            raise
        store = cls(path, db, lock_fd, readonly=False)
        store.recovered_from = recovered
        return store

    def close(self) -> None:
        with self._lock:
            self._db.close()
            if self._lock_fd is not None:
                os.close(self._lock_fd)         # releases the writer lock
                self._lock_fd = None

    def __enter__(self) -> "CheckpointStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------
    @contextmanager
    def _transaction(self):
        """One short transaction, one thread at a time (or a part of the open batch)."""
        if self.readonly:
            raise StoreError(f"The checkpoint database {self.path} was opened read-only; "
                             "changes need the Hoist process that holds its lock.")
        with self._lock:
            if self._batch_depth:       # this thread holds a batch: its transaction is open
                yield self._db
                return
            with _transaction(self._db) as db:
                yield db

    @contextmanager
    def batch(self):
        """Make every write inside one transaction: one commit (one fsync) for many rows.

        For bulk actions on the GUI thread ("Resume all" over 10,000 rows, a folder
        of thousands of files). Other threads wait for the batch to end, so keep
        network and disk reads out of it. An error inside rolls all of it back.
        """
        with self._transaction():
            self._batch_depth += 1
            try:
                yield self
            finally:
                self._batch_depth -= 1

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
            (str(source_path), fingerprint.to_json() if fingerprint else None, account,
             endpoint_url, region, profile, bucket, key, size, part_size, checksum_algorithm,
             TaskState(state).value, now, now))
        return self.get_task(cursor.lastrowid)

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

    def mark_completed(self, task_id, message: str, verified: str = "") -> None:
        now = time.time()
        with self._transaction() as db:
            db.execute("UPDATE tasks SET state = ?, message = ?, error_code = '', updated_at = ?, "
                       "finished_at = ?, verified = ? WHERE id = ?",
                       (TaskState.COMPLETED.value, message, now, now, verified, task_id))
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))

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

    # -- reading ----------------------------------------------------------------------
    def get_task(self, task_id) -> TaskRecord | None:
        with self._lock:
            row = self._tuples(self._task_query + " WHERE t.id = ?", (task_id,)).fetchone()
        return _task(row) if row else None

    def tasks(self, states: Iterable[TaskState] | None = None) -> list[TaskRecord]:
        sql, params = self._task_query, ()
        if states is not None:
            params = tuple(TaskState(s).value for s in states)
            sql += f" WHERE t.state IN ({', '.join('?' * len(params))})" if params else " WHERE 0"
        with self._lock:
            rows = self._tuples(sql + " ORDER BY t.id", params).fetchall()
        return [_task(r) for r in rows]

    def find_live_task(self, source_path, endpoint_url, bucket, key) -> TaskRecord | None:
        """The unfinished task sending this file to this key, if there is one."""
        with self._lock:
            row = self._tuples(
                self._task_query + " WHERE t.bucket = ? AND t.key = ? AND t.source_path = ?"
                " AND t.endpoint_url IS ? AND t.state NOT IN ('completed', 'cancelled')"
                " ORDER BY t.id LIMIT 1",
                (bucket, key, str(source_path), endpoint_url)).fetchone()
        return _task(row) if row else None

    def upload_ids(self, bucket: str | None = None, key: str | None = None) -> set[str]:
        """The multipart upload ids our tasks hold (of one bucket, or one key in it)."""
        sql, params = "SELECT upload_id FROM tasks WHERE upload_id IS NOT NULL", []
        for column, value in (("bucket", bucket), ("key", key)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        with self._lock:
            return {row[0] for row in self._tuples(sql, params)}

    def _tuples(self, sql: str, params=()) -> sqlite3.Cursor:
        cursor = self._db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)

    def parts(self, task_id) -> list[PartRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM parts WHERE task_id = ? ORDER BY number",
                                    (task_id,)).fetchall()
        return [PartRecord(r["task_id"], r["number"], r["offset"], r["size"], r["etag"],
                           r["checksum"], PartState(r["state"])) for r in rows]


# -- opening, locking, recovering ----------------------------------------------------------
def _connect(target: str, uri: bool = False) -> sqlite3.Connection:
    # isolation_level=None: we issue BEGIN/COMMIT ourselves, so a transaction is exactly
    # what a method says it is.
    db = sqlite3.connect(target, uri=uri, check_same_thread=False, timeout=10,
                         isolation_level=None)
    db.row_factory = sqlite3.Row
    db.execute("PRAGMA busy_timeout = 10000")
    db.execute("PRAGMA foreign_keys = ON")      # per connection; parts cascade with their task
    return db


@contextmanager
def _transaction(db: sqlite3.Connection):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _schema_version(db: sqlite3.Connection, path: Path) -> int:
    """Check the file is a sound database we understand; its schema version. Writes nothing."""
    try:
        verdict = [row[0] for row in db.execute("PRAGMA quick_check").fetchall()]
        if verdict != ["ok"]:
            raise _Damaged("; ".join(verdict[:3]))
        has_table = db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' "
                               "AND name = 'schema_version'").fetchone()
        version = db.execute("SELECT max(version) FROM schema_version").fetchone()[0] \
            if has_table else 0
    except sqlite3.DatabaseError as e:
        if _is_damage(e):
            raise _Damaged(str(e)) from None
        raise
    version = version or 0
    if version > len(MIGRATIONS):
        raise StoreError(f"The checkpoint database {path} was written by a newer version of Hoist "
                         f"(schema {version}; this one knows {len(MIGRATIONS)}): upgrade Hoist, "
                         f"{_ELSEWHERE}.")
    return version


def _migrate(db: sqlite3.Connection, version: int) -> None:
    for number in range(version + 1, len(MIGRATIONS) + 1):
        with _transaction(db):
            db.execute(_VERSION_TABLE)
            for statement in MIGRATIONS[number - 1]:
                db.execute(statement)
            db.execute("INSERT INTO schema_version (version) VALUES (?)", (number,))


def _open_writable(path: Path) -> sqlite3.Connection:
    """Connect, check, switch to WAL and migrate; raises _Damaged or StoreError."""
    # SQLite quietly opens a write-protected file read-only; say so now, not at the first part.
    problem = _permission_problem(path)
    if problem:
        raise problem
    try:
        db = _connect(str(path))
    except sqlite3.Error as e:
        raise _open_error(path, e) from None
    try:
        version = _schema_version(db, path)     # before any write: a newer file stays untouched
        db.execute("PRAGMA journal_mode = WAL")
        # NORMAL (in WAL mode): a commit reaches the operating system before it returns, so
        # a crash or kill -9 of Hoist loses nothing; only a power cut or kernel crash can
        # drop the last few commits, which costs re-sending those parts (resume reconciles
        # with the server), never a wrong object. FULL would fsync every part while holding
        # the store's lock, and the window's thread would wait behind 64 of them.
        db.execute("PRAGMA synchronous = NORMAL")
        _migrate(db, version)
    except (_Damaged, StoreError):
        db.close()
        raise
    except sqlite3.Error as e:
        db.close()
        if _is_damage(e):
            raise _Damaged(str(e)) from None
        raise _open_error(path, e) from None
    return db


def _open_readonly(path: Path) -> sqlite3.Connection:
    """A connection that cannot write; an empty in-memory schema if the file has none yet."""
    if not path.is_file():
        raise StoreError(f"There is no checkpoint database at {path}: nothing has been recorded "
                         "there yet. Check HOIST_DATA_DIR.")
    uri = "file:" + urllib.parse.quote(str(path.absolute())) + "?mode=ro"
    # A WAL reader needs the -shm file; in a read-only directory with no writer (so no
    # -wal to miss), reading the file as immutable is the only way and is exact.
    uris = [uri]
    if not _writable(path.parent) and not Path(f"{path}-wal").exists():
        uris.append(uri + "&immutable=1")
    error: sqlite3.Error | None = None
    for target in uris:
        try:
            db = _connect(target, uri=True)
        except sqlite3.Error as e:
            error = e
            continue
        try:
            version = _schema_version(db, path)
        except _Damaged:
            db.close()
            raise StoreError(f"The checkpoint database {path} is damaged. Start Hoist (or run an "
                             "upload) to keep a copy of it aside and begin a new one.") from None
        except StoreError:
            db.close()
            raise
        except sqlite3.Error as e:
            db.close()
            error = e
            continue
        if version >= _READABLE_FROM:
            return db
        db.close()
        if version:
            raise StoreError(f"The checkpoint database {path} is from an older version of Hoist "
                             f"(schema {version}): start Hoist once to upgrade it, then try again.")
        memory = _connect(":memory:")       # created but not yet set up: nothing recorded
        _migrate(memory, 0)
        return memory
    raise _open_error(path, error)


def _take_lock(path: Path) -> int:
    """Create the data directory and hold ``<db>.lock`` with our pid in it; its descriptor."""
    directory, lock_path = path.parent, Path(f"{path}.lock")
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise StoreError(f"Hoist cannot use {directory} as its data directory: part of that path "
                         f"is a file, not a directory. Move the file away, {_ELSEWHERE}.") from None
    except OSError as e:
        raise StoreError(f"Hoist cannot create its data directory {directory} ({e.strerror}): "
                         f"create it yourself, {_ELSEWHERE}.") from None
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as e:
        if not _writable(directory):
            raise _readonly_directory(directory) from None
        raise StoreError(f"Hoist cannot open its lock file {lock_path} ({e.strerror}): make it "
                         "writable or delete it, then try again.") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        if e.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
            raise StoreError(f"Hoist cannot lock {lock_path} ({e.strerror}): keep its data "
                             f"directory on a local disk, {_ELSEWHERE}.") from None
        who = f"Another Hoist process (pid {holder})" if holder.isdigit() \
            else "Another Hoist process"
        raise StoreLocked(f"{who} is using {directory}. Wait for it to finish or close it, "
                          "then try again.") from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


def _set_aside(path: Path) -> Path:
    """Move a damaged database (and its WAL files) out of the way, keeping it for inspection.

    Called after our connection closed, so SQLite has already folded in or discarded
    whatever WAL it recognised as its own; what is left goes with the file.
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    target, n = path.with_name(f"{path.name}.corrupt-{stamp}"), 1
    while any(Path(f"{target}{s}").exists() for s in ("", *_SIDE_FILES)):
        target, n = path.with_name(f"{path.name}.corrupt-{stamp}-{n}"), n + 1
    # The side files go first: a stale -wal left beside a new database would be replayed into it.
    try:
        for suffix in (*_SIDE_FILES, ""):
            if os.path.lexists(f"{path}{suffix}"):
                os.replace(f"{path}{suffix}", f"{target}{suffix}")
    except OSError as e:
        raise StoreError(f"The checkpoint database {path} is damaged and Hoist could not move it "
                         f"aside ({e.strerror}): move or delete it yourself, then try "
                         "again.") from None
    return target


def _is_damage(error: sqlite3.Error) -> bool:
    """SQLite says the file is not a database, or a malformed one (not: busy, read-only...)."""
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    return code in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)


def _writable(path: Path) -> bool:
    return os.access(path, os.W_OK)


def _readonly_directory(directory: Path) -> StoreError:
    return StoreError(f"Hoist cannot write to its data directory {directory}: it is read-only. "
                      f"Make it writable (chmod u+w '{directory}'), {_ELSEWHERE}.")


def _permission_problem(path: Path) -> StoreError | None:
    """Why the database at ``path`` could not be written, seen from the file system."""
    if path.is_dir():
        return StoreError(f"{path} is a directory, not Hoist's checkpoint database: move it "
                          f"away, {_ELSEWHERE}.")
    if not _writable(path.parent):
        return _readonly_directory(path.parent)
    for file in (path, *(Path(f"{path}{s}") for s in _SIDE_FILES)):
        if file.exists() and not _writable(file):
            return StoreError(f"The checkpoint database file {file} is read-only: make it "
                              f"writable (chmod u+w '{file}'), {_ELSEWHERE}.")
    return None


def _open_error(path: Path, error: sqlite3.Error | None) -> StoreError:
    """Say why the database could not be opened, from what is on disk, and what to do."""
    problem = _permission_problem(path)
    if problem:
        return problem
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_FULL:
        return StoreError(f"The disk holding {path.parent} is full: free some space, then try "
                          "again.")
    if code == sqlite3.SQLITE_BUSY:
        return StoreError(f"The checkpoint database {path} is locked by another program: close "
                          "it, then try again.")
    return StoreError(f"Hoist cannot open its checkpoint database {path} ({error}): check the "
                      f"file and its directory, {_ELSEWHERE}.")


def _task(row: tuple) -> TaskRecord:
    values = list(row)
    values[_FINGERPRINT] = Fingerprint.from_json(row[_FINGERPRINT]) if row[_FINGERPRINT] else None
    values[_STATE] = TaskState(row[_STATE])
    return TaskRecord(*values)
