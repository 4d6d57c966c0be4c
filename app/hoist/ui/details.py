"""The Details pane: everything about the selected upload, including what it cost this run
and what the object will look like (its settings, fixed when the upload was made).

It follows the selection and refreshes at most twice a second from the model,
so a busy queue never makes it repaint more than the speed graph does.
"""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hoist.core.local.units import format_duration, format_rate, format_size
from hoist.core.remote.objects import ObjectSettings

FIELDS = ("File", "Destination", "Size", "State", "Progress", "Speed", "This run", "Object")


def object_text(objects_json: str | None) -> str:
    """One line per setting: "Content-Type: text/html", "Tags: team=data"; never an SSE-C key
    (the settings hold only its MD5)."""
    settings = ObjectSettings.from_json(objects_json)
    return "\n".join(f"{label}: {value}" for label, value in settings.describe())


def _state_text(info) -> str:
    """"Paused — Waiting for a free slot"; a message that already names the state stands alone."""
    state = info.state.value.capitalize()
    if not info.message or info.message.lower().startswith(info.state.value):
        return info.message or state
    return f"{state} — {info.message}"


class DetailsPane(QWidget):
    def __init__(self, view, model, parent=None):
        super().__init__(parent)
        self.view, self.model = view, model
        self.values = {}
        # two columns: the dock is wide and a few rows high; the right one holds the speed,
        # what the run cost and the object's settings, a line each
        columns = QHBoxLayout()
        outer = QVBoxLayout(self)
        outer.addLayout(columns)
        for names, stretch in ((FIELDS[:5], 2), (FIELDS[5:], 1)):
            form = QFormLayout()
            form.setLabelAlignment(Qt.AlignRight)
            for name in names:
                label = QLabel(wordWrap=True, textInteractionFlags=Qt.TextSelectableByMouse)
                self.values[name] = label
                form.addRow(f"{name}:", label)
            columns.addLayout(form, stretch)
        self.empty = QLabel("Select one upload to see its details.", alignment=Qt.AlignCenter)
        self.empty.setStyleSheet("color: palette(placeholder-text);")
        outer.addWidget(self.empty)
        outer.addStretch(1)
        self._timer = QTimer(self, singleShot=True, interval=500)
        self._timer.timeout.connect(self.refresh)
        view.selectionModel().selectionChanged.connect(self.refresh)
        model.dataChanged.connect(lambda *_: self._timer.isActive() or self._timer.start())
        self.refresh()

    def selected(self):
        rows = self.view.selectionModel().selectedRows()
        return self.model.info_at(rows[0].row()) if len(rows) == 1 else None

    def refresh(self, *_args) -> None:
        info = self.selected()
        self.empty.setVisible(info is None)
        if info is None:
            for label in self.values.values():
                label.setText("")
            return
        parts = (f"{info.parts_done} of {info.parts_total} parts · " if info.parts_total else "")
        texts = {
            "File": info.source_path,
            "Destination": f"{info.s3_uri} ({info.account})",
            "Size": format_size(info.size),
            "State": _state_text(info),
            "Progress": f"{parts}{format_size(info.bytes_done)} sent ({100 * info.fraction:.0f}%)",
            "Speed": (f"{format_rate(info.speed)}, {format_duration(info.eta)} left"
                      if info.speed > 0 and info.eta is not None else "—"),
            "This run": info.stats or "no retries",
            "Object": object_text(info.objects),
        }
        for name, text in texts.items():
            self.values[name].setText(text)
