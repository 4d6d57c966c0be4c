"""The tray icon (overall progress in its tooltip) and the notifications it shows, and the
Summary of the queue that it and the status bar show.

BatchNotifier decides *when* to tell the user something (a batch finished, a
file failed) and works without a tray; Tray shows it where the desktop has a
system tray (``QSystemTrayIcon.isSystemTrayAvailable()``).
"""

import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.units import format_rate
from hoist.ui.icons import icon

RATE_WINDOW = 3.0      # seconds of gained progress behind Summary.rate


@dataclass
class Summary:
    """What the status bar and the tray show; cancelled rows do not count towards progress."""

    counts: Counter = field(default_factory=Counter)
    size: int = 0
    done: int = 0
    speed: float = 0.0            # the active rows' own speeds, added up
    active_downloads: int = 0     # of ``active``: the status bar's arrow and the tray say so
    moved: deque = field(default_factory=deque)   # (time, bytes): what the rows' progress gained
    clock: Callable[[], float] = time.monotonic

    def count(self, *states: TaskState) -> int:
        return sum(self.counts[s] for s in states)

    @property
    def rate(self) -> float:
        """Bytes per second for all transfers: the active rows' own speeds or, when it is more,
        what the rows' progress gained over the last RATE_WINDOW seconds. A file of a few KiB
        goes up between two of the engine's ticks and never shows a speed of its own: a drop
        of photos finishing hundreds a second would otherwise read "0 B/s"."""
        horizon = self.clock() - RATE_WINDOW
        while self.moved and self.moved[0][0] < horizon:
            self.moved.popleft()
        return max(self.speed, sum(n for _t, n in self.moved) / RATE_WINDOW, 0.0)

    @property
    def active(self) -> int:
        return self.count(TaskState.PREPARING, TaskState.UPLOADING, TaskState.COMPLETING)

    @property
    def transfer_arrow(self) -> str:
        """"↑" while only uploads move, "↓" while only downloads do, "↑↓" for both."""
        downloads = self.active_downloads
        return "↓" if downloads and downloads == self.active else "↑↓" if downloads else "↑"

    @property
    def fraction(self) -> float:
        return self.done / self.size if self.size else 1.0


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
    """``Hoist — 42% · 3.1 MiB/s · 2 uploading, 1 downloading, 5 queued``."""
    active, queued = summary.active, summary.count(TaskState.QUEUED)
    if not active and not queued:
        return "Hoist — nothing uploading or downloading"
    downloads = summary.active_downloads
    moving = ", ".join(f"{n:,} {verb}" for n, verb in ((active - downloads, "uploading"),
                                                        (downloads, "downloading")) if n
                       or (verb == "uploading" and not downloads))
    return (f"Hoist — {int(summary.fraction * 100)}% · {format_rate(summary.rate)} · "
            f"{moving}, {queued:,} queued")
