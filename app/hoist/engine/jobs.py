"""QRunnable jobs that run one blocking step of a task on the thread pool.

Each job owns a small signals object (STYLE.md, "Workers own their signals"):
the manager connects to it before starting the job, and Qt delivers the
signals on the manager's thread through queued connections.
"""

import logging

from PySide6.QtCore import QObject, QRunnable, Signal

from hoist.engine.progress import Interrupted

log = logging.getLogger("hoist.jobs")


class JobSignals(QObject):
    """What a job says; every signal carries the job so one slot serves them all."""

    message = Signal(object, str)            # job, transient status ("" clears it)
    finished = Signal(object, str, object)   # job, outcome, result or exception


OK, INTERRUPTED, FAILED = "ok", "interrupted", "failed"


class TaskJob(QRunnable):
    """Runs ``step(report)`` and reports how it ended; never lets an exception escape."""

    def __init__(self, kind: str, task, step, part=None):
        super().__init__()
        self.setAutoDelete(False)   # the manager holds the job until its finish is handled
        self.kind = kind            # "prepare", "part", "complete" or "abort"
        self.task = task
        self.part = part
        self.signals = JobSignals()
        self._step = step

    def run(self) -> None:
        try:
            result = self._step(lambda text: self.signals.message.emit(self, text))
        except Interrupted:
            self.signals.finished.emit(self, INTERRUPTED, None)
        except Exception as error:  # noqa: BLE001 -- every failure must reach the manager
            if self.task.stopping():
                self.signals.finished.emit(self, INTERRUPTED, None)
            else:
                log.debug("task %s: %s job failed", self.task.id, self.kind, exc_info=True)
                self.signals.finished.emit(self, FAILED, error)
        else:
            self.signals.finished.emit(self, OK, result)
