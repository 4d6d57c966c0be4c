"""Accounts → Incomplete uploads…: multipart uploads left on the server, to resume or abort.

The listing (ListMultipartUploads, then ListParts for each upload) runs on a
thread pool and reports back through its own signals; the window never waits
on it. An upload that a row in the queue owns is resumed or cancelled through
that row, so the checkpoint store and the server never disagree.
"""

import logging
from datetime import datetime, timezone

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
)

from hoist.core.local.units import format_duration, format_size
from hoist.core.remote.errors import S3Error
from hoist.core.remote.incomplete import IncompleteUpload, list_incomplete, permission_message

log = logging.getLogger("hoist.ui.dialogs.incomplete")

KEY, STARTED, AGE, PARTS, STORED, OWNER = range(6)
HEADERS = ("Key", "Started", "Age", "Parts", "Stored", "In the queue")
AGES = (("Any age", 0), ("Older than 1 hour", 3600), ("Older than 1 day", 86_400),
        ("Older than 7 days", 7 * 86_400), ("Older than 30 days", 30 * 86_400))


class IncompleteModel(QAbstractTableModel):
    """The uploads found, filtered by a minimum age."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self._all: list[IncompleteUpload] = []
        self.rows: list[IncompleteUpload] = []
        self.min_age = 0.0
        self.now = lambda: datetime.now(timezone.utc)

    def set_uploads(self, uploads: list[IncompleteUpload]) -> None:
        self._all = list(uploads)
        self._filter()

    def set_min_age(self, seconds: float) -> None:
        self.min_age = seconds
        self._filter()

    def _filter(self) -> None:
        now = self.now()
        self.beginResetModel()
        self.rows = [u for u in self._all
                     if not self.min_age or (u.age(now) or 0.0) >= self.min_age]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(HEADERS)

    def headerData(self, section, orientation, role=Qt.DisplayRole):
        if orientation != Qt.Horizontal:
            return None
        if role == Qt.DisplayRole:
            return HEADERS[section]
        if role == Qt.TextAlignmentRole:          # headers line up with their column's text
            side = Qt.AlignRight if section in (AGE, PARTS, STORED) else Qt.AlignLeft
            return int(side | Qt.AlignVCenter)
        return None

    def data(self, index, role=Qt.DisplayRole):
        upload = self.rows[index.row()]
        column = index.column()
        if role == Qt.DisplayRole:
            return self._text(upload, column)
        if role == Qt.ToolTipRole and column == KEY:
            return f"{upload.key}\nupload id {upload.upload_id}"
        if role == Qt.TextAlignmentRole and column in (AGE, PARTS, STORED):
            return int(Qt.AlignRight | Qt.AlignVCenter)
        return None

    def _text(self, upload: IncompleteUpload, column: int) -> str:
        if column == KEY:
            return upload.key
        if column == STARTED:
            return upload.initiated.astimezone().strftime("%Y-%m-%d %H:%M") if upload.initiated else "—"
        if column == AGE:
            age = upload.age(self.now())
            return format_duration(age) if age is not None else "—"
        if column == PARTS:
            return "unknown" if upload.parts is None else f"{upload.parts:,}"
        if column == STORED:
            return "unknown" if upload.stored is None else format_size(upload.stored)
        return f"Upload #{upload.owner}" if upload.owner is not None else "—"


class _Signals(QObject):
    progress = Signal(int, int)      # uploads sized so far, uploads found
    done = Signal(object)            # the call's result
    failed = Signal(str)


class _Call(QRunnable):
    """Runs ``fn(progress)`` off the GUI thread; S3 errors come back as sentences."""

    def __init__(self, fn, bucket_name: str):
        super().__init__()
        self.fn, self.bucket_name = fn, bucket_name
        self.signals = _Signals()

    def run(self) -> None:
        try:
            result = self.fn(lambda done, total: self.signals.progress.emit(done, total))
        except S3Error as error:
            self.signals.failed.emit(permission_message(error, self.bucket_name))
        except Exception as error:  # noqa: BLE001 -- whatever happened, the dialog must hear
            log.warning("incomplete uploads: a call failed", exc_info=True)
            self.signals.failed.emit(f"Failed: {error}")
        else:
            self.signals.done.emit(result)


def _abort_all(bucket, uploads) -> list[str]:
    """Abort each upload; returns what could not be aborted, one line each."""
    problems = []
    for upload in uploads:
        try:
            bucket.abort(upload.key, upload.upload_id)
        except S3Error as error:
            problems.append(f"{upload.key}: {error.message}")
    return problems


class IncompleteUploadsDialog(QDialog):
    """For one of ``accounts`` (the window's), list, resume or abort incomplete uploads."""

    def __init__(self, accounts, clients, manager, current: str | None = None, parent=None):
        super().__init__(parent)
        self.setWindowTitle("Incomplete uploads on the server")
        self.resize(860, 420)
        self.accounts, self.clients, self.manager = list(accounts), clients, manager
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)
        self._job = None

        self.account_box = QComboBox()
        for account in self.accounts:
            self.account_box.addItem(account.name, account.name)
        self.account_box.setCurrentIndex(max(self.account_box.findData(current), 0))
        self.prefix = QLineEdit(placeholderText="all keys")
        self.age_box = QComboBox()
        for label, seconds in AGES:
            self.age_box.addItem(label, seconds)
        self.refresh_button = QPushButton("Refresh")
        top = QHBoxLayout()
        for label, widget in (("Account:", self.account_box), ("Prefix:", self.prefix)):
            top.addWidget(QLabel(label))
            top.addWidget(widget, 1)
        top.addWidget(self.age_box)
        top.addWidget(self.refresh_button)

        self.model = IncompleteModel(self)
        self.view = QTableView()
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.ExtendedSelection)
        self.view.verticalHeader().hide()
        self.view.setShowGrid(False)
        self.view.setAlternatingRowColors(True)
        self.view.setTextElideMode(Qt.ElideMiddle)
        header = self.view.horizontalHeader()
        header.setSectionResizeMode(KEY, QHeaderView.Stretch)
        for column in (STARTED, AGE, PARTS, STORED, OWNER):
            header.setSectionResizeMode(column, QHeaderView.ResizeToContents)
        self.placeholder = QLabel(alignment=Qt.AlignCenter, wordWrap=True)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.placeholder)
        self.stack.addWidget(self.view)

        self.busy = QProgressBar(minimum=0, maximum=0, textVisible=True)
        self.busy.setFormat("Listing incomplete uploads…")
        self.busy.hide()
        self.summary = QLabel()
        self.resume_button = QPushButton("Resume here…")
        self.resume_button.setToolTip("Continue this upload from a file on this computer, after "
                                      "checking every part on the server against the file")
        self.abort_button = QPushButton("Abort selected…")
        self.abort_button.setToolTip("Discard the uploaded parts on the server")
        close = QPushButton("Close")
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary, 1)
        bottom.addWidget(self.resume_button)
        bottom.addWidget(self.abort_button)
        bottom.addWidget(close)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.busy)
        layout.addWidget(self.stack, 1)
        layout.addLayout(bottom)

        close.clicked.connect(self.reject)
        self.refresh_button.clicked.connect(self.refresh)
        self.account_box.currentIndexChanged.connect(self.refresh)
        self.prefix.returnPressed.connect(self.refresh)
        self.age_box.currentIndexChanged.connect(
            lambda: (self.model.set_min_age(self.age_box.currentData()), self._show()))
        self.view.selectionModel().selectionChanged.connect(self._update_buttons)
        self.resume_button.clicked.connect(self.resume_selected)
        self.abort_button.clicked.connect(self.abort_selected)
        self._show()
        self.refresh()

    # -- listing ----------------------------------------------------------------------
    def account(self):
        name = self.account_box.currentData()
        return next((a for a in self.accounts if a.name == name), None)

    def refresh(self) -> None:
        account = self.account()
        if account is None:
            self._show("No account yet: add one under Accounts… first.")
            return
        if self._job is not None:
            return                      # one listing at a time; its answer refreshes the table
        destination = account.destination()
        self.manager.register_destination(destination)
        bucket, prefix = self.clients.bucket(destination), self.prefix.text().strip()
        owners = self.manager.upload_owners(destination.bucket)
        self._run(lambda progress: list_incomplete(bucket, prefix, owners, progress),
                  "Listing incomplete uploads…", self._on_done)

    def _run(self, fn, what: str, then) -> None:
        job = _Call(fn, self.account().bucket)
        job.signals.progress.connect(self._on_progress)
        job.signals.done.connect(then)
        job.signals.failed.connect(self._on_failed)
        self._job = job
        self.busy.setRange(0, 0)
        self.busy.setFormat(what)
        self.busy.show()
        for button in (self.refresh_button, self.resume_button, self.abort_button):
            button.setEnabled(False)
        self.pool.start(job)

    def _on_progress(self, done: int, total: int) -> None:
        if total:
            self.busy.setRange(0, total)
            self.busy.setValue(done)
            self.busy.setFormat(f"Counting parts: %v of {total} uploads")

    def _on_done(self, uploads) -> None:
        self._job = None
        self.busy.hide()
        self.refresh_button.setEnabled(True)
        self.model.set_uploads(uploads)
        self._show()

    def _on_failed(self, text: str) -> None:
        self._job = None
        self.busy.hide()
        self.refresh_button.setEnabled(True)
        self.model.set_uploads([])
        self._show(text)

    def _show(self, problem: str | None = None) -> None:
        account = self.account()
        where = f"s3://{account.bucket}/{self.prefix.text().strip()}" if account else ""
        if problem:
            self.placeholder.setText(problem)
            self.placeholder.setStyleSheet("color: #b3261e;")
        elif not self.model.rowCount():
            self.placeholder.setText(f"No incomplete uploads under {where}" +
                                     ("" if not self.model.min_age else " of that age") + ".")
            self.placeholder.setStyleSheet("color: palette(placeholder-text);")
        self.stack.setCurrentWidget(self.view if self.model.rowCount() and not problem
                                    else self.placeholder)
        rows = self.model.rows
        stored = sum(u.stored or 0 for u in rows)
        self.summary.setText(f"{len(rows)} upload(s), {format_size(stored)} stored" if rows else "")
        self._update_buttons()

    # -- actions ----------------------------------------------------------------------
    def selected(self) -> list[IncompleteUpload]:
        return [self.model.rows[i.row()] for i in self.view.selectionModel().selectedRows()]

    def _update_buttons(self, *_args) -> None:
        chosen = self.selected()
        self.resume_button.setEnabled(len(chosen) == 1)
        self.abort_button.setEnabled(bool(chosen))

    def choose_source(self, upload: IncompleteUpload) -> str:
        """The local file to continue ``upload`` from; tests replace this."""
        path, _ = QFileDialog.getOpenFileName(self, f"The file uploaded as {upload.key}")
        return path

    def confirm(self, text: str) -> bool:
        """Ask once before aborting; tests replace this."""
        box = QMessageBox(QMessageBox.Warning, "Abort uploads?", text, QMessageBox.NoButton, self)
        accept = box.addButton("Abort", QMessageBox.DestructiveRole)
        box.setDefaultButton(box.addButton("Keep them", QMessageBox.RejectRole))
        box.exec()
        return box.clickedButton() is accept

    def resume_selected(self) -> None:
        [upload] = self.selected()
        if upload.owner is not None:          # a row of ours: continue it there
            self.manager.resume(upload.owner)
            self.accept()
            return
        path = self.choose_source(upload)
        if not path:
            return
        destination = self.account().destination()
        try:
            self.manager.add(path, destination, "", adopt=True, key=upload.key)
        except Exception as error:  # noqa: BLE001 -- InputError and kin: say it, keep the dialog
            QMessageBox.warning(self, "Cannot resume here", str(error))
            return
        self.accept()

    def abort_selected(self) -> None:
        chosen = self.selected()
        stored = sum(u.stored or 0 for u in chosen)
        ours = [u for u in chosen if u.owner is not None]
        text = (f"Abort {len(chosen)} incomplete upload(s)? The server discards their parts "
                f"({format_size(stored)}); this cannot be undone.")
        if ours:
            text += f" {len(ours)} belong to rows in the queue, which are cancelled too."
        if not self.confirm(text):
            return
        for upload in ours:
            self.manager.cancel(upload.owner)         # the row aborts it and drops its checkpoint
        bucket = self.clients.bucket(self.account().destination())
        others = [u for u in chosen if u.owner is None]
        self._run(lambda _progress: _abort_all(bucket, others), "Aborting…", self._on_aborted)

    def _on_aborted(self, problems: list) -> None:
        self._job = None
        self.busy.hide()
        self.refresh_button.setEnabled(True)
        if problems:
            QMessageBox.warning(self, "Some uploads were not aborted", "\n".join(problems[:10]))
        self.refresh()
