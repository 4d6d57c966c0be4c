"""How a task's run ends once all its jobs have returned: failed, restarted or cancelled.

A mixin of :class:`~hoist.engine.manager.UploadManager` (which owns the state it
uses: the store, ``_set_state``, ``_start_abort``, ``_drop``), split out to keep
the manager about scheduling. A task asked to stop (pause, cancel, a failure, a
source that changed under it) keeps running jobs until each returns; then
``_settle`` lands it. A cancel aborts the upload on the server first, and
``_finish_cancel`` says whether the parts there were discarded.
"""

import logging

from hoist.core.checkpoint.states import TaskState
from hoist.core.download.partial import NotEnoughSpace
from hoist.core.local.sources import InputError
from hoist.core.policy.planner import PlanError
from hoist.core.remote.errors import S3Error
from hoist.core.remote.redaction import redact
from hoist.engine.transfer import TaskError, TransferTask
from hoist.engine.upload.preparing import SourceChanged
from hoist.engine.upload.verification import VerifyError

log = logging.getLogger("hoist.manager")


class TaskEndings:
    """Mixin for UploadManager: ``_settle`` and ``_finish_cancel``."""

    def _settle(self, task: TransferTask) -> None:
        """Every job of a stopping task has returned: land it in its next state."""
        reason = task.stop_reason
        task.clear_stop()
        task.set_pending(())
        task.message = ""
        if task.cancelling:
            self._start_abort(task)
        elif reason == "fail":
            message = failure_message(task.failure)
            code = getattr(task.failure, "code", type(task.failure).__name__)
            log.error("task %s: failed: %s", task.id, message)
            self._set_state(task, TaskState.FAILED, message=message, error_code=code)
        elif reason == "settle":         # a watched file, changed under its upload
            self._wait_to_settle(task)
        elif reason == "restart":
            task.notice = task.restart_reason
            self._set_state(task, TaskState.QUEUED, message=task.notice)
        # pause and shutdown: the state was set to paused when asked

    def _finish_cancel(self, task: TransferTask, error: Exception | None) -> None:
        task.cancelling = False
        task.notice = task.cancelled_notice(error)
        task.message = ""
        # on a full disk the row stays, and the task comes back (paused) at the next start
        self._write(self.store.delete_task, task.id)
        self._set_state(task, TaskState.CANCELLED, persist=False)
        log.info("task %s: cancelled%s", task.id, "" if error is None else " (abort failed)")
        if task.remove_after:
            self._drop(task)


def failure_message(error: BaseException | None) -> str:
    """What the row says about a failure: the error's own message, written for people."""
    if isinstance(error, S3Error):
        return error.message
    if isinstance(error, (InputError, VerifyError, PlanError, SourceChanged, TaskError,
                          NotEnoughSpace)):
        return str(error)
    if isinstance(error, OSError) and error.errno == 28:
        return "The disk is full: free some space, then retry."
    return f"Unexpected error: {redact(str(error))}. Retry; if it happens again, see the log."
