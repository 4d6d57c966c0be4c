"""What the user asks of tasks: pause, resume (retry), cancel, remove, and the same for all
(and Clear completed).

A mixin of :class:`~hoist.engine.manager.UploadManager` (which owns the state it
uses: ``_tasks``, ``_queued``, the store, the signals), split out to keep the
manager about scheduling. A command on one row wakes its task (engine/table.py);
Pause all and Resume all change the rows at rest without waking them.
"""

import logging

from PySide6.QtCore import Slot

from hoist.core.checkpoint.longlived import pause_collector, resume_collector
from hoist.core.checkpoint.states import TaskState
from hoist.engine.adding import ACTIVE
from hoist.engine.transfer import TransferTask

log = logging.getLogger("hoist.manager")


class TaskCommands:
    """Mixin for UploadManager: the commands on one task or on all of them."""

    @Slot(int)
    def pause(self, task_id: int) -> None:
        task = self._tasks.get(task_id)
        if task is not None and self._pause(task):
            self._schedule()

    def _pause(self, task: TransferTask, notice: str | None = None, persist: bool = True) -> bool:
        """Stop sending a queued or running task's parts; False if it was neither."""
        if not (task.state is TaskState.QUEUED or task.state in ACTIVE):
            return False
        task.message = ""
        self._set_state(task, TaskState.PAUSED, message=notice, persist=persist)
        if task.jobs:
            task.request_stop("pause")
        log.info("task %s: paused", task.id)
        return True

    @Slot(int)
    def resume(self, task_id: int) -> None:
        task = self._tasks.get(task_id)
        self._clear_full()
        if task is not None and self._resume(task):
            self._schedule()

    def _resume(self, task: TransferTask) -> bool:
        """Queue a paused or failed task again; False if it was neither (or the disk is full)."""
        if task.state not in (TaskState.PAUSED, TaskState.FAILED) or self.full is not None:
            return False
        task.restarts = 0 if task.state is TaskState.FAILED else task.restarts
        # the account as registered now: a CA bundle or endpoint corrected since it stopped
        task.bucket = self._bucket_for(task.record)
        self._set_state(task, TaskState.QUEUED, message="", error_code="")
        log.info("task %s: resumed", task.id)
        return True

    retry = resume   # a failed task continues from its checkpoint, like a paused one

    @Slot(int)
    def cancel(self, task_id: int) -> None:
        """Stop the task, abort its multipart upload on the server and drop its checkpoint."""
        task = self._tasks.get(task_id)
        if task is None or task.state in (TaskState.COMPLETED, TaskState.CANCELLED):
            return
        task.cancelling = True
        task.message = "Cancelling…"
        self._touch(task)
        if task.jobs:
            task.request_stop("cancel")
        else:
            self._start_abort(task)

    @Slot(int)
    def remove(self, task_id: int) -> None:
        """Take the row away; an unfinished upload is cancelled first so nothing is orphaned."""
        task = self._tasks.get(task_id)
        if task is None:
            return
        if task.state not in (TaskState.COMPLETED, TaskState.CANCELLED):
            task.remove_after = True
            self.cancel(task_id)
            return
        self._drop(task)

    @Slot()
    def remove_finished(self) -> None:
        """Clear completed: every completed or cancelled row goes, in one statement and one
        ``tasks_removed`` list; restored history (100,000 rows) is never woken for it."""
        done = (TaskState.COMPLETED, TaskState.CANCELLED)
        ids = [r.id for r in self._tasks.resting() if r.state in done]
        ids += [t.id for t in self._tasks.awake() if t.state in done and not t.jobs]
        # a cancelled row is gone from the store already: deleting it again costs nothing
        if not ids or not self._write(self.store.delete_tasks, ids):
            return
        for task_id in ids:
            del self._tasks[task_id]
            self._live.discard(task_id)
            self._queued.discard(task_id)
        self.tasks_removed.emit(ids)
        log.info("cleared %d finished rows", len(ids))

    @Slot()
    def pause_all(self) -> None:
        with self._writes():            # one commit for thousands of rows
            self._pause_waiting()
            for task in list(self._tasks.awake()):
                self._pause(task)
        self._schedule()

    @Slot()
    def resume_all(self) -> None:
        """Queue every paused task (failed ones wait for Retry)."""
        self._clear_full()
        with self._writes():
            self._queue_resting()
            for task in list(self._tasks.awake()):
                if task.state is TaskState.PAUSED:
                    self._resume(task)
        self._schedule()

    # Pause all, Resume all and quitting change rows at rest without making their tasks: one
    # statement and one list of rows for all of them (100,000 tasks and state signals took
    # the engine 5 s, and the window as long again to take in).
    def _pause_waiting(self, report: bool = True) -> None:
        """Pause the queued rows at rest; with ``report``, send their rows (not when quitting:
        100,000 rows took the window 1.5 s and 100 MiB to take in just before it closed)."""
        waiting = [r for r in self._tasks.resting() if r.state is TaskState.QUEUED]
        if not waiting or not self._write(self.store.pause_queued, [r.id for r in waiting]):
            return
        rows = []
        pause_collector()               # 200,000 new objects, all kept (core/checkpoint/longlived.py)
        for record in waiting:
            self._queued.discard(record.id)
            record = self._tasks.rest_as(record, state=TaskState.PAUSED)
            if report:
                rows.append(self._rest_info(record))
        resume_collector()
        if report:
            self.tasks_updated.emit(rows)
        log.info("paused %d waiting tasks", len(waiting))

    def _queue_resting(self) -> None:
        """Queue the paused rows at rest, as ``_resume`` would (failed ones wait for Retry)."""
        paused = [r for r in self._tasks.resting() if r.state is TaskState.PAUSED]
        if (not paused or self.full is not None
                or not self._write(self.store.queue_paused, [r.id for r in paused])):
            return
        rows = []
        pause_collector()
        for record in paused:
            record = self._tasks.rest_as(record, state=TaskState.QUEUED, message="",
                                         error_code="")
            self._queued.add(record.id, self._is_small(record))
            rows.append(self._rest_info(record))
        resume_collector()
        self.tasks_updated.emit(rows)
        log.info("resumed %d waiting tasks", len(rows))
