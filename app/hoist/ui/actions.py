"""QueueActions: what can be done to the selected rows and the whole queue, enabled where it applies.

The actions act through the engine's slots only; the window puts them in its
toolbar, its context menu and its keyboard shortcuts.
"""

from pathlib import Path

from PySide6.QtCore import QObject, Qt, QTimer, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu

from hoist.core.checkpoint.states import TaskState
from hoist.ui.icons import icon
from hoist.ui.model import InfoRole
from hoist.ui.share import CHOICES

PAUSABLE = (TaskState.QUEUED, TaskState.PREPARING, TaskState.UPLOADING, TaskState.COMPLETING)
FINISHED = (TaskState.COMPLETED, TaskState.CANCELLED)


def cancel_question(infos) -> tuple[str, str, str, str]:
    """Title, text and the two buttons of Cancel's question: what cancelling loses differs
    for an upload (its parts on the server) and a download (the partial file here)."""
    downloads = sum(getattr(i, "direction", "upload") == "download" for i in infos)
    kind = ("download" if downloads == len(infos) else "upload" if not downloads
            else "transfer")
    what = f"this {kind}" if len(infos) == 1 else f"{len(infos):,} {kind}s"
    lost = []
    if downloads < len(infos):
        lost.append("The parts already sent are discarded on the server.")
    if downloads:
        lost.append("What was received is deleted here; the object on the server is kept.")
    many = len(infos) > 1
    return (f"Cancel {what}?", " ".join(lost + ["This cannot be undone."]),
            f"Cancel {kind}{'s' if many else ''}", "Keep them" if many else "Keep it")


class QueueActions(QObject):
    def __init__(self, window, view, model, manager):
        super().__init__(window)
        self.window, self.view, self.model, self.manager = window, view, model, manager
        make = self._make
        self.pause = make("Pause", "pause", self.pause_selected, tip="Pause the selected transfers")
        self.resume = make("Resume", "resume", self.resume_selected, tip="Resume the selected transfers")
        self.toggle = make("Pause/Resume", "pause", self.toggle_selected, QKeySequence(Qt.Key_Space))
        self.cancel = make("Cancel", "cancel", self.cancel_selected,
                           tip="Stop the selected transfers: an upload's parts on the server, a "
                                "download's partial file are discarded")
        self.retry = make("Retry", "retry", self.retry_selected, QKeySequence("Ctrl+R"),
                          tip="Retry failed transfers from their checkpoint")
        self.remove = make("Remove from list", "remove", self.remove_selected,
                           QKeySequence(Qt.Key_Delete), tip="Remove the selected rows")
        self.copy_uri = make("Copy S3 URI", "copy", self.copy_selected_uris,
                             QKeySequence("Ctrl+Shift+C"))
        self.show_in_folder = make("Show in folder", "folder", self.show_selected_in_folder)
        self.share = make("Copy share link", "copy", lambda: self.share_selected(CHOICES[0][1]),
                          tip="Copy a link that downloads the object, for a limited time")
        self.share.setMenu(QMenu(window))
        self.share_choices = {}       # "1 hour" -> its action
        for label, seconds in CHOICES:
            self.share_choices[label] = self.share.menu().addAction(f"Valid for {label}")
            self.share_choices[label].triggered.connect(
                lambda _checked=False, s=seconds: self.share_selected(s))
        self.pause_all = make("Pause all", "pause", manager.pause_all, tip="Pause every transfer")
        self.resume_all = make("Resume all", "resume", manager.resume_all,
                               tip="Resume every paused transfer")
        self.clear_completed = make("Clear completed", "clear", self.clear_finished,
                                    tip="Remove completed and cancelled rows from the list")
        self.row_actions = [self.pause, self.resume, self.cancel, self.retry, self.remove]
        # Model changes arrive in bursts (a tick touches many rows): refresh once per burst.
        self._later = QTimer(self, singleShot=True, interval=0)
        self._later.timeout.connect(self.refresh)
        view.selectionModel().selectionChanged.connect(self.refresh)
        model.summaryChanged.connect(self._later.start)
        model.modelReset.connect(self._later.start)
        model.rowsRemoved.connect(self._later.start)
        self.refresh()

    def _make(self, text, icon_name, slot, shortcut=None, tip=None) -> QAction:
        action = QAction(icon(icon_name), text, self.window)
        if shortcut is not None:
            action.setShortcut(shortcut)
            # Shortcuts on the table only, so Space still works in the combo box and dialogs.
            action.setShortcutContext(Qt.WidgetWithChildrenShortcut)
            self.view.addAction(action)
        action.setToolTip(tip or text)
        action.triggered.connect(lambda _checked=False: slot())
        return action

    # -- selection --------------------------------------------------------------------
    def selected(self) -> list:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.index(row, 0).data(InfoRole) for row in rows]

    def _ids(self, states=None) -> list[int]:
        return [i.id for i in self.selected() if states is None or i.state in states]

    def refresh(self) -> None:
        """Enable each action only where it applies to the current selection and queue."""
        states = {i.state for i in self.selected()}
        self.pause.setEnabled(bool(states & set(PAUSABLE)))
        self.resume.setEnabled(TaskState.PAUSED in states)
        self.toggle.setEnabled(bool(states & {*PAUSABLE, TaskState.PAUSED, TaskState.FAILED}))
        self.cancel.setEnabled(bool(states - set(FINISHED)))
        self.retry.setEnabled(TaskState.FAILED in states)
        for action in (self.remove, self.copy_uri, self.show_in_folder):
            action.setEnabled(bool(states))
        self.share.setEnabled(states == {TaskState.COMPLETED} and len(self.selected()) == 1)
        summary = self.model.summary()
        self.pause_all.setEnabled(summary.count(*PAUSABLE) > 0)
        self.resume_all.setEnabled(summary.count(TaskState.PAUSED) > 0)
        self.clear_completed.setEnabled(summary.count(*FINISHED) > 0)

    # -- row actions ------------------------------------------------------------------
    def pause_selected(self) -> None:
        for task_id in self._ids(PAUSABLE):
            self.manager.pause(task_id)
        self.refresh()

    def resume_selected(self) -> None:
        for task_id in self._ids((TaskState.PAUSED,)):
            self.manager.resume(task_id)
        self.refresh()

    def toggle_selected(self) -> None:
        """Space: pause what runs; if nothing selected runs, resume (or retry) the rest."""
        if self._ids(PAUSABLE):
            self.pause_selected()
        else:
            for task_id in self._ids((TaskState.PAUSED, TaskState.FAILED)):
                self.manager.resume(task_id)
            self.refresh()

    def retry_selected(self) -> None:
        for task_id in self._ids((TaskState.FAILED,)):
            self.manager.retry(task_id)
        self.refresh()

    def cancel_selected(self) -> None:
        ids = [i for i in self._ids() if self.model.info(i).state not in FINISHED]
        if not ids:
            return
        if self.window.confirm(*cancel_question([self.model.info(i) for i in ids])):
            for task_id in ids:
                self.manager.cancel(task_id)

    def remove_selected(self) -> None:
        infos = self.selected()
        unfinished = [i for i in infos if i.state not in FINISHED]
        if unfinished:
            _title, lost, _yes, _no = cancel_question(unfinished)
            what = "1 is" if len(unfinished) == 1 else f"{len(unfinished):,} are"
            if not self.window.confirm("Remove from the list?",
                                       f"{what} not finished: removing cancels "
                                       f"{'it' if len(unfinished) == 1 else 'them'}. {lost}",
                                       "Remove", "Keep"):
                return
        with self.model.batch():
            for info in infos:
                self.manager.remove(info.id)

    def clear_finished(self) -> None:
        # one command, one statement and one list of rows back, however long the history
        self.manager.remove_finished()

    def copy_selected_uris(self) -> None:
        # Only the URI: never credentials or endpoints with secrets in them.
        uris = [i.s3_uri for i in self.selected()]
        if uris:
            QGuiApplication.clipboard().setText("\n".join(uris))

    def share_selected(self, seconds: float) -> None:
        """A link to the one completed row's object, made off this thread (ui/share.py)."""
        infos = [i for i in self.selected() if i.state is TaskState.COMPLETED]
        destination = self.window.destination_of(infos[0]) if len(infos) == 1 else None
        if destination is not None:
            self.window.share_links.copy(destination, infos[0].key, seconds)

    def show_selected_in_folder(self) -> None:
        infos = self.selected()
        for folder in dict.fromkeys(str(Path(i.source_path).parent) for i in infos[:5]):
            QDesktopServices.openUrl(QUrl.fromLocalFile(folder))
