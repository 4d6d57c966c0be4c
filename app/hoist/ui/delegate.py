"""ProgressDelegate: paints the Progress column as the platform's own progress bar."""

from PySide6.QtCore import QSize, Qt
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionProgressBar

from hoist.core.checkpoint.states import TaskState
from hoist.ui.model import DisplayRole, ProgressRole, StateRole

STEPS = 1000   # the bar's resolution: a tenth of a percent
# Read once: PySide6's short spellings (QStyle.State_Enabled) cost microseconds per lookup,
# and paint() runs for every visible row several times a second.
_PANEL, _BAR = QStyle.PrimitiveElement.PE_PanelItemViewItem, QStyle.ControlElement.CE_ProgressBar
_HORIZONTAL, _ENABLED = QStyle.StateFlag.State_Horizontal, QStyle.StateFlag.State_Enabled
_CENTER = Qt.AlignmentFlag.AlignCenter
_STILL = frozenset((TaskState.PAUSED, TaskState.FAILED, TaskState.CANCELLED))


class ProgressDelegate(QStyledItemDelegate):
    """Draws ``ProgressRole`` (0.0–1.0) with ``CE_ProgressBar``; the text is the cell's display text."""

    def paint(self, painter, option, index):
        fraction = index.data(ProgressRole)
        if fraction is None:
            super().paint(painter, option, index)
            return
        # The selection highlight first, so a selected row still reads as selected.
        style = option.widget.style() if option.widget else QApplication.style()
        style.drawPrimitive(_PANEL, option, painter, option.widget)
        bar = QStyleOptionProgressBar()
        bar.rect = option.rect.adjusted(3, 3, -3, -3)
        bar.minimum, bar.maximum = 0, STEPS
        bar.progress = int(min(max(fraction, 0.0), 1.0) * STEPS)
        bar.text = index.data(DisplayRole) or ""
        bar.textVisible = True
        bar.textAlignment = _CENTER
        bar.state = option.state | _HORIZONTAL
        bar.palette = option.palette
        # A paused, failed or cancelled bar is drawn as disabled: it is not moving.
        if index.data(StateRole) in _STILL:
            bar.state &= ~_ENABLED
        bar.fontMetrics = option.fontMetrics
        style.drawControl(_BAR, bar, painter, option.widget)

    def sizeHint(self, option, index):
        hint = super().sizeHint(option, index)
        return QSize(max(hint.width(), 120), hint.height())


class ElideDelegate(QStyledItemDelegate):
    """Plain text with its own elide mode (the view has one mode for every column)."""

    def __init__(self, mode: Qt.TextElideMode, parent=None):
        super().__init__(parent)
        self.mode = mode

    def initStyleOption(self, option, index):
        super().initStyleOption(option, index)
        option.textElideMode = self.mode
