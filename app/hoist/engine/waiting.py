"""WaitingLine: the queued tasks, oldest first, in two lines: small files and the rest.

A small file (under the multipart threshold, no upload started) goes up in one
PutObject, so it is scheduled like a part in flight, many at a time, while
big files take one of the few "files at once" slots. Keeping the two apart
means a photo folder is not sent three files at a time, and a queue of
100,000 tasks is never sorted: each line is a heap of task ids (ids grow with
age) with lazy deletion, so adding, removing and taking cost O(log n).
"""

import heapq
from typing import Callable


class WaitingLine:
    def __init__(self):
        self._small: dict[int, bool] = {}           # queued task id -> in the small line?
        self._heaps: dict[bool, list[int]] = {True: [], False: []}
        self._counts: dict[bool, int] = {True: 0, False: 0}

    def __contains__(self, task_id: int) -> bool:
        return task_id in self._small

    def __len__(self) -> int:
        return len(self._small)

    def __iter__(self):
        return iter(list(self._small))

    def count(self, small: bool) -> int:
        """How many tasks wait in this line."""
        return self._counts[small]

    def waiting(self, small: bool) -> bool:
        """Is any task in this line? (May be True for a line of stale entries only.)"""
        return bool(self._heaps[small])

    def add(self, task_id: int, small: bool) -> None:
        was = self._small.get(task_id)
        if was is small:
            return
        if was is not None:
            self._counts[was] -= 1
        self._small[task_id] = small
        self._counts[small] += 1
        heapq.heappush(self._heaps[small], task_id)

    def discard(self, task_id: int) -> None:
        was = self._small.pop(task_id, None)    # its heap entry goes when it reaches the top
        if was is not None:
            self._counts[was] -= 1

    def take(self, small: bool, ready: Callable[[int], bool]) -> int | None:
        """Remove and return the oldest task of a line that is ``ready``; None if none is.

        A queued task that is not ready (its last jobs are still winding down)
        keeps its place.
        """
        heap, skipped, found = self._heaps[small], [], None
        while heap:
            task_id = heapq.heappop(heap)
            if self._small.get(task_id) is not small:
                continue                         # left the queue, or moved to the other line
            if ready(task_id):
                found = task_id
                del self._small[task_id]
                self._counts[small] -= 1
                break
            skipped.append(task_id)
        for task_id in skipped:
            heapq.heappush(heap, task_id)
        return found
