"""The Bucket pane's table (drops onto a folder row upload into that folder) and its state page.

A drop of local files anywhere on the pane uploads them into the folder shown;
onto a folder row, into that folder. Either way they go through the window's
usual intake, with the folder as their key prefix.
"""

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from hoist.ui.bucket.model import MODIFIED, NAME, SIZE, STORAGE
from hoist.ui.window_layout import set_up_rows

COLUMN_WIDTHS = {NAME: 330, SIZE: 90, MODIFIED: 130, STORAGE: 220}
TEXT_WIDTH = 560          # of a state's explanation: lines a person can read


def local_paths(mime) -> list[str]:
    if not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]


class BucketView(QTableView):
    """The folder's rows; ``dropped(paths, folder key or "")`` for files dropped on it."""

    dropped = Signal(object, str)

    def __init__(self, model, parent=None):
        super().__init__(parent)
        self.setModel(model)
        set_up_rows(self, COLUMN_WIDTHS)
        self.setAcceptDrops(True)
        self.setDragDropMode(QAbstractItemView.DropOnly)
        self.setContextMenuPolicy(Qt.CustomContextMenu)

    def _folder_at(self, pos) -> str:
        index = self.indexAt(pos)
        if not index.isValid():
            return ""
        entry = self.model().entry(index.row())
        return entry.key if entry.is_folder else ""

    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        if local_paths(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.dropped.emit(paths, self._folder_at(event.position().toPoint()))


class StatePage(QWidget):
    """What the pane says instead of rows: loading, empty, no permission, no account, error."""

    acted = Signal()            # its button was clicked

    def __init__(self, parent=None):
        super().__init__(parent)
        column = QVBoxLayout(self)
        column.addStretch(1)
        self.title = QLabel(self, alignment=Qt.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel(self, alignment=Qt.AlignCenter, wordWrap=True)
        self.text.setFixedWidth(TEXT_WIDTH)
        self.text.setTextInteractionFlags(Qt.TextSelectableByMouse)
        self.button = QPushButton(self)
        self.button.clicked.connect(self.acted)
        column.addWidget(self.title)
        column.addWidget(self.text, 0, Qt.AlignHCenter)
        column.addSpacing(8)
        column.addWidget(self.button, 0, Qt.AlignHCenter)
        column.addStretch(2)

    def show_state(self, title: str, text: str, button: str = "") -> None:
        self.title.setText(title)
        self.text.setText(text)
        # a wrapped label centred in a layout is given one line's height unless told
        self.text.setFixedHeight(self.text.heightForWidth(TEXT_WIDTH))
        self.button.setText(button)
        self.button.setVisible(bool(button))
