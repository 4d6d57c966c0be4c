"""EngineCalls: the Bucket pane's engine calls, made from a pool thread, answered by signal.

Listing, deleting and restoring wait on the network in the engine (its own
process in the app); the GUI thread only starts them here and takes the answer
back through each job's own signal, as the intake does with check_sources.
"""

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

log = logging.getLogger("hoist.ui.bucket")


class _JobSignals(QObject):
    done = Signal(object, object)       # the result, or None; the error, or None


class _Job(QRunnable):
    def __init__(self, call):
        super().__init__()
        self.call = call
        self.signals = _JobSignals()

    def run(self) -> None:
        result = error = None
        try:
            result = self.call()
        except Exception as caught:  # noqa: BLE001 -- said in the pane, never a crash
            error = caught
        try:
            self.signals.done.emit(result, error)
        except RuntimeError:            # the window closed meanwhile: nobody to tell
            pass


def describe(error: BaseException) -> tuple[str, str]:
    """(code, message for people) of what a call raised (an S3Error says it best)."""
    code = getattr(error, "code", type(error).__name__)
    message = getattr(error, "message", "") or str(error) or type(error).__name__
    return str(code), message


class EngineCalls(QObject):
    """Runs ``call()`` on a small pool and ``then(result, error)`` back on this thread."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)      # a listing and a delete may run side by side
        self._jobs: set[_Job] = set()

    def run(self, call, then) -> None:
        job = _Job(call)
        job.signals.done.connect(lambda result, error, j=job: self._done(j, then, result, error))
        self._jobs.add(job)
        self.pool.start(job)

    def busy(self) -> bool:
        return bool(self._jobs)

    def _done(self, job, then, result, error) -> None:
        self._jobs.discard(job)
        if error is not None:
            log.info("bucket call failed: %s", describe(error)[1])
        then(result, error)
