"""The bandwidth schedule's editor in Preferences: a timetable line and what it means, live."""

from datetime import datetime
from typing import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QLabel, QLineEdit, QVBoxLayout, QWidget

from hoist.core.policy.schedule import Schedule, ScheduleError

EXAMPLE = "Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"


class ScheduleEdit(QWidget):
    """Empty means no schedule. ``validity_changed`` lets the dialog refuse a timetable it
    cannot read instead of silently dropping it."""

    validity_changed = Signal(bool)

    def __init__(self, text: str = "", now: Callable[[], datetime] = datetime.now, parent=None):
        super().__init__(parent)
        self._now = now
        self.line = QLineEdit(text)
        self.line.setPlaceholderText("none")
        self.line.setClearButtonEnabled(True)
        # room for a weekday rule and its end, shown from the start rather than scrolled
        self.line.setMinimumWidth(self.line.fontMetrics().horizontalAdvance(EXAMPLE) + 48)
        self.line.setCursorPosition(0)
        self.line.setToolTip(
            "Entries [DAY-]HH:MM,RATE set the limit from that time on, until the next entry;\n"
            "entries without a day apply every day; off means unlimited. Days: Mon … Sun,\n"
            "or a range such as Mon-Fri. The same syntax as `hoist upload --bwlimit-schedule`\n"
            "and rclone's --bwlimit timetable.")
        self.preview = QLabel()
        self.preview.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.line)
        layout.addWidget(self.preview)
        self.valid = True
        self.line.textChanged.connect(self._update)
        self._update()

    def text(self) -> str:
        return self.line.text().strip()

    def _update(self) -> None:
        text = self.text()
        valid = True
        if not text:
            self.preview.setText("No schedule: the limit above applies at all times. For quiet "
                                 f"hours, try {EXAMPLE}")
            self.preview.setStyleSheet("color: palette(placeholder-text);")
        else:
            try:
                schedule = Schedule.parse(text)
            except ScheduleError as e:
                valid = False
                self.preview.setText(f"Cannot use this schedule: {e}")
                self.preview.setStyleSheet("color: #b3261e;")
            else:
                now = self._now()
                self.preview.setText(f"Now: {schedule.limit_at(now).describe(now)}. "
                                     "The schedule replaces the limit above.")
                self.preview.setStyleSheet("")
        if valid != self.valid:
            self.valid = valid
            self.validity_changed.emit(valid)
