"""How the engine tells the window what changed: rows, progress ticks, statistics.

A mixin of :class:`~hoist.engine.manager.UploadManager` (which owns the state it
uses: ``_tasks``, ``_live``, ``_touched``, the store, the clock, the signals),
split out to keep the manager about scheduling. A task that changes is *touched*;
four times a second ``_tick`` samples the speed of the running tasks and sends
one ``tasks_updated`` list with the rows of the touched ones, never all rows.
"""

import os

from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.stats import TransferStats
from hoist.engine.adding import ACTIVE
from hoist.engine.info import TaskInfo, status_text
from hoist.engine.transfer import NO_STATS, TransferTask
from hoist.engine.upload.preparing import SENDING

# A file's name from its path: os.path.basename is three times slower, for what "/" does on POSIX
_basename = (lambda path: path[path.rfind("/") + 1:]) if os.sep == "/" and not os.altsep \
    else os.path.basename


class ProgressReporting:
    """Mixin for UploadManager: rows (``TaskInfo``), the progress tick, run statistics."""

    def _count_time(self, task: TransferTask, save: bool) -> None:
        """Add the time it was active to the task's statistics, and keep them in the store."""
        if task.active_since is not None:
            task.stats.seconds += self.clock.monotonic() - task.active_since
            task.active_since = None
        if not save:
            return
        if task.stats_base is None:       # earlier runs', read once, when the task first settles
            task.stats_base = (TransferStats() if task.id in self._new_ids else
                               TransferStats.from_json(self.store.stats(task.id).get(task.id)))
            self._new_ids.discard(task.id)
        total = TransferStats().merge(task.stats_base).merge(task.stats)
        if self._stats_out is not None:       # landing a batch: written with the others
            self._stats_out.append((task.id, total.to_json()))
        else:
            self._write(self.store.save_stats, task.id, total.to_json())

    def run_stats(self, task_ids) -> TransferStats:
        """This run's statistics of the given tasks, added up."""
        total = TransferStats()
        for task in (self._tasks.peek(i) for i in task_ids):     # one at rest has not run
            if task is not None:
                total.merge(task.stats)
        return total

    def _touch(self, task: TransferTask) -> None:
        task.dirty = True
        self._touched.add(task.id)

    def _tick(self) -> None:
        """Send the rows that changed: only running tasks and touched ones can have."""
        changed = []
        ids, self._touched = self._live | self._touched | self._sending(), set()
        for task in (self._tasks[i] for i in sorted(ids) if i in self._tasks):
            if task.state in ACTIVE:
                task.speed.sample(task.progress()[0])
            if task.dirty:
                task.dirty = False
                changed.append(self._info(task))
        if changed:
            self.tasks_updated.emit(changed)

    def _info(self, task: TransferTask) -> TaskInfo:
        done, parts_done, parts_total = task.progress()
        record = task.record
        size = record.size
        speed = task.speed.speed() if task.state in ACTIVE else 0.0
        eta = (size - done) / speed if speed > 0 else None
        state, message = task.state, task.message
        batch = self._batched.get(task.id) if state is TaskState.PREPARING else None
        if batch is not None:       # a small file in a batch: its turn, or its sending
            state = batch.shown(task)
            message = message or (SENDING if state is TaskState.UPLOADING else "")
        return TaskInfo(
            id=task.id, source_path=record.source_path, name=os.path.basename(record.source_path),
            account=record.account, bucket=record.bucket, key=record.key, size=size,
            bytes_done=min(done, size), parts_done=parts_done, parts_total=parts_total,
            state=state, speed=speed, eta=eta, error_code=task.error_code,
            stats=task.stats_text(), objects=record.objects_json, direction=task.direction,
            message=status_text(state, parts_done, parts_total, message, task.notice,
                                len(task.in_flight), task.direction))

    def _rest_info(self, record) -> TaskInfo:
        """The row of a task at rest (engine/table.py): what ``_info`` says of the task made
        from ``record``, without making it."""
        size, path = record.size, record.source_path
        # positionally, in TaskInfo's order: 100,000 of these at start-up
        return TaskInfo(
            record.id, path, _basename(path), record.account, record.bucket, record.key, size,
            min(record.bytes_done, size), record.parts_done, record.parts_total, record.state,
            status_text(record.state, record.parts_done, record.parts_total, "",
                        record.message, 0, record.direction),
            0.0, None, record.error_code, NO_STATS, record.objects_json, record.direction)
