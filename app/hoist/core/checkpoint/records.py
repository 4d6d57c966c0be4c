"""What the checkpoint store reads back: a task's record, a waiting row's columns, a part.

Plain, frozen values (store.py writes, these are what it returns). A task's row
comes back as a tuple in TaskRecord's field order, made into a record by
``_task``; the last three fields are counted from its parts.
"""

import sys
from dataclasses import dataclass, fields
from typing import NamedTuple

from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.local.fingerprint import Fingerprint
from hoist.core.remote.objects import ObjectSettings


@dataclass(frozen=True, slots=True)     # one per task: 100,000 rows, no __dict__ each
class TaskRecord:
    id: int
    source_path: str
    fingerprint_json: str | None   # the column as stored: parsed only when a task starts
    account: str
    endpoint_url: str | None
    region: str | None
    profile: str | None
    bucket: str
    key: str
    size: int
    part_size: int              # 0: sent as one PutObject
    upload_id: str | None
    checksum_algorithm: str
    state: TaskState
    message: str
    error_code: str
    created_at: float
    updated_at: float
    finished_at: float | None
    verified: str               # how the completed object was checked (core.verify's method)
    objects_json: str | None    # the object's settings as stored (NULL: made before schema 6)
    ca_bundle: str | None       # the destination's CA bundle (None: the usual order)
    verify_tls: int             # 0: the certificate is not checked (SQLite's 0 or 1)
    direction: str              # "upload" or "download" (schema 8)
    remote_etag: str | None     # a download's pinned ETag (None until it began)
    version_id: str | None      # a download's version asked for (None: the current one)
    remote_mtime: float | None  # the mtime a download's file gets
    bytes_done: int             # these three are computed from the part rows
    parts_done: int
    parts_total: int

    @property
    def fingerprint(self) -> Fingerprint | None:
        """The source file as it was when the upload began (None before it began)."""
        return Fingerprint.from_json(self.fingerprint_json) if self.fingerprint_json else None

    @property
    def objects(self) -> ObjectSettings:
        """What the object looks like, as fixed when the task was made."""
        return ObjectSettings.from_json(self.objects_json)


class ListedTask(NamedTuple):
    """The columns of a task that a list of rows needs (``CheckpointStore.listed``): a
    tuple, so 100,000 of them are read in a third of the time TaskRecords take."""
    id: int
    source_path: str
    account: str
    bucket: str
    key: str
    size: int
    upload_id: str | None
    state: TaskState
    message: str
    error_code: str
    objects_json: str | None
    direction: str
    bytes_done: int
    parts_done: int
    parts_total: int


@dataclass(frozen=True, slots=True)
class PartRecord:
    task_id: int
    number: int
    offset: int
    size: int
    etag: str | None
    checksum: str | None
    state: PartState


# Rows come back as plain tuples in TaskRecord's field order (10,000 tasks load in a
# blink); the last three are counted from the parts through the parts_progress index.
# A completed task's part rows are dropped, so its bytes_done is its size.
_TASK_FIELDS = [f.name for f in fields(TaskRecord)]
_COLUMN_OF = {"fingerprint_json": "fingerprint", "objects_json": "object_settings"}
_COLUMNS = [_COLUMN_OF.get(name, name) for name in _TASK_FIELDS[:-3]]
_TASK_QUERY = f"""
    SELECT {", ".join("t." + name for name in _COLUMNS)},
        CASE WHEN t.state = 'completed' THEN t.size ELSE (SELECT COALESCE(SUM(p.size), 0)
             FROM parts p WHERE p.task_id = t.id AND p.state = 'done') END,
        (SELECT COUNT(*) FROM parts p WHERE p.task_id = t.id AND p.state = 'done'),
        (SELECT COUNT(*) FROM parts p WHERE p.task_id = t.id)
    FROM tasks t
"""
# Columns added after schema 1, and what a read-only open of an older file reads instead.
_LATER_COLUMNS = {"verified": "''", "object_settings": "NULL", "ca_bundle": "NULL",
                  "verify_tls": "1", "direction": "'upload'", "remote_etag": "NULL",
                  "version_id": "NULL", "remote_mtime": "NULL"}


def task_query(columns) -> str:
    """The task query for a file whose tasks table has ``columns``."""
    query = _TASK_QUERY
    for name, default in _LATER_COLUMNS.items():
        if name not in columns:
            query = query.replace(f"t.{name}", default)
    return query


_STATE = _TASK_FIELDS.index("state")
_LISTED_QUERY = _TASK_QUERY.replace(
    ", ".join("t." + name for name in _COLUMNS),
    ", ".join("t." + _COLUMN_OF.get(name, name) for name in ListedTask._fields[:-3]))
_STATE_OF = {state.value: state for state in TaskState}    # TaskState(v) costs ten times more
# Columns that thousands of rows share (one account, one bucket): one string for all of them,
# so the rows cost less memory and pickle as one reference each (engine/hosting/wire.py).
_SHARED = [_TASK_FIELDS.index(name) for name in ("account", "endpoint_url", "region", "bucket",
                                                    "checksum_algorithm", "message",
                                                    "objects_json", "ca_bundle", "direction")]


def _task(row: tuple) -> TaskRecord:
    values = list(row)
    values[_STATE] = _STATE_OF[row[_STATE]]
    for i in _SHARED:
        if values[i]:
            values[i] = sys.intern(values[i])
    return TaskRecord(*values)
