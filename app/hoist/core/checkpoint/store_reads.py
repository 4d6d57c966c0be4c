"""The checkpoint store's reads: tasks as records or as rows of a list, their parts, upload ids.

A mixin of :class:`~hoist.core.checkpoint.store.CheckpointStore` (which owns the
connection, its lock and the task query fitted to the file's schema), split out
so that store.py stays about writes.
"""

import json
import sqlite3
import sys
from collections.abc import Iterable

from hoist.core.checkpoint.records import (
    _LISTED_QUERY,
    _STATE_OF,
    ListedTask,
    PartRecord,
    TaskRecord,
    _task,
)
from hoist.core.checkpoint.states import PartState, TaskState


class StoreReads:
    """Mixin for CheckpointStore: every method reads under the store's lock and writes nothing."""

    def get_task(self, task_id) -> TaskRecord | None:
        with self._lock:
            row = self._tuples(self._task_query + " WHERE t.id = ?", (task_id,)).fetchone()
        return _task(row) if row else None

    def get_tasks(self, task_ids) -> dict[int, TaskRecord]:
        """id -> record of each of ``task_ids`` still in the store, in one query."""
        with self._lock:
            rows = self._tuples(self._task_query + " WHERE t.id IN (SELECT value FROM"
                                " json_each(?))", (json.dumps(list(task_ids)),)).fetchall()
        return {record.id: record for record in map(_task, rows)}

    def tasks(self, states: Iterable[TaskState] | None = None) -> list[TaskRecord]:
        sql, params = self._task_query, ()
        if states is not None:
            params = tuple(TaskState(s).value for s in states)
            sql += f" WHERE t.state IN ({', '.join('?' * len(params))})" if params else " WHERE 0"
        with self._lock:
            rows = self._tuples(sql + " ORDER BY t.id", params).fetchall()
        return [_task(r) for r in rows]

    def listed(self, states: Iterable[TaskState]) -> list[ListedTask]:
        """The tasks in ``states`` by id, only as far as a list of rows needs them (start-up
        reads 100,000 this way; ``get_task`` reads the whole record of one that starts)."""
        params = tuple(TaskState(s).value for s in states)
        sql = (_LISTED_QUERY + f" WHERE t.state IN ({', '.join('?' * len(params))})"
               if params else _LISTED_QUERY + " WHERE 0")
        with self._lock:
            rows = self._tuples(sql + " ORDER BY t.id", params).fetchall()
        intern, state_of = sys.intern, _STATE_OF
        return [ListedTask(i, path, intern(account), intern(bucket), key, size, upload_id,
                           state_of[state], intern(message), error, objects and intern(objects),
                           intern(direction), done, parts, total)
                for i, path, account, bucket, key, size, upload_id, state, message, error,
                objects, direction, done, parts, total in rows]

    def find_live_tasks(self, bucket: str, keys) -> dict[tuple, TaskRecord]:
        """The unfinished tasks sending any of ``keys`` of one bucket, in one query:
        (source_path, endpoint_url, key) -> the oldest task sending that file there."""
        found: dict[tuple, TaskRecord] = {}
        with self._lock:
            rows = self._tuples(
                self._task_query + " WHERE t.bucket = ? AND t.key IN (SELECT value FROM"
                " json_each(?)) AND t.state NOT IN ('completed', 'cancelled') ORDER BY t.id",
                (bucket, json.dumps(list(keys)))).fetchall()
        for row in rows:
            record = _task(row)
            found.setdefault((record.source_path, record.endpoint_url, record.key), record)
        return found

    def upload_ids(self, bucket: str | None = None, key: str | None = None) -> set[str]:
        """The multipart upload ids our tasks hold (of one bucket, or one key in it)."""
        sql, params = "SELECT upload_id FROM tasks WHERE upload_id IS NOT NULL", []
        for column, value in (("bucket", bucket), ("key", key)):
            if value is not None:
                sql += f" AND {column} = ?"
                params.append(value)
        with self._lock:
            return {row[0] for row in self._tuples(sql, params)}

    def _tuples(self, sql: str, params=()) -> sqlite3.Cursor:
        cursor = self._db.cursor()
        cursor.row_factory = None
        return cursor.execute(sql, params)

    def parts(self, task_id) -> list[PartRecord]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM parts WHERE task_id = ? ORDER BY number",
                                    (task_id,)).fetchall()
        return [PartRecord(r["task_id"], r["number"], r["offset"], r["size"], r["etag"],
                           r["checksum"], PartState(r["state"])) for r in rows]
