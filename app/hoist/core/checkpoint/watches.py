"""Watched folders as the store keeps them, and the reads a watch's catch-up needs.

A :class:`Watch` says which folder goes where (account, bucket, prefix), which of
its files are left out, how long a file must stay unchanged before it is sent, and
whether a file deleted here is deleted on the server. The engine's watcher
(engine/watching/) restores them at start-up. ``sent_states`` and ``live_keys`` give
a rescan what it compares a folder with, in one query each: a file whose size and
mtime still match what was sent costs no request.
"""

import json
from dataclasses import dataclass, field, replace

from hoist.core.remote.clients import Destination

# Left out of every watch before the user's own rules, so a user's --include can take one
# back: downloads and saves in progress, Office's lock files, Finder's folder settings.
DEFAULT_EXCLUDES = ("*.part", "*.tmp", "*.crdownload", "*.hoist-partial", "~$*", ".~lock.*",
                    ".DS_Store")
DEFAULT_SETTLE = 5.0       # seconds a file's size and mtime must stay still before it is sent


def default_rules() -> list[tuple[str, str]]:
    """The defaults as filter rules, at any depth below the folder."""
    return [("exclude", "**/" + glob) for glob in DEFAULT_EXCLUDES]


@dataclass(frozen=True)
class Watch:
    """One watched folder and its destination; ``id`` is 0 until it is saved."""

    folder: str
    bucket: str
    prefix: str = ""
    account: str = "default"
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None
    ca_bundle: str | None = None
    verify_tls: bool = True
    rules: tuple = field(default_factory=tuple)     # the user's (kind, glob), after the defaults
    settle: float = DEFAULT_SETTLE
    delete: bool = False
    paused: bool = False
    last_upload: str = ""           # the key last sent, and when (seconds since the epoch)
    last_upload_at: float | None = None
    id: int = 0

    @property
    def destination(self) -> Destination:
        return Destination(bucket=self.bucket, endpoint_url=self.endpoint_url, region=self.region,
                           profile=self.profile, account=self.account, ca_bundle=self.ca_bundle,
                           verify_tls=self.verify_tls)

    @property
    def key_prefix(self) -> str:
        """Every key of this watch starts so: the prefix, then the folder's name (as
        `hoist upload FOLDER` makes keys)."""
        name = self.folder.rstrip("/\\").replace("\\", "/").rsplit("/", 1)[-1]
        return f"{self.prefix}{name}/"

    def with_destination(self, destination: Destination) -> "Watch":
        return replace(self, bucket=destination.bucket, endpoint_url=destination.endpoint_url,
                       region=destination.region, profile=destination.profile,
                       account=destination.account, ca_bundle=destination.ca_bundle,
                       verify_tls=destination.verify_tls)


def clashes(watch: Watch, others) -> Watch | None:
    """Another watch whose keys would be this one's: same bucket and endpoint, and folders
    of the same name under the same prefix (their files would overwrite each other)."""
    for other in others:
        if other.id != watch.id and (other.bucket, other.endpoint_url or "", other.key_prefix) \
                == (watch.bucket, watch.endpoint_url or "", watch.key_prefix):
            return other
    return None


_COLUMNS = ("folder", "account", "endpoint_url", "region", "profile", "ca_bundle", "verify_tls",
            "bucket", "prefix", "rules", "settle", "delete_remote", "paused", "last_upload",
            "last_upload_at")


def _row(watch: Watch) -> tuple:
    return (watch.folder, watch.account, watch.endpoint_url, watch.region, watch.profile,
            watch.ca_bundle, int(watch.verify_tls), watch.bucket, watch.prefix,
            json.dumps([list(rule) for rule in watch.rules]), watch.settle, int(watch.delete),
            int(watch.paused), watch.last_upload, watch.last_upload_at)


class StoredWatches:
    """Mixin for CheckpointStore: the ``watches`` table (schema 9)."""

    def watches(self) -> list[Watch]:
        with self._lock:
            rows = self._tuples("SELECT id, " + ", ".join(_COLUMNS) + " FROM watches"
                                " ORDER BY id").fetchall()
        return [Watch(folder=r[1], account=r[2], endpoint_url=r[3], region=r[4], profile=r[5],
                      ca_bundle=r[6], verify_tls=bool(r[7]), bucket=r[8], prefix=r[9],
                      rules=tuple(tuple(rule) for rule in json.loads(r[10])), settle=r[11],
                      delete=bool(r[12]), paused=bool(r[13]), last_upload=r[14],
                      last_upload_at=r[15], id=r[0]) for r in rows]

    def save_watch(self, watch: Watch) -> Watch:
        """Insert (``id`` 0) or update a watch; returns it with its id."""
        with self._transaction() as db:
            if watch.id:
                db.execute("UPDATE watches SET " + ", ".join(f"{c} = ?" for c in _COLUMNS)
                           + " WHERE id = ?", (*_row(watch), watch.id))
                return watch
            cursor = db.execute(f"INSERT INTO watches ({', '.join(_COLUMNS)}) VALUES "
                                f"({', '.join('?' * len(_COLUMNS))})", _row(watch))
            return replace(watch, id=cursor.lastrowid)

    def note_last_upload(self, watch_id: int, key: str, when: float) -> None:
        with self._transaction() as db:
            db.execute("UPDATE watches SET last_upload = ?, last_upload_at = ? WHERE id = ?",
                       (key, when, watch_id))

    def delete_watch(self, watch_id: int) -> None:
        with self._transaction() as db:
            db.execute("DELETE FROM watches WHERE id = ?", (watch_id,))

    def sent_states(self, endpoint_url: str | None, bucket: str,
                    key_prefix: str) -> dict[str, tuple[str, int, int]]:
        """key -> (source path, size, mtime_ns) of what was last sent below ``key_prefix``."""
        with self._lock:
            rows = self._tuples(
                "SELECT key, source_path, json_extract(fingerprint, '$.size'),"
                " json_extract(fingerprint, '$.mtime_ns') FROM sent_files WHERE endpoint = ?"
                " AND bucket = ? AND key >= ? AND key < ?",
                (endpoint_url or "", bucket, key_prefix, key_prefix + "\U0010ffff")).fetchall()
        return {key: (path, size, mtime) for key, path, size, mtime in rows}

    def sent_digests(self, endpoint_url: str | None, bucket: str,
                     key_prefix: str) -> dict[int, int]:
        """hash(key) -> hash((source path, size, mtime_ns)) of what was last sent below
        ``key_prefix``: a watch's rescan compares 100,000 files without holding their text."""
        with self._lock:
            cursor = self._tuples(
                "SELECT key, source_path, json_extract(fingerprint, '$.size'),"
                " json_extract(fingerprint, '$.mtime_ns') FROM sent_files WHERE endpoint = ?"
                " AND bucket = ? AND key >= ? AND key < ?",
                (endpoint_url or "", bucket, key_prefix, key_prefix + "\U0010ffff"))
            return {hash(key): hash((path, size, mtime)) for key, path, size, mtime in cursor}

    def live_keys(self, bucket: str, key_prefix: str) -> set[str]:
        """Keys below ``key_prefix`` that a task is sending or waits to send. A paused or
        failed one is not among them: a watch's catch-up takes it up again (the same task)."""
        with self._lock:
            rows = self._tuples(
                "SELECT key FROM tasks WHERE bucket = ? AND key >= ? AND key < ? AND state"
                " NOT IN ('completed', 'cancelled', 'paused', 'failed')",
                (bucket, key_prefix, key_prefix + "\U0010ffff")).fetchall()
        return {row[0] for row in rows}

    def forget_sent(self, endpoint_url: str | None, bucket: str, key: str) -> None:
        """The object was deleted on the server: nothing of it is left to compare with."""
        with self._transaction() as db:
            db.execute("DELETE FROM sent_files WHERE endpoint = ? AND bucket = ? AND key = ?",
                       (endpoint_url or "", bucket, key))
