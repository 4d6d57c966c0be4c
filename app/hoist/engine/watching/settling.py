"""Only complete files: a file is sent once its size and mtime have stayed still for a while.

A :class:`Settler` holds the files that changed lately, each with the size and
mtime it had when last seen and when it last moved. Change notices and a folder's
rescans ``note`` files; ``due`` gives back those that have been still for the settle
time, after one more look (a stat) that proves it. A file written for a minute is
noted again and again, and comes out once, after its last write.
"""

import os
import time


class Settler:
    """Files waiting to be still for ``settle`` seconds: path -> (size, mtime_ns, since)."""

    def __init__(self, settle: float, clock=time.monotonic):
        self.settle = settle
        self._clock = clock
        self._files: dict[str, tuple[int, int, float]] = {}

    def __len__(self) -> int:
        return len(self._files)

    def __contains__(self, path: str) -> bool:
        return path in self._files

    def note(self, path: str, size: int, mtime_ns: int) -> None:
        """The file is (size, mtime_ns) now; its clock restarts if that is new."""
        seen = self._files.get(path)
        if seen is None or seen[:2] != (size, mtime_ns):
            self._files[path] = (size, mtime_ns, self._clock())

    def forget(self, path: str) -> None:
        self._files.pop(path, None)

    def clear(self) -> None:
        self._files.clear()

    def due(self) -> list[tuple[str, int]]:
        """(path, size) of each file still for the settle time, proved by a stat now; a file
        that moved meanwhile starts again, one that is gone is forgotten."""
        now = self._clock()
        ready = []
        for path, (size, mtime_ns, since) in list(self._files.items()):
            if now - since < self.settle:
                continue
            try:
                st = os.stat(path)
            except OSError:
                del self._files[path]
                continue
            if (st.st_size, st.st_mtime_ns) == (size, mtime_ns):
                del self._files[path]
                ready.append((path, size))
            else:
                self._files[path] = (st.st_size, st.st_mtime_ns, now)
        return ready
