"""The checkpoint file itself: opening, migrating, recovery (the writer's lock
is in :mod:`hoist.core.checkpoint.store_lock`; the schema, in
:mod:`hoist.core.checkpoint.migrations`).

:mod:`hoist.core.checkpoint.store` holds the queries; this module gets a sound, migrated SQLite
connection to them, says in words why it cannot, and tells a full disk (which
costs nothing once space is freed) from a damaged file (which is set aside).
"""

import errno
import os
import sqlite3
import time
import urllib.parse
from contextlib import contextmanager
from pathlib import Path

from hoist.core.checkpoint.migrations import MIGRATIONS
from hoist.core.local.private_files import create_private_file, tighten

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


# What a row and the status bar say; the command line says `hoist resume` instead of Resume.
DISK_FULL = "The disk holding Hoist's checkpoints is full: free space, then Resume"


class StoreFull(StoreError):
    """A write failed for want of disk space; nothing committed is lost or damaged.

    Once space is freed, the same store (the same connection) takes writes again.
    """

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        super().__init__(f"The disk holding Hoist's checkpoints ({self.directory}) is full: "
                         "free space, then resume.")

    def __reduce__(self):      # pickled whole: the window hears it from the engine's process
        return (type(self), (self.directory,))

    def command_line(self) -> str:
        """The one line `hoist` prints before it exits as interrupted."""
        return (f"The disk holding Hoist's checkpoints ({self.directory}) is full: free space, "
                "then run `hoist resume` (every finished part is kept).")


def full_error(error: BaseException, directory: Path) -> "StoreFull | None":
    """The StoreFull that ``error`` means, or None if it is not a full disk.

    SQLite says SQLITE_FULL when a write (a WAL append, a checkpoint into the
    file) meets ENOSPC, and SQLITE_IOERR_SHMSIZE when it cannot grow the WAL
    index; the OS says ENOSPC (or EDQUOT, a full quota) to plain file writes.
    """
    if isinstance(error, StoreFull):
        return error
    if isinstance(error, sqlite3.Error):
        code = getattr(error, "sqlite_errorcode", None)
        full = (code is not None and (code & 0xFF == sqlite3.SQLITE_FULL
                                      or code == sqlite3.SQLITE_IOERR_SHMSIZE)) \
            or (code is None and "database or disk is full" in str(error))
    else:
        full = isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)
    return StoreFull(directory) if full else None


class _Damaged(Exception):
    """The file is not a sound SQLite database (it is set aside, not repaired)."""


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
        db.execute("COMMIT")
    except BaseException:
        # SQLite may already have rolled back (a full disk, an I/O error), or a COMMIT may have
        # landed before a failed checkpoint; roll back only what is still open, and let the
        # first error be the one that is raised.
        if db.in_transaction:
            try:
                db.execute("ROLLBACK")
            except sqlite3.Error:
                pass
        raise


def _schema_version(db: sqlite3.Connection, path: Path, check: bool = True) -> int:
    """Check the file is a sound database we understand; its schema version. Writes nothing.

    ``check=False`` skips ``PRAGMA quick_check``, which reads every page (0.9 s at 100,000
    tasks): for a file exactly as our own clean close left it (see ``left_clean``).
    """
    try:
        if check:
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


def _open_writable(path: Path, check: bool = True) -> sqlite3.Connection:
    """Connect, check (unless told not to), switch to WAL and migrate; raises _Damaged or
    StoreError."""
    # SQLite quietly opens a write-protected file read-only; say so now, not at the first part.
    problem = _permission_problem(path)
    if problem:
        raise problem
    if not path.exists():
        # SQLite would make the file 0644; made here owner-only, it gives its -wal, -shm
        # and -journal the same mode (an empty file is an empty database)
        try:
            create_private_file(path)
        except OSError as e:
            raise full_error(e, path.parent) or StoreError(
                f"Hoist cannot create its checkpoint database {path} ({e.strerror}): check "
                f"its directory, {_ELSEWHERE}.") from None
    try:
        db = _connect(str(path))
    except sqlite3.Error as e:
        raise _open_error(path, e) from None
    try:
        version = _schema_version(db, path, check)   # before any write: a newer file stays as is
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
                tighten(Path(f"{target}{suffix}"))    # kept aside, still the user's uploads
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
    full = full_error(error, path.parent) if error is not None else None
    if full:
        return full
    code = getattr(error, "sqlite_errorcode", 0) & 0xFF
    if code == sqlite3.SQLITE_BUSY:
        return StoreError(f"The checkpoint database {path} is locked by another program: close "
                          "it, then try again.")
    return StoreError(f"Hoist cannot open its checkpoint database {path} ({error}): check the "
                      f"file and its directory, {_ELSEWHERE}.")

