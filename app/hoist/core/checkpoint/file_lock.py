"""An exclusive, non-blocking lock on an open file: ``flock`` on POSIX, ``msvcrt.locking`` on Windows.

Both locks belong to the open file, so a second open of the same file is refused even
in the same process, and the operating system lets go when the holder dies. Each
platform's module is imported inside its own branch: neither exists on the other.
"""

import errno
import os
import sys

# Windows locks are mandatory: nobody may read locked bytes. The lock therefore covers
# one byte far past what the file holds (a pid, or a clean-close note), so that another
# process can still read who holds it. Locking past the end of a file is allowed there;
# the offset stays below 2 GiB for the C runtime's 32-bit file positions.
WINDOWS_LOCK_OFFSET = 1 << 30


def _windows() -> bool:
    return sys.platform == "win32"


def try_lock(fd: int) -> bool:
    """Lock ``fd`` exclusively without waiting: True if taken, False if someone else holds
    it; OSError for any other failure (a file system that cannot lock, say)."""
    if _windows():
        import msvcrt
        os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)    # locking() starts where fd stands
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError as e:
            # LK_NBLCK fails with EACCES when another handle holds the byte (EDEADLOCK is
            # what the retrying LK_LOCK gives up with; accepted too, as "held").
            if e.errno in (errno.EACCES, errno.EDEADLOCK):
                return False
            raise
        return True
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as e:
        if e.errno in (errno.EWOULDBLOCK, errno.EAGAIN):
            return False
        raise
    return True


def unlock_and_close(fd: int) -> None:
    """Let go of the lock taken by :func:`try_lock` and close ``fd``."""
    try:
        if _windows():
            # Windows frees a closed file's locks only "when resources allow": unlock first,
            # so the next Hoist started right after this one finds the store free.
            import msvcrt
            os.lseek(fd, WINDOWS_LOCK_OFFSET, os.SEEK_SET)
            try:
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
            except OSError:
                pass                      # closing frees it anyway, a moment later
        # POSIX: closing the only descriptor of the open file releases the flock.
    finally:
        os.close(fd)
