"""Counting bytes as they leave: the request body wrapper and the speed meter."""

import collections
import os
import threading
import time
from typing import Callable

from hoist.core.local.positioned import BINARY, read_at


class Interrupted(Exception):
    """The task was asked to stop (pause, cancel, shutdown); not an error."""


class SourceShrank(Exception):
    """The file ended before the part did: it changed since the part was planned."""


class ProgressBody:
    """A read-only file over one part's byte range that boto3 sends as the request body.

    Bytes are read from disk as they are sent, so memory stays flat however big
    the parts are. Every read takes tokens from the shared bandwidth limiter,
    reports the bytes to ``on_bytes`` (negative when botocore rewinds to resend)
    and raises :class:`Interrupted` as soon as ``should_stop()`` is true, so a
    pause cuts an in-flight part within one block rather than after the part.
    """

    def __init__(self, path: str, offset: int, size: int, on_bytes: Callable[[int], None],
                 should_stop: Callable[[], bool], limiter=None, content: bytes | None = None):
        # ``content``: the range's bytes, read already (a small file, read once: its
        # fingerprint, checksums and body are the same bytes)
        self._content = content
        self._fd = os.open(path, os.O_RDONLY | BINARY) if content is None else -1
        self._offset = offset
        self._size = size
        self._pos = 0
        self._on_bytes = on_bytes
        self._should_stop = should_stop
        self._limiter = limiter

    def __len__(self) -> int:
        return self._size

    def read(self, size: int = -1) -> bytes:
        if self._should_stop():
            raise Interrupted()
        left = self._size - self._pos
        size = left if size is None or size < 0 else min(size, left)
        if size <= 0:
            return b""
        if self._limiter is not None and not self._limiter.consume(size, self._should_stop):
            raise Interrupted()
        start = self._offset + self._pos
        chunk = (read_at(self._fd, size, start) if self._content is None
                 else self._content[start:start + size])
        if len(chunk) < size:
            raise SourceShrank("the file shrank during the upload")
        self._pos += len(chunk)
        self._on_bytes(len(chunk))
        return chunk

    def seek(self, offset: int, whence: int = 0) -> int:
        new = {0: offset, 1: self._pos + offset, 2: self._size + offset}[whence]
        new = max(0, min(new, self._size))
        if new < self._pos:
            self._on_bytes(new - self._pos)      # a rewind: those bytes will be sent again
        self._pos = new
        return self._pos

    def tell(self) -> int:
        return self._pos

    def seekable(self) -> bool:
        return True

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1

    def __del__(self):
        self.close()


class SpeedMeter:
    """Bytes per second over a sliding window, for the speed and ETA columns."""

    def __init__(self, window: float = 5.0, clock: Callable[[], float] = time.monotonic):
        self._window = window
        self._clock = clock
        self._samples: collections.deque[tuple[float, int]] = collections.deque()
        self._lock = threading.Lock()

    def sample(self, total_bytes: int) -> None:
        now = self._clock()
        with self._lock:
            self._samples.append((now, total_bytes))
            while len(self._samples) > 2 and now - self._samples[0][0] > self._window:
                self._samples.popleft()

    def reset(self) -> None:
        with self._lock:
            self._samples.clear()

    def speed(self) -> float:
        with self._lock:
            if len(self._samples) < 2:
                return 0.0
            (t0, b0), (t1, b1) = self._samples[0], self._samples[-1]
        return max(0.0, (b1 - b0) / (t1 - t0)) if t1 > t0 else 0.0
