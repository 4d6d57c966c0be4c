"""The writer's lock on the checkpoint file: ``<db>.lock``, and what a clean close leaves in it.

One Hoist process writes a store at a time: it holds an exclusive lock on the lock
file (:mod:`hoist.core.checkpoint.file_lock`: ``flock``, or ``msvcrt.locking`` on
Windows), which names it (its pid) for the message another process shows. On a
clean close the pid gives way to the database's size and modification time, so
the next writer can tell a file left exactly as it was closed (its whole-file
check is skipped) from one left by a crash or changed since.
"""

import os
from pathlib import Path

from hoist.core.checkpoint.file_lock import try_lock, unlock_and_close
from hoist.core.checkpoint.store_file import (
    _ELSEWHERE,
    StoreError,
    StoreLocked,
    _readonly_directory,
    _writable,
    full_error,
)
from hoist.core.local.positioned import BINARY, read_at, write_at
from hoist.core.local.private_files import FILE_MODE, make_private_dir


def _take_lock(path: Path) -> tuple[int, str]:
    """Create the data directory and hold ``<db>.lock`` with our pid in it; its descriptor,
    and what the last writer left in it (its pid, or how it closed the file: ``note_clean``)."""
    directory, lock_path = path.parent, Path(f"{path}.lock")
    try:
        make_private_dir(directory)
    except (FileExistsError, NotADirectoryError):
        raise StoreError(f"Hoist cannot use {directory} as its data directory: part of that path "
                         f"is a file, not a directory. Move the file away, {_ELSEWHERE}.") from None
    except OSError as e:
        raise StoreError(f"Hoist cannot create its data directory {directory} ({e.strerror}): "
                         f"create it yourself, {_ELSEWHERE}.") from None
    try:
        fd = os.open(lock_path, os.O_RDWR | os.O_CREAT | BINARY, FILE_MODE)
    except OSError as e:
        if not _writable(directory):
            raise _readonly_directory(directory) from None
        raise StoreError(f"Hoist cannot open its lock file {lock_path} ({e.strerror}): make it "
                         "writable or delete it, then try again.") from None
    try:
        taken = try_lock(fd)
    except OSError as e:
        os.close(fd)
        raise StoreError(f"Hoist cannot lock {lock_path} ({e.strerror}): keep its data "
                         f"directory on a local disk, {_ELSEWHERE}.") from None
    if not taken:
        holder = read_at(fd, 32, 0).decode("ascii", "replace").strip()
        os.close(fd)
        who = f"Another Hoist process (pid {holder})" if holder.isdigit() \
            else "Another Hoist process"
        locked = StoreLocked(f"{who} is using {directory}. Wait for it to finish or close it, "
                             "then try again.")
        locked.pid = int(holder) if holder.isdigit() else None     # who holds it (a take-over)
        raise locked from None
    try:
        left = read_at(fd, 100, 0).decode("ascii", "replace")
        os.ftruncate(fd, 0)
        write_at(fd, f"{os.getpid()}\n".encode(), 0)
    except OSError as e:
        unlock_and_close(fd)          # not a bare close: on Windows the lock could linger
        full = full_error(e, directory)
        if full:
            raise full from None
        raise StoreError(f"Hoist cannot write its lock file {lock_path} ({e.strerror}): "
                         f"check the disk, {_ELSEWHERE}.") from None
    return fd, left


# A clean close leaves "closed <size> <mtime_ns>" of the database in the lock file, in place
# of its pid. The next writer skips the full check only while the file still matches: after
# a crash or a kill (the pid is still there), or once anything else has written to the file
# or left a WAL beside it, the check runs. Damage in place that keeps both the size and the
# modification time is found when SQLite reads the damaged page instead.
def note_clean(lock_fd: int, path: Path) -> None:
    """Record, in the held lock file, that ``path`` was closed cleanly and how it was left."""
    try:
        if os.path.exists(f"{path}-wal"):      # not folded in: another connection is open
            return
        st = os.stat(path)
        os.ftruncate(lock_fd, 0)
        write_at(lock_fd, f"closed {st.st_size} {st.st_mtime_ns}\n".encode(), 0)
    except OSError:
        pass                                   # the next open checks the file: nothing lost


def left_clean(path: Path, note: str) -> bool:
    """Whether ``path`` is exactly as the clean close that wrote ``note`` left it."""
    words = note.split()
    if len(words) != 3 or words[0] != "closed" or os.path.exists(f"{path}-wal"):
        return False
    try:
        st = os.stat(path)
    except OSError:
        return False
    return words[1:] == [str(st.st_size), str(st.st_mtime_ns)]
