"""The checkpoint of a download: its row in ``tasks`` and its ranges in ``parts`` (schema 8).

A download is a task of another kind in the same rows as an upload: ``direction`` is
'download', ``source_path`` is the target file, ``remote_etag`` the ETag pinned when it
began, ``part_size`` the range size, and each range is a ``parts`` row (number, offset,
size, state). A range is marked done only after its bytes were fdatasynced to the
partial file; many ranges go in one transaction (engine/download/commits.py).
"""

import sqlite3
import time
from pathlib import Path

from hoist.core.checkpoint.records import TaskRecord
from hoist.core.checkpoint.states import PartState, TaskState

DOWNLOAD = "download"


class DownloadRecords:
    """Mixin for CheckpointStore: a download's row, its ranges, and the targets it owns."""

    def add_download(self, *, target, account, endpoint_url, region, profile, bucket, key,
                     size: int, range_size: int, version_id: str | None = None,
                     object_settings: str | None = None, ca_bundle=None,
                     verify_tls=True) -> TaskRecord:
        """A queued download of ``key`` to ``target``; nothing pinned yet."""
        now = time.time()
        cursor = self._write(
            "INSERT INTO tasks (source_path, account, endpoint_url, region, profile, bucket, key,"
            " size, part_size, checksum_algorithm, state, created_at, updated_at,"
            " object_settings, ca_bundle, verify_tls, direction, version_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?, ?, ?, ?, ?, ?)",
            (str(target), account, endpoint_url, region, profile, bucket, key, size, range_size,
             TaskState.QUEUED.value, now, now, object_settings, ca_bundle,
             int(bool(verify_tls)), DOWNLOAD, version_id))
        return self.get_task(cursor.lastrowid)

    def begin_download(self, task_id, etag: str, size: int, mtime: float | None,
                       range_size: int, ranges, checksums=None) -> None:
        """Pin the object (its ETag, size and mtime) and record its ranges, all pending, in one
        transaction, before the first GET: old ranges never stay beside new ones.
        ``checksums``: each range's expected checksum, in order, where its ranges are the
        object's parts and the store listed their checksums (core/download/composite.py)."""
        checksums = list(checksums or [None] * len(ranges))
        with self._transaction() as db:
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            db.execute("UPDATE tasks SET remote_etag = ?, size = ?, remote_mtime = ?,"
                       " part_size = ?, updated_at = ? WHERE id = ?",
                       (etag, size, mtime, range_size, time.time(), task_id))
            db.executemany(
                "INSERT INTO parts (task_id, number, offset, size, checksum, state)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                [(task_id, r.number, r.offset, r.size, checksum, PartState.PENDING.value)
                 for r, checksum in zip(ranges, checksums)])

    def ranges_done(self, task_id, numbers, checksums: dict | None = None) -> None:
        """These ranges' bytes are on disk (synced): one transaction for all of them.
        ``checksums``: range number -> the checksum its bytes were computed to have as they
        streamed in, kept so that the proof needs no re-read, even after a restart. A range
        committed without one loses the checksum its row held (one listed before its GET,
        never compared with its bytes), so that no proof ever takes it for theirs."""
        checksums = checksums or {}
        with self._transaction() as db:
            db.executemany("UPDATE parts SET state = ?, checksum = ? WHERE task_id = ? AND"
                           " number = ?", [(PartState.DONE.value, checksums.get(n) or None,
                                            task_id, n) for n in numbers])

    def reset_download(self, task_id, message: str | None = None) -> None:
        """Forget the pinned object and every range: the next prepare starts from zero."""
        with self._transaction() as db:
            db.execute("DELETE FROM parts WHERE task_id = ?", (task_id,))
            db.execute("UPDATE tasks SET remote_etag = NULL, updated_at = ? WHERE id = ?",
                       (time.time(), task_id))
            if message is not None:
                db.execute("UPDATE tasks SET message = ? WHERE id = ?", (message, task_id))

    def download_targets(self) -> list[str]:
        """The targets of every unfinished download: their partial files are owned."""
        with self._lock:
            try:
                rows = self._tuples(
                    "SELECT source_path FROM tasks WHERE direction = ? AND state NOT IN"
                    " ('completed', 'cancelled')", (DOWNLOAD,)).fetchall()
            except sqlite3.OperationalError:    # a read-only open of a store before schema 8: none
                return []
        return [row[0] for row in rows]

    def download_owners(self) -> dict[str, tuple[str, str | None, str]]:
        """target -> (bucket, endpoint_url, key) of every unfinished download: the object
        whose bytes its partial file holds (the oldest download, if two ever claimed one)."""
        with self._lock:
            rows = self._tuples(
                "SELECT source_path, bucket, endpoint_url, key FROM tasks WHERE direction = ?"
                " AND state NOT IN ('completed', 'cancelled') ORDER BY id DESC",
                (DOWNLOAD,)).fetchall()
        return {row[0]: (row[1], row[2], row[3]) for row in rows}

    def download_folders(self) -> set[str]:
        """The folders of every download's target the store knows, finished or not."""
        with self._lock:
            try:
                rows = self._tuples("SELECT source_path FROM tasks WHERE direction = ?",
                                    (DOWNLOAD,)).fetchall()
            except sqlite3.OperationalError:    # before schema 8
                return set()
        return {str(Path(row[0]).parent) for row in rows}
