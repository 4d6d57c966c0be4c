"""The states a task and a part move through (see DESIGN.md, "States")."""

from enum import Enum


class TaskState(str, Enum):
    QUEUED = "queued"
    PREPARING = "preparing"
    UPLOADING = "uploading"
    PAUSED = "paused"
    COMPLETING = "completing"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in (TaskState.COMPLETED, TaskState.CANCELLED)

    @property
    def is_active(self) -> bool:
        """Work is under way for the task (a slot is taken)."""
        return self in (TaskState.PREPARING, TaskState.UPLOADING, TaskState.COMPLETING)


def shown_state(state: TaskState, direction: str = "upload") -> str:
    """The state as `hoist list` says it: "downloading" for a download under way (the store
    keeps one value, ``uploading``, for a transfer under way in either direction)."""
    if direction == "download" and state is TaskState.UPLOADING:
        return "downloading"
    return state.value


class PartState(str, Enum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
