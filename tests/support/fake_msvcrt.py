"""A stand-in for Windows' ``msvcrt`` module: byte-range locks kept in this process, calls recorded.

It simulates the operating system, not Hoist: ``locking(fd, mode, nbytes)`` locks from
the descriptor's current position, as the C runtime's ``_locking`` does, and refuses a
byte another descriptor holds with EACCES, as ``LK_NBLCK`` does. Locks are told apart
by file (device and inode) and offset, so two opens of one file conflict.
"""

import errno
import os

LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = 0, 1, 2, 3, 4


class FakeMsvcrt:
    """Install with ``sys.modules["msvcrt"] = FakeMsvcrt()``."""

    LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK = LK_UNLCK, LK_LOCK, LK_NBLCK, LK_RLCK, LK_NBRLCK

    def __init__(self, fail_errno: int | None = None):
        self.calls: list[tuple[int, int, int]] = []     # (mode, offset, nbytes)
        self.held: dict[tuple, int] = {}                # (dev, ino, offset) -> the holding fd
        self.fail_errno = fail_errno                    # every lock fails so: an odd file system

    def locking(self, fd: int, mode: int, nbytes: int) -> None:
        offset = os.lseek(fd, 0, os.SEEK_CUR)
        self.calls.append((mode, offset, nbytes))
        st = os.fstat(fd)
        key = (st.st_dev, st.st_ino, offset)
        if mode == LK_UNLCK:
            if self.held.get(key) != fd:
                raise OSError(errno.EACCES, "Permission denied")
            del self.held[key]
        elif mode == LK_NBLCK:
            if self.fail_errno is not None:
                raise OSError(self.fail_errno, os.strerror(self.fail_errno))
            if key in self.held:
                raise OSError(errno.EACCES, "Permission denied")
            self.held[key] = fd
        else:
            raise NotImplementedError(f"mode {mode} is not simulated")
