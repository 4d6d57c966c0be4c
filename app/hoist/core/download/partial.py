"""The partial file beside a download's target: made at full size before the first byte,
written range by range at offsets, and renamed to the target only when it is whole.

The target's name never holds half a file: until ``publish`` the bytes live in
``NAME.hoist-partial`` in the same folder (same file system, so the rename is atomic).
"""

import errno
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

from hoist.core.local.positioned import BINARY, write_at
from hoist.core.local.units import format_size

PARTIAL_SUFFIX = ".hoist-partial"
# A partial file is never opened through a link someone left at its name.
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NO_ROOM = (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))


def partial_path(target: Path) -> Path:
    """``NAME.hoist-partial`` in the target's folder."""
    target = Path(target)
    return target.with_name(target.name + PARTIAL_SUFFIX)


class NotEnoughSpace(Exception):
    """The folder's file system has less free space than the download needs."""

    def __init__(self, folder: Path, name: str, needed: int, free: int):
        self.folder, self.name, self.needed, self.free = Path(folder), name, needed, free
        super().__init__(
            f"Not enough free space in {folder} for {name}: needs {format_size(needed)}, "
            f"{format_size(free)} free. Free {format_size(needed - free)} more, "
            f"or choose another folder.")


def _nearest_existing_folder(target: Path) -> Path:
    folder = Path(os.path.abspath(target)).parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    return folder


def _free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def check_free_space(target: Path, needed: int) -> None:
    """Raise NotEnoughSpace unless ``needed`` more bytes fit where ``target`` will be
    (``needed``: the object's size less what an existing partial file already holds)."""
    if needed <= 0:
        return
    folder = _nearest_existing_folder(target)
    free = _free_bytes(folder)
    if needed > free:
        raise NotEnoughSpace(Path(target).parent, Path(target).name, needed, free)


def allocated(path: Path) -> int:
    """The bytes a partial file holds on disk: its blocks, not its length (a file left sparse
    holds less than it says); 0 if there is none."""
    try:
        st = os.stat(path, follow_symlinks=False)
    except FileNotFoundError:
        return 0
    return _allocated(st)


def _allocated(st: os.stat_result) -> int:
    blocks = getattr(st, "st_blocks", None)     # Windows has none: its length, then
    return st.st_size if blocks is None else min(st.st_size, blocks * 512)


def _preallocate(fd: int, size: int) -> None:
    if size and hasattr(os, "posix_fallocate"):
        try:
            os.posix_fallocate(fd, 0, size)
            return
        except OSError as e:        # a file system that cannot reserve (ZFS): sparse instead
            if e.errno not in (errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
                raise
    os.ftruncate(fd, size)


def open_partial(target: Path, size: int) -> int:
    """A descriptor open read-write on the target's partial file, at ``size`` bytes.

    Creates the target's folders. An existing partial of ``size`` bytes is reopened as it is
    (resume); one of any other size holds another object's bytes and is emptied first. A new
    length is reserved on disk where the system can (``posix_fallocate``), so a full disk shows
    now, not halfway. No room: the partial file is removed and NotEnoughSpace raised.
    """
    target = Path(target)
    partial = partial_path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(partial, os.O_RDWR | os.O_CREAT | BINARY | _NOFOLLOW, 0o666)
    emptied = False
    try:
        st = os.fstat(fd)
        if st.st_size != size:
            os.ftruncate(fd, 0)             # never keep another object's bytes under new ones
            emptied = True
            _preallocate(fd, size)
        elif _allocated(st) < size:         # left sparse: reserve its holes, keep its bytes
            _preallocate(fd, size)
    except OSError as e:
        os.close(fd)
        if e.errno not in _NO_ROOM:
            raise
        if emptied:                         # it held nothing of ours: leave no file
            discard(partial)
        raise NotEnoughSpace(target.parent, target.name, size,
                             _free_bytes(_nearest_existing_folder(target))) from None
    except BaseException:
        os.close(fd)
        raise
    return fd


def reopen_partial(partial: Path) -> int:
    """A descriptor open read-write on an existing partial file, never through a link
    (OSError ELOOP if one is there now, FileNotFoundError if it is gone)."""
    return os.open(partial, os.O_RDWR | BINARY | _NOFOLLOW)


def write_range(fd: int, offset: int, data: bytes) -> None:
    """Write one range's bytes at its offset (a full disk raises OSError ENOSPC)."""
    write_at(fd, data, offset)


def sync(fd: int) -> None:
    """Put the file's written bytes on disk (its data, not its times) before ranges count."""
    if hasattr(os, "fdatasync"):
        os.fdatasync(fd)
    else:
        os.fsync(fd)


def publish(fd: int, partial: Path, target: Path, mtime: float | None) -> None:
    """Give the proved partial file the target's name: fsync, close, set its modification time,
    rename over the target (atomic: the name holds the old file or the new, never half),
    then fsync the folder so the rename itself survives a power cut (POSIX)."""
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    if mtime is not None:
        os.utime(partial, (mtime, mtime))
    os.replace(partial, target)
    _sync_folder(Path(target).parent)


def _sync_folder(folder: Path) -> None:
    if os.name == "nt":                 # Windows neither opens folders nor needs this
        return
    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno != errno.EINVAL:     # some file systems cannot sync a folder; nothing lost
            raise
    finally:
        os.close(fd)


def find_strays(roots: Iterable[Path], owned: set[Path]) -> list[Path]:
    """Every ``*.hoist-partial`` file under ``roots`` (recursively, links not followed) that is
    not in ``owned``: left by a download no record owns any more. Sorted."""
    owned_here = {os.path.abspath(path) for path in owned}
    strays: list[str] = []
    pending = [os.path.abspath(root) for root in roots]
    seen: set[str] = set()
    while pending:
        folder = pending.pop()
        if folder in seen:                  # two roots, one inside the other
            continue
        seen.add(folder)
        try:
            entries = list(os.scandir(folder))
        except OSError:                     # gone, not a folder, or not ours to read
            continue
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif (entry.name.endswith(PARTIAL_SUFFIX) and entry.is_file(follow_symlinks=False)
                      and entry.path not in owned_here):
                    strays.append(entry.path)
            except OSError:
                continue
    return [Path(path) for path in sorted(set(strays))]


def discard(partial: Path) -> None:
    """Remove a partial file; one already gone is fine."""
    Path(partial).unlink(missing_ok=True)
