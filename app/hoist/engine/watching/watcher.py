"""Watcher: every watched folder of one engine, kept in the store and restored at start-up.

It makes a :class:`~hoist.engine.watching.folder.FolderWatch` for each watch, says
their states to the window (``UploadManager.watches_changed``, a few times a second
at most), notes each watch's last upload, and checks a watch before it is saved: an
absolute folder, and no other watch whose keys would be the same (two folders of
the same name need different prefixes).
"""

import logging
import os
from dataclasses import replace

from PySide6.QtCore import QObject, QTimer

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.watches import Watch, clashes
from hoist.core.local.sources import InputError
from hoist.engine.watching.folder import FolderWatch, WatchInfo

log = logging.getLogger("hoist.watch")

SAY_MS = 250         # states go out at most four times a second


class WatchError(InputError):
    """A watch that cannot be saved as it is; the message says why and what to do."""


class Watcher(QObject):
    """The engine's watches; see the module docstring."""

    def __init__(self, manager, parent=None, observer_factory=None):
        super().__init__(parent)
        self.manager = manager
        self._observer_factory = observer_factory
        self._folders: dict[int, FolderWatch] = {}
        self._uploads: dict[int, tuple[str, float]] = {}     # to note in the store
        self._say = QTimer(self)
        self._say.setSingleShot(True)
        self._say.setInterval(SAY_MS)
        self._say.timeout.connect(self._said)
        manager.task_finished.connect(self._on_finished)

    def restore(self, only=None) -> list[WatchInfo]:
        """Start every stored watch (or those whose ids are in ``only``)."""
        for watch in self.manager.store.watches():
            if (only is None or watch.id in only) and watch.id not in self._folders:
                self._run(watch)
        return self.infos()

    def infos(self) -> list[WatchInfo]:
        return [folder.info() for folder in self._folders.values()]

    def save(self, watch: Watch) -> WatchInfo:
        """Add (``id`` 0) or change a watch, and (re)start it."""
        folder = os.path.abspath(os.path.expanduser(watch.folder))
        if not os.path.isdir(folder):
            raise WatchError(f"{folder} is not a folder: choose an existing folder to watch.")
        watch = replace(watch, folder=folder)
        others = self.manager.store.watches()
        clash = clashes(watch, others)
        if clash is not None:
            raise WatchError(
                f"{folder} and the watched {clash.folder} have the same name and would send to "
                f"the same keys (s3://{watch.bucket}/{watch.key_prefix}…): give one of them "
                "another prefix.")
        same = next((w for w in others if w.folder == folder and w.id != watch.id
                     and w.bucket == watch.bucket and w.prefix == watch.prefix), None)
        if same is not None and not watch.id:
            watch = replace(watch, id=same.id, last_upload=same.last_upload,
                            last_upload_at=same.last_upload_at)
        if watch.delete:
            log.warning("watch %s: --delete is on: a file deleted here is deleted from "
                        "s3://%s/%s", folder, watch.bucket, watch.key_prefix)
        watch = self.manager.store.save_watch(watch)
        old = self._folders.pop(watch.id, None)
        if old is not None:
            old.stop()
            old.deleteLater()
        log.info("watch %s → s3://%s/%s (settle %.1f s%s)", folder, watch.bucket,
                 watch.key_prefix, watch.settle, ", --delete" if watch.delete else "")
        return self._run(watch).info()

    def remove(self, watch_id: int) -> None:
        folder = self._folders.pop(watch_id, None)
        if folder is not None:
            folder.stop()
            folder.deleteLater()
        self.manager.store.delete_watch(watch_id)
        self._changed()

    def set_paused(self, watch_id: int, paused: bool) -> None:
        folder = self._folders.get(watch_id)
        if folder is None:
            return
        folder.set_paused(paused)
        self.manager.store.save_watch(folder.watch)

    def owner(self, path: str) -> FolderWatch | None:
        return next((f for f in self._folders.values() if f.owns(path)), None)

    def stop(self) -> None:
        for folder in self._folders.values():
            folder.stop()
        self._said()

    # -- inside ------------------------------------------------------------------------
    def _run(self, watch: Watch) -> FolderWatch:
        folder = FolderWatch(watch, self.manager, self, self._observer_factory)
        folder.changed.connect(self._changed)
        self._folders[watch.id] = folder
        folder.start()
        return folder

    def _on_finished(self, task_id: int, state: str) -> None:
        if state != TaskState.COMPLETED.value or not self._folders:
            return
        info = self.manager.task(task_id)
        folder = info and self.owner(info.source_path)
        if folder is not None and info.key.startswith(folder.watch.key_prefix):
            folder.uploaded(info.key)
            self._uploads[folder.watch.id] = (info.key, folder.watch.last_upload_at)

    def _changed(self) -> None:
        if not self._say.isActive():
            self._say.start()

    def _said(self) -> None:
        uploads, self._uploads = self._uploads, {}
        for watch_id, (key, when) in uploads.items():     # one write a watch, not a file
            try:
                self.manager.store.note_last_upload(watch_id, key, when)
            except Exception as error:          # a full disk: the state says it anyway
                log.warning("could not note the last upload of watch %s: %s", watch_id, error)
        self.manager.watches_changed.emit(self.infos())
