"""BucketActions: what can be done to the rows selected in the Bucket pane.

Download to… (a folder chosen; the engine queues a download per object, a folder's
objects kept at their paths below it, as rows of the transfer list; files already
there that differ are asked about once), Copy S3 URI, Copy share link (with an expiry: ui/share.py makes it off the GUI
thread), Delete… (asks once, naming the count and total size; the engine deletes
1,000 keys a request, and the pane lists the folder again) and Restore… for
objects in GLACIER or DEEP_ARCHIVE (days and tier). Each is in the pane's footer
and its right-click menu, enabled only where it applies.
"""

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMenu, QToolButton

from hoist.core.local.units import format_size
from hoist.ui.bucket.calls import describe
from hoist.ui.bucket.existing_files import SKIP, ask_existing_files
from hoist.ui.bucket.model import EntryRole
from hoist.ui.icons import icon
from hoist.ui.share import CHOICES


class BucketActions(QObject):
    def __init__(self, pane, window):
        super().__init__(pane)
        self.pane, self.window = pane, window
        self.download = self._make("Download to…", "add-folder", self.download_selected,
                                   tip="Download the selected objects and folders into a "
                                   "folder on this computer")
        self.copy_uri = self._make("Copy S3 URI", "copy", self.copy_uris, "Ctrl+Shift+C",
                                   "Copy s3://bucket/key of the selected rows")
        self.share = self._make("Copy share link", "copy", lambda: self.share_selected(
            CHOICES[0][1]), tip="Copy a link that downloads the object, for a limited time")
        self.share.setMenu(QMenu(pane))
        self.share_choices = {}
        for label, seconds in CHOICES:
            self.share_choices[label] = self.share.menu().addAction(f"Valid for {label}")
            self.share_choices[label].triggered.connect(
                lambda _checked=False, s=seconds: self.share_selected(s))
        self.restore = self._make("Restore…", "retry", self.restore_selected,
                                  tip="Ask S3 to restore archived objects so they can be "
                                  "downloaded")
        self.delete = self._make("Delete…", "remove", self.delete_selected, "Delete",
                                 "Delete the selected objects from the bucket")
        self.all = [self.download, self.copy_uri, self.share, self.restore, self.delete]
        self.ask_existing = lambda paths: ask_existing_files(window, paths)   # tests replace
        view = pane.view
        view.selectionModel().selectionChanged.connect(self.refresh)
        view.customContextMenuRequested.connect(self._context_menu)

    def _make(self, text, icon_name, slot, shortcut=None, tip=None) -> QAction:
        action = QAction(icon(icon_name), text, self.pane)
        action.setIconText(text)        # Qt drops a button's "…", which says a question follows
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.pane.view.addAction(action)
        if tip:
            action.setToolTip(tip)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    def buttons(self, parent) -> list[QToolButton]:
        made = []
        for action in self.all:
            button = QToolButton(parent, toolButtonStyle=Qt.ToolButtonTextBesideIcon)
            button.setDefaultAction(action)
            if action.menu() is not None:
                button.setPopupMode(QToolButton.MenuButtonPopup)
            made.append(button)
        return made

    def _context_menu(self, pos) -> None:
        menu = QMenu(self.pane)
        menu.setAttribute(Qt.WA_DeleteOnClose)
        for action in (self.download, None, self.copy_uri, self.share, None, self.restore, None,
                       self.delete):
            menu.addSeparator() if action is None else menu.addAction(action)
        menu.popup(self.pane.view.viewport().mapToGlobal(pos))

    # -- the selection ------------------------------------------------------------------
    def selected(self) -> list:
        view = self.pane.view
        return [view.model().data(index, EntryRole)
                for index in sorted(view.selectionModel().selectedRows(), key=lambda i: i.row())]

    def refresh(self) -> None:
        entries = self.selected() if self.pane.account is not None else []
        objects = [e for e in entries if not e.is_folder]
        self.copy_uri.setEnabled(bool(entries))
        # archived objects must be restored first: they say so in the pane
        self.download.setEnabled(any(e.is_folder or not e.archived for e in entries))
        self.share.setEnabled(len(entries) == 1 and bool(objects) and not objects[0].archived)
        self.restore.setEnabled(bool(objects) and all(e.archived for e in objects))
        # folders are opened and their objects deleted: never a count the pane cannot name
        self.delete.setEnabled(bool(objects) and len(objects) == len(entries))

    def _say(self, text: str, ms: int = 10_000) -> None:
        self.window.statusBar().showMessage(text, ms)

    # -- the actions ------------------------------------------------------------------
    def ask_folder(self) -> str:
        """The folder to download into ("" if none was chosen); tests replace it."""
        return QFileDialog.getExistingDirectory(self.window, "Download to")

    def download_selected(self) -> None:
        entries = self.selected()
        keys = [e.key for e in entries if e.is_folder or not e.archived]
        left = len(entries) - len(keys)
        if not keys:
            return
        folder = self.ask_folder()
        if not folder:
            return
        destination, manager = self.pane.destination, self.window.manager
        bucket = self.pane.account.bucket
        self._say(f"Looking at {len(keys):,} item{'s' if len(keys) != 1 else ''} to download…", 0)

        def plan():         # what is there already: asked before anything is queued
            return manager.add_downloads(destination, bucket, keys, folder, dry_run=True)

        def planned(added, error):
            if error is not None:
                self._say(f"Not downloaded: {describe(error)[1]}", 0)
                return
            differ = [path for _key, path, why in added.skipped if why != "unchanged"]
            existing = self.ask_existing(differ) if differ else SKIP
            self.pane.calls.run(lambda: manager.add_downloads(
                destination, bucket, keys, folder, existing=existing),
                lambda done, failed: self._queued(done, failed, folder, left))
        self.pane.calls.run(plan, planned)

    def _queued(self, added, error, folder: str, archived: int) -> None:
        if error is not None:
            self._say(f"Not downloaded: {describe(error)[1]}", 0)
            return
        text = (f"Queued {len(added):,} download{'s' if len(added) != 1 else ''} to {folder} "
                "(under Transfers).")
        if added.skipped:
            text += f" {len(added.skipped):,} skipped: there already."
        if added.refused:
            text += f" {len(added.refused):,} refused: {added.refused[0][1]}"
        if archived:
            text += f" {archived:,} archived left out: restore them first."
        self._say(text, 0)

    def copy_uris(self) -> None:
        entries = self.selected()
        if not entries:
            return
        bucket = self.pane.account.bucket
        QGuiApplication.clipboard().setText("\n".join(f"s3://{bucket}/{e.key}" for e in entries))
        self._say(f"Copied {len(entries)} S3 URI{'s' if len(entries) != 1 else ''}.", 5000)

    def share_selected(self, seconds: float) -> None:
        entries = [e for e in self.selected() if not e.is_folder]
        if len(entries) == 1:
            self.window.share_links.copy(self.pane.destination, entries[0].key, seconds)

    def delete_selected(self) -> None:
        entries = self.selected()
        if not entries or any(e.is_folder for e in entries):
            return
        bucket = self.pane.account.bucket
        total = sum(e.size for e in entries)
        what = (f"{entries[0].name} ({format_size(total)})" if len(entries) == 1
                else f"{len(entries):,} objects ({format_size(total)} in all)")
        if not self.window.confirm("Delete from the bucket?",
                                   f"Delete {what} from s3://{bucket}/{self.pane.model.prefix}? "
                                   "This cannot be undone (unless the bucket keeps versions).",
                                   "Delete", "Keep"):
            return
        destination, manager = self.pane.destination, self.window.manager
        keys = [e.key for e in entries]
        self._say(f"Deleting {len(keys):,} objects…", 0)
        self.pane.calls.run(lambda: manager.delete_objects(destination, keys), self._deleted)

    def _deleted(self, done, error) -> None:
        if error is not None:
            self._say(f"Not deleted: {describe(error)[1]}", 0)
        else:
            text = f"Deleted {len(done.deleted):,} object{'s' if len(done.deleted) != 1 else ''}."
            if done.errors:
                key, why = next(iter(done.errors.items()))
                text += f" {len(done.errors):,} were not: {key} {why}."
            self._say(text, 0 if done.errors else 10_000)
        self.pane.refresh()

    def restore_selected(self) -> None:
        from hoist.ui.bucket.restore_dialog import RestoreDialog
        entries = [e for e in self.selected() if e.archived]
        if not entries:
            return
        dialog = RestoreDialog(len(entries), self.window)
        if dialog.exec() != RestoreDialog.Accepted:
            return
        self.request_restore([e.key for e in entries], dialog.days, dialog.tier)

    def request_restore(self, keys, days: int, tier: str) -> None:
        destination, manager = self.pane.destination, self.window.manager
        self._say(f"Asking for a restore of {len(keys):,} objects…", 0)
        self.pane.calls.run(lambda: manager.restore_objects(destination, keys, days, tier),
                            self._restored)

    def _restored(self, said, error) -> None:
        if error is not None:
            self._say(f"Not restored: {describe(error)[1]}", 0)
        elif len(said) == 1:
            self._say(next(iter(said.values())), 0)
        else:
            asked = sum(1 for text in said.values() if "restore requested" in text)
            self._say(f"Restore requested for {asked:,} of {len(said):,} objects; "
                      "downloads work once S3 has restored them (hours for Standard or Bulk).", 0)
