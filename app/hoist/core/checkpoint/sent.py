"""What was sent: each destination key's source file as it was then, and the object's ETag.

Recorded as a task completes, in the same transaction; read by the skip check
(core/remote/unchanged.py) to tell an unchanged file without a request per key.
The records live apart from the task rows, so "Clear completed" (or a history
kept for a limited time) does not make the next run send everything again.
"""

import json
import time
from dataclasses import dataclass

from hoist.core.checkpoint.states import TaskState
from hoist.core.local.fingerprint import Fingerprint

# The task's own columns: its fingerprint is the one its bytes were checked against.
_REMEMBER = ("INSERT OR REPLACE INTO sent_files (endpoint, bucket, key, source_path, fingerprint,"
             " etag, sent_at) SELECT coalesce(endpoint_url, ''), bucket, key, source_path,"
             " fingerprint, ?, ? FROM tasks WHERE id = ? AND fingerprint IS NOT NULL")


@dataclass(frozen=True, slots=True)
class SentFile:
    """The last upload of one file to one key: the file then, and the ETag it got."""

    fingerprint: Fingerprint
    etag: str


class SentFiles:
    """Mixin for CheckpointStore: completing a task, and the records that leaves."""

    def mark_completed(self, task_id, message: str, verified: str = "", etag: str = "",
                       fingerprint_json: str | None = None, size: int | None = None) -> None:
        """The task is done; with ``etag``, the object's, remember what was sent. A file sent
        in one PutObject brings its fingerprint and size here, in the same transaction."""
        now = time.time()
        with self._transaction() as db:
            if fingerprint_json is None:
                db.execute("UPDATE tasks SET state = ?, message = ?, error_code = '', "
                           "updated_at = ?, finished_at = ?, verified = ? WHERE id = ?",
                           (TaskState.COMPLETED.value, message, now, now, verified, task_id))
            else:       # sent whole: the fingerprint its bytes were checked against
                db.execute("UPDATE tasks SET state = ?, message = ?, error_code = '', "
                           "updated_at = ?, finished_at = ?, verified = ?, fingerprint = ?, "
                           "size = ? WHERE id = ?",
                           (TaskState.COMPLETED.value, message, now, now, verified,
                            fingerprint_json, size, task_id))
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            if etag:
                db.execute(_REMEMBER, (etag, now, task_id))

    def sent_files(self, endpoint_url: str | None, bucket: str,
                   keys) -> dict[tuple[str, str], SentFile]:
        """(key, source path) -> SentFile, for ``keys`` of one bucket, in one query."""
        with self._lock:
            rows = self._tuples(
                "SELECT key, source_path, fingerprint, etag FROM sent_files WHERE endpoint = ?"
                " AND bucket = ? AND key IN (SELECT value FROM json_each(?))",
                (endpoint_url or "", bucket, json.dumps(list(keys)))).fetchall()
        return {(key, path): SentFile(Fingerprint.from_json(fp), etag)
                for key, path, fp, etag in rows}
