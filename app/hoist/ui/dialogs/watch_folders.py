"""Accounts → Watch folders…: every watched folder with its state and last upload.

Watches run in the engine (engine/watching/); this dialog shows the list the
engine says (``watches_changed``) in a model, and adds, edits, pauses and removes
watches through the engine's calls. Editing one is WatchEditDialog's.
"""

import time
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTableView,
    QVBoxLayout,
)

from hoist.core.local.units import format_duration
from hoist.ui.dialogs.watch_edit import WatchEditDialog

FOLDER, DESTINATION, STATE, LAST = range(4)
HEADERS = ("Folder", "Destination", "State", "Last upload")
WatchIdRole = Qt.UserRole + 1


def state_label(info) -> str:
    """The State cell: "Watching", "Settling 3 files", "Folder missing"… The engine's own words
    ("settling 3", "folder missing: /mnt/x") stay in the cell's tooltip; the folder's path is
    in its own column already."""
    if info.state == "settling":
        return f"Settling {info.settling:,} file{'' if info.settling == 1 else 's'}"
    if info.state == "catching up" and info.catching_up:
        return f"Catching up: {info.catching_up:,} to queue"
    if info.state == "watching" and info.problem:
        return "Watching (rescanning)"
    return info.state.capitalize()


def folder_label(folder: str) -> str:
    """The folder, with the home folder said as "~": most watches are under it."""
    try:
        return "~/" + Path(folder).relative_to(Path.home()).as_posix()
    except ValueError:
        return folder


class WatchTableModel(QAbstractTableModel):
    """One row a watch, as the engine last said it ([WatchInfo])."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.infos: list = []
        self.now = time.time

    def set_infos(self, infos) -> None:
        infos = sorted(infos, key=lambda i: i.watch.id)
        if [i.watch.id for i in infos] == [i.watch.id for i in self.infos]:
            self.infos = infos          # the same rows: only their cells changed
            if infos:
                self.dataChanged.emit(self.index(0, 0), self.index(len(infos) - 1, LAST))
            return
        self.beginResetModel()
        self.infos = infos
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.infos)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation == Qt.Horizontal and role == Qt.DisplayRole:
            return HEADERS[section]
        return None

    def data(self, index, role=Qt.DisplayRole):
        if not index.isValid():
            return None
        info = self.infos[index.row()]
        watch = info.watch
        if role == WatchIdRole:
            return watch.id
        if role == Qt.ToolTipRole:
            if index.column() == STATE:
                return "\n".join(t for t in (info.text, info.problem) if t)
            if index.column() == FOLDER:
                return watch.folder
            return None
        if role != Qt.DisplayRole:
            return None
        column = index.column()
        if column == FOLDER:
            return folder_label(watch.folder)
        if column == DESTINATION:
            return (f"s3://{watch.bucket}/{watch.key_prefix}"
                    + (" · deletes too" if watch.delete else ""))
        if column == STATE:
            return state_label(info)
        if not watch.last_upload:
            return "—"
        ago = format_duration(max(0.0, self.now() - (watch.last_upload_at or self.now())))
        return f"{watch.last_upload.rsplit('/', 1)[-1]} ({ago} ago)"


class WatchFoldersDialog(QDialog):
    """The list of watches and its buttons; ``accounts`` are the window's."""

    def __init__(self, manager, accounts, parent=None, ask=None):
        super().__init__(parent)
        self.setWindowTitle("Watch folders")
        self.resize(820, 320)
        self.manager, self.accounts, self.ask = manager, list(accounts), ask
        self.model = WatchTableModel(self)
        self.view = QTableView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SingleSelection)
        # the folder takes what is left; the others fit their text, on one line each
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeToContents)
        header.setSectionResizeMode(FOLDER, QHeaderView.Stretch)
        self.view.setWordWrap(False)
        self.view.setTextElideMode(Qt.ElideMiddle)
        self.view.verticalHeader().hide()
        self.view.doubleClicked.connect(lambda _index: self.edit())
        buttons = QHBoxLayout()
        self.add_button = QPushButton("Add…", clicked=lambda: self.add())
        self.edit_button = QPushButton("Edit…", clicked=lambda: self.edit())
        self.pause_button = QPushButton("Pause", clicked=self.toggle_pause)
        self.remove_button = QPushButton("Remove", clicked=self.remove)
        close = QPushButton("Close", clicked=self.accept)
        for button in (self.add_button, self.edit_button, self.pause_button,
                       self.remove_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view)
        layout.addLayout(buttons)
        manager.watches_changed.connect(self.model.set_infos)
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.model.modelReset.connect(self._update_buttons)
        self.model.dataChanged.connect(self._update_buttons)
        self.model.set_infos(manager.watches())
        self._update_buttons()

    def selected(self):
        rows = self.view.selectionModel().selectedRows()
        return self.model.infos[rows[0].row()] if rows else None

    def add(self, fill=None) -> WatchEditDialog:
        """Open the editor for a new watch; ``fill(editor)`` answers it instead of a person."""
        return self._edit(None, fill)

    def edit(self, fill=None) -> WatchEditDialog | None:
        info = self.selected()
        return self._edit(info.watch, fill) if info else None

    def _edit(self, watch, fill) -> WatchEditDialog:
        editor = WatchEditDialog(self.manager, self.accounts, watch, self, ask=self.ask)
        if fill is not None:
            fill(editor)
        else:
            editor.exec()
        if editor.saved is not None:
            self.model.set_infos([i for i in self.model.infos
                                  if i.watch.id != editor.saved.watch.id] + [editor.saved])
        return editor

    def toggle_pause(self) -> None:
        info = self.selected()
        if info is not None:
            self.manager.pause_watch(info.watch.id, not info.watch.paused)

    def remove(self) -> None:
        info = self.selected()
        if info is not None:
            self.manager.remove_watch(info.watch.id)

    def _update_buttons(self, *_args) -> None:
        info = self.selected()
        for button in (self.edit_button, self.pause_button, self.remove_button):
            button.setEnabled(info is not None)
        self.pause_button.setText("Resume" if info and info.watch.paused else "Pause")
