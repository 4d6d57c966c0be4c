"""TaskInfo: the read-only snapshot of a task that the engine hands to the UI and CLI."""

from dataclasses import dataclass, fields
from operator import attrgetter

from hoist.core.checkpoint.states import TaskState


@dataclass(frozen=True, slots=True)     # one per task: 100,000 rows, no __dict__ each
class TaskInfo:
    id: int
    source_path: str
    name: str
    account: str
    bucket: str
    key: str
    size: int
    bytes_done: int
    parts_done: int
    parts_total: int
    state: TaskState
    message: str        # what the row says next to the state
    speed: float        # bytes per second, smoothed over a few seconds
    eta: float | None   # seconds left at the current speed
    error_code: str = ""
    stats: str = ""     # what this run cost: "2 retries (reset 2), 1 part re-sent, …"
    objects: str | None = None   # what the object looks like: ObjectSettings' JSON, as stored
    direction: str = "upload"    # or "download": then source_path is the file it lands in

    def __reduce__(self):
        # Pickled by value, fields in order: rows cross to the window's process by the
        # thousand, and the default (a state dict set field by field) is twice as slow.
        return (TaskInfo, _FIELDS(self))

    @property
    def fraction(self) -> float:
        if self.state is TaskState.COMPLETED:
            return 1.0
        return self.bytes_done / self.size if self.size else 0.0

    @property
    def s3_uri(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


_FIELDS = attrgetter(*(f.name for f in fields(TaskInfo)))


def status_text(state: TaskState, parts_done: int, parts_total: int, transient: str,
                notice: str, in_flight: int = 0, direction: str = "upload") -> str:
    """The message column: a transient status wins, else one derived from the state.

    While uploading it counts finished parts and says how many are on the way:
    "Uploading parts 4–5 of 8" is three done and two in flight.
    """
    if transient:
        return transient
    if state is TaskState.UPLOADING and parts_total:
        # a download's "uploading" state is its transfer too: its parts are ranges
        verb, part = ("Downloading", "range") if direction == "download" else ("Uploading", "part")
        first, last = parts_done + 1, min(parts_done + in_flight, parts_total)
        if in_flight <= 0:
            base = f"{verb} · {parts_done} of {parts_total} {part}s done"
        elif last <= first:
            base = f"{verb} {part} {min(first, parts_total)} of {parts_total}"
        else:
            base = f"{verb} {part}s {first}–{last} of {parts_total}"
    elif state is TaskState.PREPARING:
        base = "Preparing…"
    elif state is TaskState.COMPLETING:
        base = "Completing…"
    elif state is TaskState.QUEUED:
        base = "Waiting for a free slot"
    else:
        base = ""
    if base and notice and not notice.startswith("Completed"):
        return f"{base} · {notice}"
    return base or notice
