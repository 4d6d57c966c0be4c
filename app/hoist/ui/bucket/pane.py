"""BucketPane: browse the bucket of the account chosen under "Upload to", beside the transfers.

A path bar (back, up, the folder as s3://bucket/prefix, refresh), a filter over
what has been listed, the folder's rows (BucketModel, listed lazily as the view
scrolls) or a page that says why there are none, and the selection's actions
(ui/bucket/actions.py). The folder is listed only once the pane is shown, and
again when the account changes; every listing runs in the engine
(``list_folder``), asked from a pool thread (ui/bucket/calls.py).
"""

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QStackedWidget,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from hoist.core.checkpoint.longlived import freeze_long_lived
from hoist.ui.bucket.actions import BucketActions
from hoist.ui.bucket.calls import EngineCalls, describe
from hoist.ui.bucket.model import BucketModel, Listing
from hoist.ui.bucket.view import BucketView, StatePage, local_paths


def parent_of(prefix: str) -> str:
    """``a/b/`` → ``a/``; ``a/`` → ``""``."""
    return prefix[:prefix.rstrip("/").rfind("/") + 1] if prefix else ""


class BucketPane(QWidget):
    """The pane; ``window`` gives the manager, share links, the intake and the status bar."""

    upload = Signal(object, str)      # paths dropped, the key prefix they go under

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window, self.manager = window, window.manager
        self.account = None
        self._stale = True              # list again when next shown
        self._history: list[str] = []   # folders visited before this one (Back)
        self.calls = EngineCalls(self)
        self.model = BucketModel(self)
        self.model.page_wanted.connect(self._list)
        self.model.listing_changed.connect(self._show_listing)
        self.setAcceptDrops(True)
        # uploads that land in the folder shown: listed again, once for a burst of them
        self._relist = QTimer(self, singleShot=True, interval=1000)
        self._relist.timeout.connect(self._relist_if_shown)
        window.manager.task_finished.connect(self._on_task_finished)

        style = self.style()
        self.back_button = self._tool(style.standardIcon(QStyle.SP_ArrowBack), "Back",
                                      self.back)
        self.up_button = self._tool(style.standardIcon(QStyle.SP_FileDialogToParent),
                                    "Up one folder", self.up)
        self.refresh_button = self._tool(style.standardIcon(QStyle.SP_BrowserReload),
                                         "Refresh", self.refresh)
        self.path = QLineEdit(self, placeholderText="s3://bucket/folder/")
        self.path.setToolTip("The folder shown; type another and press Enter to go there")
        self.path.returnPressed.connect(self._path_entered)
        self.filter = QLineEdit(self, placeholderText="Filter this listing", clearButtonEnabled=True)
        self.filter.setMaximumWidth(260)
        self.filter.textChanged.connect(self.model.set_filter)
        bar = QHBoxLayout()
        bar.setContentsMargins(6, 6, 6, 2)
        for widget in (self.back_button, self.up_button, self.refresh_button):
            bar.addWidget(widget)
        bar.addWidget(self.path, 1)
        bar.addWidget(self.filter)

        self.view = BucketView(self.model, self)
        self.view.dropped.connect(self._dropped)
        self.view.activated.connect(self._open_row)      # double-click, or Enter
        for keys, slot in (("Backspace", self.up), ("Alt+Up", self.up), ("Alt+Left", self.back),
                           ("F5", self.refresh)):
            shortcut = QAction(self, shortcut=QKeySequence(keys))
            shortcut.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            shortcut.triggered.connect(lambda _checked=False, act=slot: act())
            self.view.addAction(shortcut)
        self.state_page = StatePage(self)
        self.state_page.acted.connect(self._state_action)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.state_page)
        self.stack.addWidget(self.view)

        self.count_label = QLabel(self)
        self.actions = BucketActions(self, window)
        foot = QHBoxLayout()
        foot.setContentsMargins(6, 2, 6, 6)
        foot.addWidget(self.count_label, 1)
        for button in self.actions.buttons(self):
            foot.addWidget(button)

        column = QVBoxLayout(self)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addLayout(bar)
        column.addWidget(self.stack, 1)
        column.addLayout(foot)
        self._show_listing()

    def _tool(self, icon, tip: str, slot) -> QToolButton:
        button = QToolButton(self, icon=icon, toolTip=tip, autoRaise=True)
        button.clicked.connect(lambda _checked=False: slot())
        return button

    # -- where ------------------------------------------------------------------------
    @property
    def destination(self):
        return self.account.destination() if self.account is not None else None

    def set_account(self, account) -> None:
        """Browse ``account``'s bucket, from its upload folder (its prefix)."""
        self.account, self._history = account, []
        if account is None:
            self.model.clear(Listing.NO_ACCOUNT)
            return
        self._stale = True                        # listed now if shown, else when shown
        self.model.clear(Listing.LOADING)
        self.model.prefix = account.prefix or ""
        if self.isVisible():
            self.refresh()

    def showEvent(self, event) -> None:
        super().showEvent(event)
        if self._stale and self.account is not None:
            self.refresh()

    def go(self, prefix: str, remember: bool = True) -> None:
        if self.account is None:
            return
        if remember and prefix != self.model.prefix:
            self._history.append(self.model.prefix)
        self.filter.clear()
        self._stale = False
        self.model.open(prefix)

    def refresh(self) -> None:
        self.go(self.model.prefix, remember=False)

    def back(self) -> None:
        if self._history:
            self.go(self._history.pop(), remember=False)

    def up(self) -> None:
        if self.model.prefix:
            self.go(parent_of(self.model.prefix))

    def _open_row(self, index) -> None:
        entry = self.model.entry(index.row())
        if entry.is_folder:
            self.go(entry.key)

    def _path_entered(self) -> None:
        text = self.path.text().strip()
        if self.account is None:
            return
        head = f"s3://{self.account.bucket}/"
        if text.startswith(head):
            text = text[len(head):]
        elif text.startswith("s3://"):
            self.window.statusBar().showMessage(
                f"The pane shows bucket {self.account.bucket}: choose another account under "
                "Upload to for another bucket.", 8000)
            self._show_listing()
            return
        text = text.lstrip("/")
        self.go(text if not text or text.endswith("/") else text + "/")

    # -- the engine ---------------------------------------------------------------------
    def _list(self, number: int, prefix: str, token) -> None:
        destination, manager = self.destination, self.manager

        def then(page, error):
            if error is not None:
                self.model.fail(number, *describe(error))
            else:
                self.model.add_page(number, page)
                # 100,000 listed entries would be walked by every full collection, which
                # stalls this thread: kept out of its way (core/checkpoint/longlived.py)
                freeze_long_lived()
        self.calls.run(lambda: manager.list_folder(destination, prefix, token), then)

    def _on_task_finished(self, task_id: int, state: str) -> None:
        info = self.manager.task(task_id) if state == "completed" else None
        account = self.account
        if (info is not None and account is not None and info.bucket == account.bucket
                and getattr(info, "direction", "upload") == "upload"
                and parent_of(info.key) == self.model.prefix):
            self._relist.start()

    def _relist_if_shown(self) -> None:
        if self.isVisible() and not self.model.loading:
            self.refresh()
        else:
            self._stale = True

    # -- drops --------------------------------------------------------------------------
    def dragEnterEvent(self, event) -> None:
        if local_paths(event.mimeData()) and self.account is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event) -> None:
        paths = local_paths(event.mimeData())
        if not paths or self.account is None:
            event.ignore()
            return
        event.acceptProposedAction()
        self._dropped(paths, "")

    def _dropped(self, paths, folder: str) -> None:
        if self.account is not None:
            self.upload.emit(list(paths), folder or self.model.prefix)

    # -- what is shown ------------------------------------------------------------------
    def _show_listing(self) -> None:
        model, account = self.model, self.account
        where = f"s3://{account.bucket}/{model.prefix}" if account else ""
        if not self.path.hasFocus():
            self.path.setText(where)
        self.back_button.setEnabled(bool(self._history))
        self.up_button.setEnabled(bool(account and model.prefix))
        self.refresh_button.setEnabled(account is not None)
        self.path.setEnabled(account is not None)
        self.filter.setEnabled(model.state is Listing.READY)
        page = self.state_page
        state = model.state
        if state is Listing.NO_ACCOUNT:
            page.show_state("No bucket chosen", "Add an account with a bucket under Accounts…, "
                            "then choose it under Upload to: its bucket is shown here.",
                            "Accounts…")
        elif state is Listing.LOADING:
            page.show_state("Listing…", f"Reading {where} from the server.")
        elif state is Listing.EMPTY:
            page.show_state("This folder is empty", f"Nothing is stored under {where} yet. Drop "
                            "files here to upload them into this folder.")
        elif state is Listing.DENIED:
            page.show_state("This account may not list the bucket", model.error, "Try again")
        elif state is Listing.ERROR:
            page.show_state("The bucket could not be listed", model.error, "Try again")
        self.stack.setCurrentWidget(self.view if state is Listing.READY else page)
        self.count_label.setText(self._count_text())
        self.actions.refresh()

    def _count_text(self) -> str:
        model = self.model
        if model.state is not Listing.READY:
            return ""
        shown, listed = model.rowCount(), model.listed
        text = f"{listed:,} item{'s' if listed != 1 else ''}"
        if model.filter:
            text = f"{shown:,} of {listed:,} listed match"
        if model.loading:
            return text + " · listing more…"
        if model.error:
            return text + f" · {model.error}"
        if model.token is not None:
            return text + (" · clear the filter to list more" if model.filter
                           else " · more as you scroll")
        return text

    def _state_action(self) -> None:
        if self.model.state is Listing.NO_ACCOUNT:
            self.window.edit_accounts()
        else:
            self.refresh()
