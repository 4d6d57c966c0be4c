"""A live chart of transfer speed: all uploads and downloads together, the selected row,
and the limit.

:class:`SpeedHistory` keeps one sample a second for the last few minutes and
knows nothing of Qt, so it is tested on its own. :class:`SpeedGraph` samples
through callables once a second and paints with QPainter; it repaints only
itself, never the table.
"""

import math
from collections import deque
from dataclasses import dataclass
from typing import Callable

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from hoist.core.local.units import format_rate

SPAN_SECONDS = 300        # five minutes on screen
TOTAL_COLOUR = QColor("#2f6fb3")
SELECTED_COLOUR = QColor("#d9822b")
LIMIT_COLOUR = QColor("#b3261e")
MiB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    total: float            # bytes per second, every transfer together
    selected: float | None  # the selected row's, or None when nothing is selected


class SpeedHistory:
    """The last ``span`` samples, oldest first."""

    def __init__(self, span: int = SPAN_SECONDS):
        self.samples: deque[Sample] = deque(maxlen=span)
        self.span = span

    def add(self, total: float, selected: float | None) -> None:
        self.samples.append(Sample(max(total, 0.0),
                                   None if selected is None else max(selected, 0.0)))

    def peak(self) -> float:
        return max((max(s.total, s.selected or 0.0) for s in self.samples), default=0.0)

    def idle(self) -> bool:
        return all(s.total == 0 for s in self.samples)


def axis_top(peak: float, limit: float = 0.0) -> float:
    """A round top for the y axis above the peak (and the limit): 1, 2 or 5 × 10ⁿ in KiB/s or MiB/s."""
    top = max(peak, limit, 64 * 1024) * 1.1
    unit = MiB if top >= MiB else 1024
    value = top / unit
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 5, 10):
        if value <= step * magnitude:
            return step * magnitude * unit
    return 10 * magnitude * unit


def _axis_label(rate: float) -> str:
    """Axis ticks are round numbers: "20 MiB/s", not "20.0 MiB/s"."""
    return format_rate(rate).replace(".0 ", " ")


class SpeedGraph(QWidget):
    """Samples ``total()``, ``selected()`` (None: no selection) and ``limit()`` once a second."""

    def __init__(self, total: Callable[[], float], selected: Callable[[], float | None],
                 limit: Callable[[], int], parent=None, interval_ms: int = 1000):
        super().__init__(parent)
        self.history = SpeedHistory()
        self._total, self._selected, self._limit = total, selected, limit
        self.selected_name = ""
        self.setMinimumHeight(110)
        self.setSizePolicy(QSizePolicy.Expanding, QSizePolicy.Preferred)
        self.timer = QTimer(self, interval=interval_ms)
        self.timer.timeout.connect(self.sample)
        self.timer.start()

    def sample(self) -> None:
        self.history.add(self._total(), self._selected())
        if self.isVisible():
            self.update()

    def paintEvent(self, _event) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.Antialiasing)
        palette = self.palette()
        text_colour = palette.color(QPalette.WindowText)
        faint = palette.color(QPalette.PlaceholderText)
        metrics = painter.fontMetrics()
        limit = self._limit()
        top = axis_top(self.history.peak(), limit)
        left = metrics.horizontalAdvance(_axis_label(top)) + 10
        # below the legend, with room for the top label's upper half
        plot_top = 1.5 * metrics.height() + 14
        plot = QRectF(left, plot_top, self.width() - left - 10,
                      self.height() - plot_top - metrics.height() - 6)
        painter.fillRect(self.rect(), palette.color(QPalette.Base))
        self._legend(painter, text_colour, limit)
        self._grid(painter, plot, top, faint)
        if self.history.idle():
            painter.setPen(faint)
            painter.drawText(plot, Qt.AlignCenter, "Nothing is uploading or downloading")
        else:
            self._line(painter, plot, top, [s.total for s in self.history.samples],
                       TOTAL_COLOUR, fill=True)
            if any(s.selected is not None for s in self.history.samples):
                self._line(painter, plot, top, [s.selected for s in self.history.samples],
                           SELECTED_COLOUR, fill=False)
        if limit:
            y = plot.bottom() - plot.height() * min(limit / top, 1.0)
            painter.setPen(QPen(LIMIT_COLOUR, 1.5, Qt.DashLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
        painter.end()

    def _legend(self, painter, text_colour, limit) -> None:
        last = self.history.samples[-1] if self.history.samples else Sample(0.0, None)
        parts = [(TOTAL_COLOUR, f"All transfers {format_rate(last.total)}")]
        if last.selected is not None:
            parts.append((SELECTED_COLOUR, f"{self.selected_name or 'Selected'} "
                                           f"{format_rate(last.selected)}"))
        if limit:
            parts.append((LIMIT_COLOUR, f"Limit {format_rate(limit)}"))
        x, metrics = 10.0, painter.fontMetrics()
        for colour, text in parts:
            painter.fillRect(QRectF(x, 6, 10, 10), colour)
            painter.setPen(text_colour)
            room = self.width() - x - 30
            shown = metrics.elidedText(text, Qt.ElideMiddle, int(max(room, 40)))
            painter.drawText(QPointF(x + 14, 4 + metrics.ascent()), shown)
            x += 14 + metrics.horizontalAdvance(shown) + 18

    def _grid(self, painter, plot, top, faint) -> None:
        metrics = painter.fontMetrics()
        for fraction in (0.0, 0.5, 1.0):
            y = plot.bottom() - plot.height() * fraction
            painter.setPen(QPen(faint, 0.6, Qt.DotLine if fraction else Qt.SolidLine))
            painter.drawLine(QPointF(plot.left(), y), QPointF(plot.right(), y))
            painter.setPen(faint)
            label = _axis_label(top * fraction) if fraction else "0"
            painter.drawText(QRectF(0, y - metrics.height() / 2, plot.left() - 6, metrics.height()),
                             Qt.AlignRight | Qt.AlignVCenter, label)
        minutes = self.history.span // 60
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
                         Qt.AlignLeft, f"{minutes} min ago")
        painter.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), metrics.height()),
                         Qt.AlignRight, "now")

    def _line(self, painter, plot, top, values, colour, fill) -> None:
        step = plot.width() / max(self.history.span - 1, 1)
        start = plot.right() - step * (len(values) - 1)
        path, area, drawing = QPainterPath(), QPainterPath(), False
        for i, value in enumerate(values):
            if value is None:         # nothing was selected then: the line has a gap
                drawing = False
                continue
            point = QPointF(start + i * step, plot.bottom() - plot.height() * min(value / top, 1.0))
            if drawing:
                path.lineTo(point)
            else:
                path.moveTo(point)
                drawing = True
        if fill:
            area.addPath(path)
            area.lineTo(plot.right(), plot.bottom())
            area.lineTo(start, plot.bottom())
            area.closeSubpath()
            shade = QColor(colour)
            shade.setAlpha(50)
            painter.fillPath(area, shade)
        painter.setPen(QPen(colour, 1.8))
        painter.drawPath(path)
