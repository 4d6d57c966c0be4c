"""EmptyState: what the window shows before the first upload — a drop zone that says what to do."""

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from hoist.ui.icons import icon


class EmptyState(QWidget):
    add_files = Signal()
    add_folder = Signal()
    accounts = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        zone = QFrame(self, objectName="dropZone")
        zone.setStyleSheet("#dropZone { border: 2px dashed palette(mid); border-radius: 12px; }")
        self.picture = QLabel(zone, alignment=Qt.AlignCenter)
        self.picture.setPixmap(icon("hoist").pixmap(72, 72))
        self.title = QLabel(zone, alignment=Qt.AlignCenter)
        font = self.title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.title.setFont(font)
        self.detail = QLabel(zone, alignment=Qt.AlignCenter, wordWrap=True, textFormat=Qt.RichText)
        self.detail.setFixedWidth(560)   # a wrapped label needs a width to know its height
        self.files_button = QPushButton(icon("add-file"), "Add files…", zone)
        self.folder_button = QPushButton(icon("add-folder"), "Add folder…", zone)
        self.accounts_button = QPushButton(icon("account"), "Accounts…", zone)
        self.files_button.clicked.connect(self.add_files)
        self.folder_button.clicked.connect(self.add_folder)
        self.accounts_button.clicked.connect(self.accounts)

        buttons = QHBoxLayout()
        buttons.addStretch()
        for button in (self.files_button, self.folder_button, self.accounts_button):
            button.setMinimumWidth(130)
            buttons.addWidget(button)
        buttons.addStretch()
        inner = QVBoxLayout(zone)
        inner.addStretch()
        inner.addWidget(self.picture)
        inner.addSpacing(8)
        inner.addWidget(self.title)
        inner.addWidget(self.detail, 0, Qt.AlignHCenter)
        inner.addSpacing(16)
        inner.addLayout(buttons)
        inner.addStretch()
        outer = QVBoxLayout(self)
        outer.setContentsMargins(24, 24, 24, 24)
        outer.addWidget(zone)
        self.set_destination(None)

    def set_destination(self, where: str | None) -> None:
        """Say where drops go, or, with no account yet, how to get one."""
        has_account = where is not None
        if has_account:
            self.title.setText("Drop files or folders here")
            self.detail.setText(
                f"They upload to {escape(where)}.<br>Every finished part is saved, so you can "
                "pause, quit and continue later without starting over.<br>"
                "To download, pick objects in the Bucket tab and choose Download to….")
        else:
            self.title.setText("Add an account to start")
            self.detail.setText(
                "Hoist needs a bucket to upload to: add one with the Accounts… button.<br>"
                "Or run <code>hoist --demo</code> to try Hoist with a local test server.")
        # Only the button that helps now: no disabled Add buttons before there is an account.
        self.files_button.setVisible(has_account)
        self.folder_button.setVisible(has_account)
        self.accounts_button.setVisible(not has_account)
        self.accounts_button.setDefault(not has_account)
