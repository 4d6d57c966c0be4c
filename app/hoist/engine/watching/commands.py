"""The watch commands of UploadManager: what the window, its engine process and `hoist
watch` call to add, change, pause and remove watched folders (engine/watching/)."""

import logging

from hoist.core.checkpoint.states import TaskState
from hoist.engine.upload.preparing import SourceChanged

log = logging.getLogger("hoist.watch")

SETTLE_AGAIN = "Changed during its upload — sent again once it stays unchanged"


class WatchCommands:
    """Mixin for UploadManager; ``watcher`` is None until watching starts."""

    watcher = None

    def start_watching(self, only=None, observer_factory=None):
        """Restore the stored watches (those in ``only``, if given) and start them."""
        if self.watcher is None:
            from hoist.engine.watching.watcher import Watcher  # only runs that watch load it
            self.watcher = Watcher(self, self, observer_factory)
        return self.watcher.restore(only)

    def watches(self):
        """[WatchInfo] of every running watch."""
        return self.watcher.infos() if self.watcher else []

    def save_watch(self, watch):
        """Add or change a watch (raises WatchError with what to do); its WatchInfo."""
        if self.watcher is None:
            self.start_watching(only=())
        return self.watcher.save(watch)

    def remove_watch(self, watch_id: int) -> None:
        if self.watcher is None:
            self.start_watching(only=())
        self.watcher.remove(watch_id)

    def pause_watch(self, watch_id: int, paused: bool) -> None:
        if self.watcher is not None:
            self.watcher.set_paused(watch_id, paused)

    def _settles_again(self, task, error: Exception) -> bool:
        """A watched file changed during its upload: it waits, paused, until it is still
        again, then its watch queues it (not one of the restarts of a file given once)."""
        if not isinstance(error, SourceChanged) or self.watcher is None \
                or self.watcher.owner(task.record.source_path) is None:
            return False
        task.restart_reason = SETTLE_AGAIN
        task.request_stop("settle")
        return True

    def _wait_to_settle(self, task) -> None:
        """The task stopped for ``_settles_again``: paused, and its file watched for stillness."""
        self._set_state(task, TaskState.PAUSED, message=task.restart_reason)
        folder = self.watcher and self.watcher.owner(task.record.source_path)
        if folder is not None:
            folder.renote(task.record.source_path)
        log.info("task %s: the file changed during its upload; sent again once it settles",
                 task.id)
