"""How the engine lives with a full disk under its checkpoint store (issue #9).

A store write that meets ENOSPC or SQLITE_FULL raises StoreFull. The manager
does not fail a task for it: it pauses every queued and running upload with
one message, keeps every checkpoint already committed, and tries the store
again when a person resumes. This mixin holds those steps; it uses the
manager's tasks, ``_pause``, ``store_full`` signal and ``full`` attribute.
"""

import logging
from contextlib import contextmanager

from PySide6.QtCore import QTimer

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL, StoreFull

log = logging.getLogger("hoist.manager")


class FullDiskHandling:
    def _on_store_full(self, error: StoreFull) -> None:
        """Pause every queued and running upload with one message; fail none of them."""
        first = self.full is None
        self.full = error
        paused = [t.id for t in self._tasks.values(wake_if=lambda r: r.state is TaskState.QUEUED)
                  if self._pause(t, notice=DISK_FULL, persist=False)]
        if paused:      # later, outside whatever batch met the full disk
            QTimer.singleShot(0, self, lambda: self._save_pauses(paused))
        if first and not self._shut_down:
            log.error("%s Every upload is paused.", error)
            self.store_full.emit(DISK_FULL)

    def _save_pauses(self, task_ids: list[int]) -> None:
        """Record the pauses if the store can take them; if not, it keeps what it had,
        and a task it still thinks is under way is restored as paused at the next start."""
        if self._shut_down:
            return
        try:
            with self.store.batch():
                for task in (self._tasks.get(i) for i in task_ids):
                    if task is not None and task.state is TaskState.PAUSED:
                        self.store.set_state(task.id, TaskState.PAUSED, message=task.notice)
        except StoreFull:
            log.info("the pauses of %d tasks were not recorded: the disk is still full",
                     len(task_ids))

    def _clear_full(self) -> None:
        """A person asked to go on: try the store again (it says so if it is still full)."""
        if self.full is not None:
            self.full = None
            self.store_full.emit("")

    def _write(self, write, *args) -> bool:
        """One store write from this thread; False (and everything paused) if the disk is full."""
        try:
            write(*args)
        except StoreFull as error:
            self._on_store_full(error)
            return False
        return True

    @contextmanager
    def _writes(self):
        """A batch of writes from this thread; a full disk pauses everything instead of raising."""
        began = False
        try:
            with self.store.batch():
                began = True
                yield
        except StoreFull as error:
            self._on_store_full(error)
            if not began:       # the batch could not even begin: each write then fends for itself
                yield
