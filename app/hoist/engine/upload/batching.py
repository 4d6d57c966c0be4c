"""Small files in batches: a folder of photos costs a job, a thread hop and a commit per
batch, not per file.

A small file (under the multipart threshold) is sent whole by its task's prepare
(engine/upload/preparing.py). Rather than a job per file, the manager hands a batch of
waiting small uploads to one :class:`SmallFiles` job, which runs their prepares one
after another on its pool thread. Each prepare hands its completion's write to the job
(``task.completions``) instead of committing it; every ``FLUSH_FILES`` files or
``FLUSH_SECONDS`` the job commits the writes made so far in one transaction, and only
then reports those files: a file counts as completed once its checkpoint is on disk.
A commit that fails (a full disk) fails the files it held, and they are sent again
later. A file asked to stop before its turn is skipped as interrupted.

The manager's side (:class:`SmallFileBatching`, a mixin of UploadManager) lands each
file as its own prepare job's end would be landed, a flush's worth in one commit.
Downloads of small objects keep a job each (their prepare does not finish them).
"""

import logging
import time
from typing import NamedTuple

from PySide6.QtCore import QObject, QRunnable, Signal

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.units import format_size
from hoist.engine.jobs import FAILED, INTERRUPTED, OK, run_step
from hoist.engine.upload.preparing import SENDING, VERIFYING

log = logging.getLogger("hoist.jobs")

# At most this many files a batch: the last batches of a folder end together, and a
# SmallFiles job never holds many files that another slot could send.
BATCH_MAX = 16
# A file this small is sent in a blink: its row goes from waiting to completed without
# saying "Uploading…" in between (a queued signal a file, which cost as much as signing it).
QUIET_BELOW = 1024 * 1024
# What a small file's prepare says on its way (a request follows at once); anything else
# it says (a retry in so many seconds, a wait for the network) comes before a wait.
QUICK = {SENDING, VERIFYING, ""}


class Said(NamedTuple):
    """Who said a message of a SmallFiles job: the manager's message slot reads ``.task``."""
    task: object


class Ended(NamedTuple):
    """One file of a SmallFiles job, as a TaskJob's end would say it."""
    task: object
    outcome: str
    result: object
    seconds: float


class BatchSignals(QObject):
    message = Signal(object, str)           # Said(task), transient status
    ended = Signal(object, object, bool)    # job, [Ended], the job's last word?


class SmallFiles(QRunnable):
    """The prepares of small files, one after another on one pool thread.

    Each file is sent whole by its prepare (engine/upload/preparing.py), which
    hands its completion's write here instead of committing it
    (``task.completions``). Every ``FLUSH_FILES`` files or ``FLUSH_SECONDS``, and
    before a file waits to retry or for the network, the writes made so far are
    committed in one transaction, and only then are those files reported: a file
    counts as completed once its checkpoint is on disk. A commit that fails (a full
    disk) fails the files it held, and they are sent again later. A file asked to
    stop before its turn is skipped as interrupted.
    """

    kind = "batch"
    FLUSH_FILES = 16
    FLUSH_SECONDS = 0.25       # the progress tick's: a completion shows at the next tick

    def __init__(self, tasks: list, store):
        super().__init__()
        self.setAutoDelete(False)   # the manager holds the job until its last word is handled
        self.tasks = tasks
        self.store = store
        self.signals = BatchSignals()
        self.current = None         # the file being sent (read by the manager's progress tick)
        self.begun: set[int] = set()     # the files whose turn has come
        self._ended: list[Ended] = []     # files ended since the last commit
        self._writes: list = []     # their completions' (task, write, the row's notice after it)
        self._since = time.monotonic()

    def run(self) -> None:
        self._since = time.monotonic()
        for task in self.tasks:
            if task.stopping():
                self._ended.append(Ended(task, INTERRUPTED, None, 0.0))
                continue
            start = time.monotonic()
            # its write joins the batch's with its end, never before: a commit that fails
            # fails every file whose write it held
            task.completions = own = []
            self.current = task
            self.begun.add(task.id)
            try:
                outcome, result = run_step(task, self.kind, task.prepare, self._reporter(task))
            finally:
                task.completions = None
                self.current = None
            now = time.monotonic()
            self._writes += own
            self._ended.append(Ended(task, outcome, result, now - start))
            if len(self._ended) >= self.FLUSH_FILES or now - self._since >= self.FLUSH_SECONDS:
                self._flush_pending(last=False)
        self._flush_pending(last=True)

    def shown(self, task) -> TaskState:
        """What a row of this batch says it is doing: waiting its turn, being sent, or sent
        and waiting for the batch's commit (the engine's own state is "preparing")."""
        if task.id not in self.begun:
            return TaskState.QUEUED
        return TaskState.UPLOADING if task is self.current else TaskState.COMPLETING

    def _reporter(self, task):
        """What ``task``'s prepare says reaches its row; "Uploading…" of a small one does not."""
        said, quiet = Said(task), task.record.size < QUIET_BELOW

        def report(text: str) -> None:
            if text not in QUICK and self._ended:
                # a retry or a wait for the network comes next: the files sent before it
                # are recorded and reported now, not held for as long as it lasts
                self._flush_pending(last=False)
            if not (quiet and text == SENDING):
                self.signals.message.emit(said, text)
        return report

    def _flush_pending(self, last: bool) -> None:
        ended, writes = self._ended, self._writes
        self._ended, self._writes, self._since = [], [], time.monotonic()
        self._flush(ended, writes, last)

    def _flush(self, ended: list[Ended], writes: list, last: bool) -> None:
        if writes:
            try:
                with self.store.batch():
                    for _task, write, _message in writes:
                        write()
            except Exception as error:  # noqa: BLE001 -- a full disk, say: none was recorded
                log.warning("%d completed uploads could not be recorded: %s", len(writes), error)
                ended = [Ended(e.task, FAILED, error, e.seconds)
                         if e.outcome == OK and e.result is None else e for e in ended]
            else:
                for task, _write, message in writes:
                    task.notice = message       # "Completed in 2 s · verified (MD5)"
                _log_completed([task.record for task, _w, _m in writes])
        self.signals.ended.emit(self, ended, last)


def _log_completed(records: list) -> None:
    """One line for the files a commit recorded (each file's own is at DEBUG)."""
    first, last = records[0], records[-1]
    size = format_size(sum(r.size for r in records))
    if len(records) == 1:
        log.info("task %s: completed s3://%s/%s (%s)", first.id, first.bucket, first.key, size)
    else:
        log.info("tasks %s…%s: completed %d files (%s) → s3://%s/%s … %s", first.id, last.id,
                 len(records), size, first.bucket, first.key, last.key)


class SmallFileBatching:
    """Mixin for UploadManager: start batches of small files, land what they report."""

    def _start_small(self, free: int) -> int:
        """Start the next small files in up to ``free`` slots: uploads in SmallFiles batches,
        a download on its own. Returns the slots taken (0: none was ready)."""
        # the waiting line shared out over every small-file slot, rounded down: 20 files on
        # 16 slots go one a batch (no slot idle), 1,000 go 16 a batch, a folder's tail a few
        size = max(1, min(BATCH_MAX, self._queued.count(True) // self.config.small_files_at_once))
        taken = 0
        while taken < free:
            batch = []
            ids = []
            while len(ids) < size and (task_id := self._queued.take(True, self._may_start)):
                ids.append(task_id)
            resting = [i for i in ids if self._tasks.at_rest(i) is not None]
            if len(resting) > 1:        # their rows in one query, not one each
                self._tasks.wake(self.store.get_tasks(resting).values())
            for task_id in ids:
                task = self._tasks[task_id]
                room = free - taken - (1 if batch else 0)     # the batch's own slot counted
                if room <= 0 and (task.direction != "upload" or not batch):
                    self._reindex(task)         # no slot left: back in the waiting line
                    continue
                if task.direction != "upload":
                    self._start_prepare(task)
                    taken += 1
                    continue
                task.clear_stop()
                task.message = ""
                self.pacer.choose_part_size(self.config, task)
                # not written: a PutObject leaves nothing to resume, and a run that dies finds
                # the task queued, as it was (the completion's own write says completed)
                self._set_state(task, TaskState.PREPARING, persist=False, announce=False)
                batch.append(task)
            if not batch:
                return taken
            self._start_batch(batch)
            taken += 1
        return taken

    def _start_batch(self, batch: list) -> None:
        job = SmallFiles(batch, self.store)
        job.signals.message.connect(self._on_job_message)
        job.signals.ended.connect(self._on_batch_ended)
        self._jobs.add(job)
        self._batches.add(job)
        for task in batch:
            task.jobs += 1
            self._batched[task.id] = job
            self._reindex(task)
        self._pool.start(job)

    def _sending(self) -> set[int]:
        """The files the running batches are sending now: the progress tick's, as _live's."""
        # ``current`` read once: the job's thread may set it to None between two reads
        return {task.id for job in self._batches if (task := job.current) is not None}

    def _on_batch_ended(self, job: SmallFiles, ended: list, last: bool) -> None:
        """Files of a SmallFiles job ended (those completed are recorded): land each as its
        own prepare job's end would be landed, in one commit."""
        if last:
            self._jobs.discard(job)
            self._batches.discard(job)
        if self._shut_down:
            return
        with self._writes():
            self._stats_out = []        # the files' statistics, written in one statement
            try:
                self._land(ended)
            finally:
                rows, self._stats_out = self._stats_out, None
            if rows:
                self._write(self.store.save_stats_of, rows)
            self._schedule()

    def _land(self, ended: list) -> None:
        """Each file as its own prepare job's end would be landed."""
        for task, outcome, result, seconds in ended:
            self._batched.pop(task.id, None)
            task.jobs -= 1
            self._reindex(task)
            self._touched.add(task.id)
            if outcome == OK:
                self.pacer.prepared(task, seconds)
                self._advance(task, "prepare", result)
            elif outcome == FAILED:
                self._on_failure(task, result)
            if task.stopping() and not task.jobs:
                self._settle(task)
