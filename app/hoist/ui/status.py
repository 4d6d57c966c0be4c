"""The window's status bar: counts by state, total speed, overall progress, the
bandwidth limit in force while a schedule is set (which this object also applies),
and the one message about a full checkpoint disk."""

from datetime import datetime

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QLabel, QProgressBar

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL
from hoist.core.local.units import format_rate
from hoist.core.policy.schedule import Schedule, ScheduleError
from hoist.engine.bandwidth import ScheduledLimit
from hoist.ui.actions import PAUSABLE


class QueueStatus(QObject):
    """Fills ``bar`` from ``model`` a few times a second at most, never once per row."""

    def __init__(self, bar, model, manager, parent=None):
        super().__init__(parent)
        self.bar, self.model, self.manager = bar, model, manager
        self.overall = QProgressBar(bar, minimum=0, maximum=1000, textVisible=True)
        self.overall.setFormat("Overall %p%")
        self.overall.setFixedWidth(170)
        self.speed_label = QLabel(bar)
        self.speed_label.setMinimumWidth(95)
        self.speed_label.setAlignment(Qt.AlignRight | Qt.AlignVCenter)
        self.counts_label = QLabel(bar)
        self.limit_label = QLabel(bar)            # "Limited to 2.0 MiB/s until 18:00"
        self.limit_label.hide()
        for widget in (self.limit_label, self.counts_label, self.speed_label, self.overall):
            bar.addPermanentWidget(widget)
        self.schedule: ScheduledLimit | None = None
        self._timer = QTimer(self, singleShot=True, interval=200)
        self._timer.timeout.connect(self.refresh)
        model.summaryChanged.connect(lambda: self._timer.isActive() or self._timer.start())
        if hasattr(manager, "store_full"):      # the disk under the checkpoints filled up
            manager.store_full.connect(self._on_store_full)
            if manager.full is not None:
                self._on_store_full(DISK_FULL)
        self.refresh()

    def refresh(self) -> None:
        s = self.model.summary()
        if not self.model.rowCount():
            self.overall.hide()
            self.speed_label.setText("")
            self.counts_label.setText("No transfers yet")
            return
        self.overall.setValue(int(s.fraction * 1000))
        self.overall.setVisible(bool(s.count(*PAUSABLE, TaskState.PAUSED, TaskState.FAILED)))
        self.speed_label.setText(f"{s.transfer_arrow} {format_rate(s.rate)}")
        if s.moved and not self._timer.isActive():
            self._timer.start()         # the total speed falls to 0 once nothing moves
        self.counts_label.setText(
            f"{s.active:,} active · {s.count(TaskState.QUEUED):,} queued · "
            f"{s.count(TaskState.PAUSED):,} paused · {s.count(TaskState.FAILED):,} failed · "
            f"{s.count(TaskState.COMPLETED):,} completed")

    def _on_store_full(self, text: str) -> None:
        """Say it until the next Resume ("" clears it); every paused row says it too."""
        if text:
            self.bar.showMessage(text)
        else:
            self.bar.clearMessage()

    def follow_schedule(self, text: str, now=None) -> None:
        """Apply the bandwidth schedule ``text`` ("" for none); ``now`` is a clock for tests."""
        self.stop_schedule()
        try:
            schedule = Schedule.parse(text) if text else None
        except ScheduleError as e:          # a hand-edited preferences file
            self.bar.showMessage(f"The bandwidth schedule is ignored: {e}", 10_000)
            schedule = None
        if schedule is None:
            self.limit_label.hide()
            return
        self.schedule = ScheduledLimit(schedule, self.manager.set_bandwidth_limit,
                                       now=now or datetime.now, parent=self)
        self.schedule.changed.connect(lambda _rate, text: self.limit_label.setText(text))
        self.limit_label.setText(self.schedule.text)
        self.limit_label.show()

    def stop_schedule(self) -> None:
        if self.schedule is not None:
            self.schedule.stop()
            self.schedule.deleteLater()
            self.schedule = None
