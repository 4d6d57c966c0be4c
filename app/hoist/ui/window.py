"""MainWindow: the drop target, the queue table, its controls, and the status bar.

The window talks to the engine only through its proxy's commands and signals
(engine/hosting/proxy.py); the table model follows the signals, the actions post the
commands. Its widgets are built by ui/window_layout.py.
"""

import logging

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from hoist.ui import window_layout
from hoist.ui.actions import PAUSABLE, QueueActions
from hoist.ui.empty_state import EmptyState
from hoist.ui.icons import icon
from hoist.ui.intake import Intake
from hoist.ui.model import UploadTableModel
from hoist.ui.share import ShareLinks
from hoist.ui.status import QueueStatus
from hoist.ui.tray import BatchNotifier, Tray

log = logging.getLogger("hoist.ui")

KEYRING_NOTICE = ("No system keyring was found: access keys you enter are kept for this session "
                  "only and are never written to disk. Install a keyring (e.g. GNOME Keyring or "
                  "KWallet) to keep them.")


class MainWindow(QMainWindow):
    closed = Signal()        # the window really closed (not hidden to the tray): time to quit

    def __init__(self, manager, clients, *, book=None, secrets=None, prefs=None, prefs_path=None,
                 extra_accounts=(), select_account: str | None = None, parent=None):
        super().__init__(parent)
        self.manager, self.clients = manager, clients
        self.book, self.secrets = book, secrets
        self.prefs, self.prefs_path = prefs, prefs_path
        self.extra_accounts = list(extra_accounts)
        self._quitting = self._shut_down = False
        self.setWindowTitle("Hoist")
        self.setWindowIcon(icon("hoist"))
        self.resize(1100, 640)
        self.setAcceptDrops(True)

        self.model = UploadTableModel(self)
        self.model.reset(manager.tasks())
        self.model.bind(manager)
        self.view = window_layout.make_view(self, self.model)
        self.empty = EmptyState(self)
        self.stack = QStackedWidget(self)
        self.stack.addWidget(self.empty)
        self.stack.addWidget(self.view)
        self.share_links = ShareLinks(clients, self)
        self.queue_actions = QueueActions(self, self.view, self.model, manager)
        self.intake = Intake(manager, clients, self.model,
                             lambda key, remaining: self.ask_existing(key, remaining), self)
        self.intake.added.connect(self._on_added)
        self.intake.problem.connect(self._on_problem)
        self.intake.checking.connect(self._on_checking)
        self.intake.unchanged.connect(self._on_unchanged)
        self._problems: list[str] = []

        central = QWidget(self)
        column = QVBoxLayout(central)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        self.keyring_notice = QLabel(KEYRING_NOTICE, central, wordWrap=True)
        self.keyring_notice.setStyleSheet("background: #fff4ce; color: #4d3a00; padding: 6px 10px;"
                                          "border-bottom: 1px solid #e5d08a;")
        self._show_keyring_notice()
        column.addWidget(self.keyring_notice)
        column.addWidget(window_layout.make_tabs(self))     # Transfers | Bucket
        self.setCentralWidget(central)

        window_layout.make_docks(self)
        window_layout.make_toolbars(self)
        self.status = QueueStatus(self.statusBar(), self.model, manager, self)
        self.share_links.said.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        self.limit_label = self.status.limit_label      # tests and screenshots read these
        self.counts_label = self.status.counts_label
        self.apply_schedule()
        self.reload_accounts(select_account)
        if hasattr(manager, "engine_lost"):        # the engine's process died (and restarted)
            manager.engine_lost.connect(lambda text: self.statusBar().showMessage(text))
        self.notifier = BatchNotifier(manager, self)
        self.tray = Tray.create(self, self.model, self.queue_actions)
        if self.tray is not None:
            self.notifier.notify.connect(self.tray.show_message)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._show_page)
        self._show_page()

    def load(self, infos) -> None:
        """Show ``infos`` as the whole queue (the rows an engine restored after this window
        was built), with the buttons and the status bar as they go with them at once."""
        self.model.reset(infos)
        self.queue_actions.refresh()
        self.status.refresh()

    # -- accounts and preferences -------------------------------------------------------
    def accounts(self) -> list:
        return list(getattr(self.book, "accounts", [])) + self.extra_accounts

    def current_account(self):
        name = self.destination_combo.currentData()
        return next((a for a in self.accounts() if a.name == name), None)

    def reload_accounts(self, select: str | None = None) -> None:
        """Fill the destination combo and tell the engine how to reach every account."""
        select = (select or self.destination_combo.currentData()
                  or getattr(getattr(self.book, "default", None), "name", None))
        combo = self.destination_combo
        combo.blockSignals(True)
        combo.clear()
        for account in self.accounts():
            self.manager.register_destination(account.destination())
            label = account.name + ("" if account.verify_tls else "  (TLS verification off)")
            combo.addItem(icon("account"), label, account.name)
            combo.setItemData(combo.count() - 1, self._where(account), Qt.ToolTipRole)
        combo.setCurrentIndex(max(combo.findData(select), 0) if combo.count() else -1)
        combo.blockSignals(False)
        self.model.set_unverified_accounts(a.name for a in self.accounts() if not a.verify_tls)
        self._on_destination_changed()

    def destination_of(self, info):
        """How to reach a row's object: its account's endpoint and credentials, its bucket."""
        from dataclasses import replace
        account = next((a for a in self.accounts() if a.name == info.account), None)
        if account is None:
            self.statusBar().showMessage(f"The account {info.account} is gone: add it again "
                                         "under Accounts.", 8000)
            return None
        return replace(account.destination(), bucket=info.bucket)

    def _remember_default(self, name: str) -> None:
        """The account chosen last is the one selected next time (the demo's is not kept)."""
        book = self.book
        if book is None or book.get(name) is None or getattr(book, "default_name", name) == name:
            return
        book.default_name = name
        try:
            book.save()
        except OSError as error:
            log.warning("could not save the chosen account: %s", error)

    @staticmethod
    def _where(account) -> str:
        place = f"s3://{account.bucket}/{account.prefix or ''}"
        return f"{place} at {account.endpoint_url}" if account.endpoint_url else f"{place} (AWS)"

    def _on_destination_changed(self, _index=None) -> None:
        account = self.current_account()
        if account is not None:
            self.intake.warm_up(account.destination())
            self._remember_default(account.name)
        self.empty.set_destination(self._where(account) if account else None)
        self.bucket_pane.set_account(account)
        self.add_files_action.setEnabled(account is not None)
        self.add_folder_action.setEnabled(account is not None)

    def edit_accounts(self) -> None:
        from hoist.ui.dialogs.accounts import AccountDialog
        AccountDialog(self.book, self.secrets, self).exec()
        self.clients.forget()            # a changed secret or endpoint takes effect at once,
        self.manager.forget_clients()    # here and in the engine (which may be another process)
        self.reload_accounts()
        self._show_keyring_notice()

    def _show_keyring_notice(self) -> None:
        # Only once a secret is kept for this session alone (an access key typed under
        # Accounts…): without one, as in the demo or with AWS profiles, nothing is lost.
        self.keyring_notice.setVisible(bool(getattr(self.secrets, "kept_for_session", False)))

    def show_incomplete(self) -> None:
        from hoist.ui.dialogs.incomplete import IncompleteUploadsDialog
        account = self.current_account()
        dialog = IncompleteUploadsDialog(self.accounts(), self.clients, self.manager,
                                         account.name if account else None, self)
        dialog.exec()

    def watch_folders(self):
        """Accounts → Watch folders…: the watches, run by the engine (engine/watching/)."""
        from hoist.ui.dialogs.watch_folders import WatchFoldersDialog
        dialog = WatchFoldersDialog(self.manager, self.accounts(), self)
        dialog.open()
        return dialog

    def receive_watches(self, watches) -> None:
        """`hoist watch` handed its watches over (ui/single_instance.py): the engine runs them."""
        for watch in watches:
            try:
                self.manager.save_watch(watch)
            except Exception as error:           # WatchError: said, and the others go on
                self._on_problem(f"Could not watch {watch.folder}: {error}")
        self.statusBar().showMessage(f"Watching {len(watches)} more folder(s), as handed over "
                                     "by `hoist watch`.", 8000)

    def edit_preferences(self) -> None:
        from hoist.ui.dialogs.preferences import PreferencesDialog
        dialog = PreferencesDialog(self.prefs, self)
        if dialog.exec() != PreferencesDialog.Accepted:
            return
        self.prefs = dialog.result_preferences()
        if self.prefs_path is not None:
            self.prefs.save(self.prefs_path)
        self.manager.set_config(self.prefs.transfer_config())   # bandwidth and caps apply live
        self.apply_schedule()

    def apply_schedule(self, now=None) -> None:
        """Follow the preferences' bandwidth schedule, if any (``now``: a clock for tests)."""
        self.status.follow_schedule(self._pref("bandwidth_schedule", ""), now)

    def _pref(self, name: str, default):
        return getattr(self.prefs, name, default)

    # -- adding -------------------------------------------------------------------------
    def choose_files(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(self, "Add files to upload")
        if paths:
            self.add_paths(paths)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a folder to upload")
        if path:
            self.add_paths([path])

    def add_paths(self, paths, prefix: str | None = None) -> None:
        """Queue files and folders for the selected account (after the existing-object check),
        under ``prefix`` (a folder of the Bucket pane) or else the account's own prefix."""
        account = self.current_account()
        if account is None:
            self._on_problem("Choose where to upload first: add an account with Accounts…")
            return
        # the account's object defaults as they are now: fixed in each task as it is made
        self.intake.submit(paths, account.destination(),
                           account.prefix or "" if prefix is None else prefix,
                           account.object_settings())

    def receive_paths(self, paths) -> None:
        """Paths handed over by a second `hoist FILE...` launch."""
        self.bring_to_front()
        if paths:
            self.add_paths(paths)

    def ask_existing(self, key: str, remaining: int) -> tuple[str, bool]:
        from hoist.ui.dialogs.existing import ExistingObjectDialog
        account = self.current_account()
        dialog = ExistingObjectDialog(key, remaining, self,
                                      bucket=account.bucket if account else None)
        if dialog.exec() != ExistingObjectDialog.Accepted:
            return "skip", True          # closing the dialog adds nothing that would overwrite
        return dialog.choice, dialog.apply_to_all

    def _on_added(self, new_ids: list, existing_ids: list) -> None:
        """Select rows that were already queued (no twin is made); show the first new one."""
        target = existing_ids or new_ids[:1]
        if existing_ids:
            names = ", ".join(self.model.info(i).name for i in existing_ids[:3])
            self.statusBar().showMessage(f"Already in the queue: {names}", 6000)
            self.view.clearSelection()
        for task_id in target:
            row = self.model.row_of(task_id)
            if row is None:
                continue
            if existing_ids:
                self.view.selectionModel().select(
                    self.model.index(row, 0),
                    QItemSelectionModel.Select | QItemSelectionModel.Rows)
            self.view.scrollTo(self.model.index(row, 0))

    def _on_unchanged(self, count: int) -> None:
        """Unchanged files are left out without a question; the status bar counts them."""
        what = "1 file is" if count == 1 else f"{count:,} files are"
        self.statusBar().showMessage(f"{what} on the server already, unchanged: skipped", 8000)

    def _on_checking(self, text: str) -> None:
        if text:
            self.statusBar().showMessage(text)
        else:
            self.statusBar().clearMessage()

    def _on_problem(self, text: str) -> None:
        """Collect refusals from one intake and show them in one non-blocking message."""
        self._problems.append(text)
        QTimer.singleShot(0, self._show_problems)

    def _show_problems(self) -> None:
        if not self._problems:
            return
        text, self._problems = "\n\n".join(self._problems[:5]), []
        box = QMessageBox(QMessageBox.Warning, "Not added", text, QMessageBox.Ok, self)
        box.setAttribute(Qt.WA_DeleteOnClose)
        box.open()

    # -- drag and drop --------------------------------------------------------------------
    @staticmethod
    def _local_paths(mime) -> list[str]:
        if not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile()]

    def dragEnterEvent(self, event) -> None:
        if self._local_paths(event.mimeData()) and self.current_account() is not None:
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event) -> None:
        self.dragEnterEvent(event)

    def dropEvent(self, event) -> None:
        paths = self._local_paths(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.add_paths(paths)

    # -- status -------------------------------------------------------------------------
    def _show_page(self, *_args) -> None:
        page = self.view if self.model.rowCount() else self.empty
        if self.stack.currentWidget() is not page:
            self.stack.setCurrentWidget(page)
            if page is self.view:
                self.view.setFocus()         # Space and Delete act on the table straight away

    def confirm(self, title: str, text: str, yes: str, no: str) -> bool:
        """Ask a yes/no question with verbs on the buttons; tests replace this."""
        box = QMessageBox(QMessageBox.Question, title, text, QMessageBox.NoButton, self)
        accept = box.addButton(yes, QMessageBox.AcceptRole)
        box.setDefaultButton(box.addButton(no, QMessageBox.RejectRole))
        box.exec()
        return box.clickedButton() is accept

    # -- quitting -------------------------------------------------------------------------
    def bring_to_front(self) -> None:
        self.showNormal()
        self.raise_()
        self.activateWindow()

    def quit(self) -> None:
        """Quit for real (menu, Ctrl+Q, the tray), even when closing only hides to the tray."""
        self._quitting = True
        if not self.close():
            self._quitting = False

    def closeEvent(self, event) -> None:
        if self._shut_down:
            event.accept()
            return
        if not self._quitting and self.tray is not None and self._pref("close_to_tray", False):
            self.hide()
            self.tray.show_message("Hoist is still running",
                                   "Transfers continue in the background. Quit from the tray icon.",
                                   False)
            event.ignore()
            return
        running = self.model.summary().count(*PAUSABLE)
        if running and self._pref("ask_before_quit", True):
            what = "1 transfer is" if running == 1 else f"{running:,} transfers are"
            if not self.confirm("Quit Hoist?", f"{what} still running. Quitting pauses them; "
                                "they continue from where they stopped when you open Hoist again.",
                                "Pause and quit", "Keep running"):
                event.ignore()
                return
        self.shutdown()
        event.accept()
        self.closed.emit()

    def shutdown(self, timeout_ms: int = 10_000) -> None:
        """Checkpoint everything as paused and wait for in-flight parts (once)."""
        if self._shut_down:
            return
        self._shut_down = True
        self.status.stop_schedule()
        self.manager.shutdown(timeout_ms)
        if self.tray is not None:
            self.tray.hide()
