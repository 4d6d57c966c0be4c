"""The Details pane: everything about the selected upload or download, including what it
cost this run and what the object will look like (its settings, fixed when the upload was
made). A download's rows say where it comes from (s3://…) and where it lands.

It follows the selection and refreshes at most twice a second from the model,
so a busy queue never makes it repaint more than the speed graph does.
"""

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFormLayout, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from hoist.core.local.units import format_duration, format_path, format_rate, format_size
from hoist.core.remote.objects import ObjectSettings
from hoist.ui.model import is_download, state_label

FIELDS = ("File", "Destination", "Size", "State", "Progress", "Speed", "This run", "Object")
# a download's File and Destination rows are labelled so: it goes from the bucket to the file
DOWNLOAD_LABELS = {"File": "Source", "Destination": "Saved to"}


def object_text(objects_json: str | None) -> str:
    """One line per setting: "Content-Type: text/html", "Tags: team=data"; never an SSE-C key
    (the settings hold only its MD5)."""
    settings = ObjectSettings.from_json(objects_json)
    return "\n".join(f"{label}: {value}" for label, value in settings.describe())


def _download_object_text(objects_json: str | None) -> str:
    """A download's settings: only what it was asked with (an SSE-C key's MD5); the upload
    defaults ("Content-Type: (guessed from the name)") say nothing about it."""
    lines = [line for line in object_text(objects_json).splitlines()
             if not line.startswith("Content-Type: (guessed")]
    return "\n".join(lines) or "—"


def _state_text(info) -> str:
    """"Paused — Waiting for a free slot"; a message that already names the state stands alone
    ("Downloading ranges 3–4 of 20", not "Uploading — Downloading…")."""
    state = state_label(info)
    path = info.source_path
    message = info.message.replace(path, format_path(path)) if path else info.message
    if not message or message.lower().startswith(state.lower()):
        return message or state
    return f"{state} — {message}"


class DetailsPane(QWidget):
    def __init__(self, view, model, parent=None):
        super().__init__(parent)
        self.view, self.model = view, model
        self.values, self.labels = {}, {}
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
                self.labels[name] = QLabel(f"{name}:")
                form.addRow(self.labels[name], label)
            columns.addLayout(form, stretch)
        self.empty = QLabel("Select one row to see its details.", alignment=Qt.AlignCenter)
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
        down = is_download(info)
        for name in ("File", "Destination"):
            self.labels[name].setText(f"{DOWNLOAD_LABELS[name] if down else name}:")
        part, moved = ("ranges", "received") if down else ("parts", "sent")
        parts = (f"{info.parts_done} of {info.parts_total} {part} · " if info.parts_total else "")
        uri = f"{info.s3_uri} ({info.account})"
        texts = {
            "File": uri if down else format_path(info.source_path),
            "Destination": format_path(info.source_path) if down else uri,
            "Size": format_size(info.size),
            "State": _state_text(info),
            "Progress": f"{parts}{format_size(info.bytes_done)} {moved} "
                        f"({100 * info.fraction:.0f}%)",
            "Speed": (f"{format_rate(info.speed)}, {format_duration(info.eta)} left"
                      if info.speed > 0 and info.eta is not None else "—"),
            "This run": info.stats or "no retries",
            "Object": _download_object_text(info.objects) if down else object_text(info.objects),
        }
        for name, text in texts.items():
            self.values[name].setText(text)
