"""Copy share link: a presigned URL of a completed row's object, made off the GUI thread.

Resolving the account's credentials may block (a profile's role, SSO), so the
link is made on a pool thread with the window's own clients (presigning then is
local computation) and put on the clipboard when it is back. The status bar says
how long it works and what cut it short; the URL is never logged nor shown.
"""

import logging

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal
from PySide6.QtGui import QGuiApplication

from hoist.core.local.units import format_duration
from hoist.core.remote.errors import S3Error
from hoist.core.remote.sharing import share_link

log = logging.getLogger("hoist.ui.share")

CHOICES = (("1 hour", 3600), ("1 day", 86_400), ("7 days", 7 * 86_400))


class _JobSignals(QObject):
    done = Signal(object, str)      # the ShareLink (or None), and an error to show


class _Job(QRunnable):
    def __init__(self, bucket, key: str, seconds: float):
        super().__init__()
        self.bucket, self.key, self.seconds = bucket, key, seconds
        self.signals = _JobSignals()

    def run(self) -> None:
        link, error = None, ""
        try:
            link = share_link(self.bucket, self.key, self.seconds)
        except S3Error as e:
            error = e.message
        except Exception as e:  # noqa: BLE001 -- a failed link is said, never a crash
            error = f"The share link could not be made ({type(e).__name__})."
        try:
            self.signals.done.emit(link, error)
        except RuntimeError:        # the window closed meanwhile
            pass


class ShareLinks(QObject):
    """Makes links for the window; ``said`` carries what the status bar should say."""

    said = Signal(str)

    def __init__(self, clients, parent=None):
        super().__init__(parent)
        self.clients = clients
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._jobs: set[_Job] = set()

    def copy(self, destination, key: str, seconds: float) -> None:
        """Make a link to ``key`` at ``destination`` and put it on the clipboard."""
        job = _Job(self.clients.bucket(destination), key, seconds)
        job.signals.done.connect(lambda link, error, j=job: self._done(j, link, error))
        self._jobs.add(job)
        self.said.emit("Making a share link…")
        self.pool.start(job)

    def _done(self, job: _Job, link, error: str) -> None:
        self._jobs.discard(job)
        if link is None:
            self.said.emit(error)
            return
        QGuiApplication.clipboard().setText(link.url)
        log.info("share link copied for s3://%s/%s, valid %d s", job.bucket.name, job.key,
                 link.seconds)
        self.said.emit(" ".join([f"Share link copied: it works for "
                                 f"{format_duration(link.seconds)}.", *link.notes()]))
