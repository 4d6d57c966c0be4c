"""RangeCommits: a range of a download counts as done only once its bytes are on disk.

Each range job writes its bytes into the partial file, then calls ``commit``, which
returns only when the range is both synced (fdatasync) and marked done in the store.
The calls are grouped: the first job to arrive syncs the file once and commits, in
one transaction, every range written before it began; jobs that arrive meanwhile
wait for the next round, which one of them leads. Under load that is one fdatasync
and one commit for many ranges, and no job ever waits on a timer. A power cut then
costs at most the ranges not yet synced, never a range marked done over zeros.

fdatasync flushes the file, not one descriptor: a sync through the leader's own
descriptor covers the bytes every other job wrote before it joined the round. A sync
that fails fails every later round of the run too (``reset`` at the next prepare).
"""

import threading
from typing import Callable


class RangeCommits:
    """The group commit of one download's ranges."""

    def __init__(self, sync: Callable[[int], None], mark_done: Callable[[list[int]], None]):
        self._sync = sync                 # partial.sync: fdatasync where there is one
        self._mark_done = mark_done       # one transaction for a list of range numbers
        self._cond = threading.Condition()
        self._written: list[int] = []     # written, waiting for the next round
        self._leading = False
        self._outcome: dict[int, BaseException | None] = {}   # number -> None (done) or error
        self._failed: BaseException | None = None   # a sync that failed in this run
        self.rounds = 0                   # how many syncs: for tests and the log

    def reset(self) -> None:
        """A new run: the ranges of the last are fetched and written again."""
        with self._cond:
            self._failed = None

    def commit(self, fd: int, number: int) -> None:
        """Return once range ``number`` (written through ``fd``) is synced and recorded done;
        raise what the sync or the store raised if either failed."""
        with self._cond:
            self._written.append(number)
            while number not in self._outcome and self._leading:
                self._cond.wait()
            if number in self._outcome:
                return self._settled(number)
            self._leading = True
            batch, self._written = self._written, []
            error: BaseException | None = self._failed
        try:
            # After a failed sync the kernel may have dropped pages written before it, and
            # reports that once: a later sync saying 0 would vouch for them. So none counts.
            if error is None:
                try:
                    self._sync(fd)
                except BaseException as exc:
                    self._failed = exc
                    raise
                self._mark_done(batch)
        except BaseException as exc:      # every range of the round is not done
            error = exc
        with self._cond:
            self._leading = False
            self.rounds += 1
            for n in batch:
                self._outcome[n] = error
            self._cond.notify_all()
            return self._settled(number)

    def _settled(self, number: int) -> None:
        error = self._outcome.pop(number)
        if error is not None:
            raise error
