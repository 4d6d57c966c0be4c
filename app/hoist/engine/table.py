"""TaskTable: the engine's tasks by id, where a row restored at rest is only its record.

Start-up restores every unfinished task, 100,000 for some users, and nearly all of
them only wait: paused, or queued behind the caps. An :class:`UploadTask` costs
about 9 µs and 40 slots to make, so a waiting task is kept as its ``TaskRecord``
and *woken* (made into a task) the first time something needs the task itself:
the scheduler starting it, a click on its row, Resume all. The manager reads a
resting task's row straight from the record (reporting.py ``_rest_info``).

Waking changes nothing a caller can see: a task made from a record starts in the
record's state with the record's progress, exactly as restore used to make it.
"""

from dataclasses import replace
from typing import Callable, Iterator


class TaskTable:
    """id → UploadTask, waking resting records on first use; otherwise a plain dict."""

    def __init__(self, make: Callable):
        self._make = make                # record → UploadTask (not yet in any table)
        self._awake: dict = {}           # id → UploadTask
        self._resting: dict = {}         # id → TaskRecord

    def rest(self, record) -> None:
        """Keep ``record`` as a task that has not been needed yet."""
        self._resting[record.id] = record

    def rest_as(self, record, **changes):
        """Keep ``record`` at rest with ``changes`` made (a TaskRecord or a ListedTask)."""
        record = (record._replace(**changes) if hasattr(record, "_replace")
                  else replace(record, **changes))
        self._resting[record.id] = record
        return record

    # -- a dict's ways ----------------------------------------------------------------
    def __contains__(self, task_id) -> bool:
        return task_id in self._awake or task_id in self._resting

    def __iter__(self) -> Iterator[int]:
        yield from self._awake
        yield from self._resting

    def __len__(self) -> int:
        return len(self._awake) + len(self._resting)

    def get(self, task_id):
        task = self._awake.get(task_id)
        if task is None and task_id in self._resting:
            task = self._wake(task_id)
        return task

    def __getitem__(self, task_id):
        task = self.get(task_id)
        if task is None:
            raise KeyError(task_id)
        return task

    def __setitem__(self, task_id, task) -> None:
        self._resting.pop(task_id, None)
        self._awake[task_id] = task

    def __delitem__(self, task_id) -> None:
        if self._awake.pop(task_id, None) is None:
            del self._resting[task_id]

    def values(self, wake_if: Callable | None = None) -> list:
        """Every task, woken. With ``wake_if``, the awake ones and only those resting records
        that pass it: a loop that can change only, say, queued tasks wakes no paused ones."""
        for task_id in [i for i, r in self._resting.items() if wake_if is None or wake_if(r)]:
            self._wake(task_id)
        return list(self._awake.values())

    # -- without waking ---------------------------------------------------------------
    def peek(self, task_id):
        """The task if it is awake, else None (a resting one has done nothing yet)."""
        return self._awake.get(task_id)

    def at_rest(self, task_id):
        """The record of a task that has not been woken, else None."""
        return self._resting.get(task_id)

    def awake(self):
        return self._awake.values()

    def resting(self):
        return self._resting.values()

    def records(self) -> Iterator:
        """Every task's record, awake or resting."""
        for task in self._awake.values():
            yield task.record
        yield from self._resting.values()

    def wake(self, records) -> None:
        """Wake the resting tasks of ``records``, full records read in advance (a batch's
        in one query): waking one from a short record would read its row on its own."""
        for record in records:
            if record.id in self._resting:
                self._awake[record.id] = self._make(record)
                del self._resting[record.id]

    def _wake(self, task_id):
        task = self._awake[task_id] = self._make(self._resting.pop(task_id))
        return task
