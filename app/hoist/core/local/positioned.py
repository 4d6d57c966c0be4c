"""Reading and writing at an offset of an open descriptor, on every platform.

``os.pread``/``os.pwrite`` exist on POSIX only. Where they are missing (Windows) the
descriptor's position is moved, then read or written: safe only while one thread uses
the descriptor at a time, which holds for both users (one part's body, the store's
lock file).
"""

import errno
import os

# Windows opens a descriptor in text mode unless told otherwise: reads would turn CRLF
# into LF and stop at a Ctrl-Z byte, and an uploaded file would lose bytes.
BINARY = getattr(os, "O_BINARY", 0)


def read_at(fd: int, size: int, offset: int) -> bytes:
    """Up to ``size`` bytes from ``offset`` (fewer only at the end of the file)."""
    if hasattr(os, "pread"):
        return os.pread(fd, size, offset)
    os.lseek(fd, offset, os.SEEK_SET)
    return os.read(fd, size)


def write_at(fd: int, data: bytes, offset: int) -> None:
    """Write all of ``data`` at ``offset``, or raise (ENOSPC). A write may take fewer bytes
    than it was given (a signal, a nearly full disk): the rest is written after them."""
    view = memoryview(data)
    while view:
        if hasattr(os, "pwrite"):
            written = os.pwrite(fd, view, offset)
        else:
            os.lseek(fd, offset, os.SEEK_SET)
            written = os.write(fd, view)
        if not written:                     # never for a regular file; no endless loop
            raise OSError(errno.EIO, f"wrote nothing at offset {offset}")
        view, offset = view[written:], offset + written
