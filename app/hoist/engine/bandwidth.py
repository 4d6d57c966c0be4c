"""Applies a bandwidth schedule to the engine as the clock moves, and says what is in force.

The window and the CLI make one :class:`ScheduledLimit` next to the manager.
It sets the manager's limit at once, then again at each change of the
schedule; it looks at the clock at least once a minute, so a laptop that slept
or a clock set forward is caught within a minute. ``now`` is injected so tests
drive the clock instead of waiting for it.
"""

import logging
from datetime import datetime
from typing import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal

from hoist.core.policy.schedule import Schedule

log = logging.getLogger("hoist.bandwidth")
RECHECK_MS = 60_000


class ScheduledLimit(QObject):
    changed = Signal(int, str)       # bytes per second (0 = unlimited), status-bar text

    def __init__(self, schedule: Schedule, apply: Callable[[int], None],
                 now: Callable[[], datetime] = datetime.now, parent=None):
        super().__init__(parent)
        self.schedule = schedule
        self._apply = apply
        self._now = now
        self.rate: int | None = None
        self.text = ""
        self._next = QTimer(self, singleShot=True)
        self._next.setTimerType(Qt.PreciseTimer)     # a coarse timer may fire a second late
        self._next.timeout.connect(self.check)
        self.check()

    def check(self) -> None:
        """Apply the limit in force now; arm the timer for the next change."""
        now = self._now()
        limit = self.schedule.limit_at(now)
        text = limit.describe(now)
        if limit.rate != self.rate:
            log.info("bandwidth schedule: %s", text)
            self._apply(limit.rate)
        if (limit.rate, text) != (self.rate, self.text):
            self.rate, self.text = limit.rate, text
            self.changed.emit(limit.rate, text)
        if limit.until is not None:
            seconds = max(1.0, (limit.until - now).total_seconds())
            self._next.start(int(min(seconds * 1000, RECHECK_MS)))

    def stop(self) -> None:
        self._next.stop()
