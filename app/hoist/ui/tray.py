"""The tray icon (overall progress in its tooltip) and the notifications it shows.

BatchNotifier decides *when* to tell the user something (a batch finished, a
file failed) and works without a tray; Tray shows it where the desktop has a
system tray (``QSystemTrayIcon.isSystemTrayAvailable()``).
"""

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.units import format_rate
from hoist.ui.icons import icon


class BatchNotifier(QObject):
    """Emits ``notify(title, text, is_error)`` when a file fails or a batch has finished."""

    notify = Signal(str, str, bool)

    def __init__(self, manager, parent=None):
        super().__init__(parent)
        self.manager = manager
        self._completed = 0
        self._failed = 0
        manager.task_finished.connect(self._on_finished)
        manager.idle.connect(self._on_idle)

    def _on_finished(self, task_id: int, state: str) -> None:
        if state == "completed":
            self._completed += 1
        elif state == "failed":
            self._failed += 1
            info = self.manager.task(task_id)
            if info is not None:
                self.notify.emit("Upload failed", f"{info.name}: {info.message}", True)

    def _on_idle(self) -> None:
        """Everything queued has settled: one summary for the batch, not one per file."""
        done, failed = self._completed, self._failed
        self._completed = self._failed = 0
        if not done:
            return
        text = "1 file uploaded" if done == 1 else f"{done} files uploaded"
        if failed:
            text += f"; {failed} failed"
        self.notify.emit("Uploads finished", text, bool(failed))


class Tray(QObject):
    """The tray icon with a small menu; None from ``create`` where there is no tray."""

    def __init__(self, window, model, actions, parent=None):
        super().__init__(parent or window)
        self.window, self.model = window, model
        self.icon = QSystemTrayIcon(icon("tray"), self)
        menu = QMenu(window)
        show = QAction("Show Hoist", menu)
        show.triggered.connect(window.bring_to_front)
        quit_ = QAction("Quit", menu)
        quit_.triggered.connect(window.quit)
        for item in (show, None, actions.pause_all, actions.resume_all, None, quit_):
            menu.addSeparator() if item is None else menu.addAction(item)
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        model.summaryChanged.connect(self.refresh)
        self.refresh()
        self.icon.show()

    @classmethod
    def create(cls, window, model, actions):
        return cls(window, model, actions) if QSystemTrayIcon.isSystemTrayAvailable() else None

    def _on_activated(self, reason) -> None:
        if reason == QSystemTrayIcon.Trigger:
            self.window.bring_to_front()

    def refresh(self) -> None:
        self.icon.setToolTip(tooltip(self.model.summary()))

    def show_message(self, title: str, text: str, is_error: bool) -> None:
        kind = QSystemTrayIcon.Warning if is_error else QSystemTrayIcon.Information
        self.icon.showMessage(title, text, kind, 8000)

    def hide(self) -> None:
        self.icon.hide()


def tooltip(summary) -> str:
    """``Hoist — 42% · 3.1 MiB/s · 2 uploading, 5 queued``."""
    active, queued = summary.active, summary.count(TaskState.QUEUED)
    if not active and not queued:
        return "Hoist — nothing uploading"
    return (f"Hoist — {int(summary.fraction * 100)}% · {format_rate(summary.rate)} · "
            f"{active:,} uploading, {queued:,} queued")
