"""The history of completed uploads: rows kept in the store until cleared, or for a while.

Completed rows come back when the window reopens (engine/adding.py). Clearing them,
or their age passing the preference, deletes their rows in one statement; the record
of what was sent (sent.py) stays, so the next run still skips what is unchanged.
"""

import json

from hoist.core.checkpoint.states import TaskState

DAY = 86_400.0


class TaskHistory:
    """Mixin for CheckpointStore: deleting many rows at once, and old completed ones."""

    def delete_tasks(self, task_ids) -> int:
        """Delete these tasks (their parts and statistics cascade), in one statement."""
        return self._write("DELETE FROM tasks WHERE id IN (SELECT value FROM json_each(?))",
                           (json.dumps(list(task_ids)),)).rowcount

    def forget_completed(self, finished_before: float) -> int:
        """Delete the completed tasks that finished before this time; how many."""
        return self._write("DELETE FROM tasks WHERE state = ? AND finished_at < ?",
                           (TaskState.COMPLETED.value, finished_before)).rowcount
