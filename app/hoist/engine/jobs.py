"""QRunnable jobs that run one blocking step of a task on the thread pool (a batch of
small files has its own: engine/upload/batching.py).

Each job owns a small signals object (STYLE.md, "Workers own their signals"):
the manager connects to it before starting the job, and Qt delivers the
signals on the manager's thread through queued connections.
"""

import logging

from PySide6.QtCore import QObject, QRunnable, Qt, QThread, Signal, Slot

from hoist.engine.progress import Interrupted

log = logging.getLogger("hoist.jobs")


class JobSignals(QObject):
    """What a job says; every signal carries the job so one slot serves them all."""

    message = Signal(object, str)            # job, transient status ("" clears it)
    finished = Signal(object, str, object)   # job, outcome, result or exception


OK, INTERRUPTED, FAILED = "ok", "interrupted", "failed"


def run_step(task, kind: str, step, report) -> tuple[str, object]:
    """(outcome, result or exception) of ``step(report)``; never lets an exception escape."""
    try:
        return OK, step(report)
    except Interrupted:
        return INTERRUPTED, None
    except Exception as error:  # noqa: BLE001 -- every failure must reach the manager
        if task.stopping():
            return INTERRUPTED, None
        log.debug("task %s: %s job failed", task.id, kind, exc_info=True)
        return FAILED, error


class TaskJob(QRunnable):
    """Runs ``step(report)`` and reports how it ended."""

    def __init__(self, kind: str, task, step, part=None):
        super().__init__()
        self.setAutoDelete(False)   # the manager holds the job until its finish is handled
        self.kind = kind            # "prepare", "part", "complete" or "abort"
        self.task = task
        self.part = part
        self.signals = JobSignals()
        self._step = step

    def run(self) -> None:
        outcome, result = run_step(self.task, self.kind, self._step,
                                   lambda text: self.signals.message.emit(self, text))
        self.signals.finished.emit(self, outcome, result)


class Invoker(QObject):
    """Runs callables on the thread it lives on (a child of the engine lives on the engine's
    thread, and moves with it): posted, or with the caller waiting for the result."""

    post = Signal(object)
    send = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.post.connect(self._run, Qt.QueuedConnection)
        self.send.connect(self._run, Qt.BlockingQueuedConnection)

    @Slot(object)
    def _run(self, call) -> None:
        call()

    def call(self, method, *args, **kwargs):
        """``method(*args, **kwargs)`` on this object's thread: at once if the caller is on
        it, else waiting for its turn there; its result, or its exception raised here."""
        if QThread.currentThread() is self.thread():
            return method(*args, **kwargs)
        box = {}

        def run():
            try:
                box["result"] = method(*args, **kwargs)
            except BaseException as error:       # re-raised on the caller's thread
                box["error"] = error
        self.send.emit(run)
        if "error" in box:
            raise box["error"]
        return box["result"]
