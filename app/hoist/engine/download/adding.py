"""How downloads come into the engine: ``UploadManager.add_downloads``.

A mixin of :class:`~hoist.engine.manager.UploadManager`, beside adding.py's uploads.
Keys ending in "/" are prefixes, listed here (ListObjectsV2, a request a 1,000 keys) and
laid out under the target folder by ``plan_prefix``; a single key lands in the folder
under its own name. Keys that cannot land safely are refused, each with a message
naming it, while the others go on. A file already at a target is skipped when it is
unchanged (the same size, and not older than the object), and otherwise handled as
``existing`` says. Each download is then a row in the store's ``tasks``, queued like
an upload and run by the same scheduler.
"""

import logging
import os
from dataclasses import replace
from pathlib import Path

from hoist.core.checkpoint.store import StoreFull
from hoist.core.download.paths import UnsafeKey, plan_prefix, target_for
from hoist.core.local.filters import Filters
from hoist.core.remote.existing import existing_objects
from hoist.core.remote.naming import keep_both_key
from hoist.core.remote.objects import ObjectSettings
from hoist.core.remote.s3 import Destination, RemoteObject
from hoist.core.remote.unchanged import same_as_recorded

log = logging.getLogger("hoist.manager")

SKIP, OVERWRITE, KEEP_BOTH = "skip", "overwrite", "keep-both"
UNCHANGED = "unchanged"
DIFFERS = "a different file is there (--force overwrites it)"
BUSY = ("another download ({}) is writing to it: let it finish or cancel it, then download "
        "again")


class AddedDownloads(list):
    """What ``add_downloads`` answers: the ids of the downloads queued (a list, in order),
    and what it did not queue, for the caller to show.

    ``refused``: (key, message) of each key that cannot land safely (the message names it);
    ``skipped``: (key, target path, why) of each key whose file is there already, UNCHANGED
    or DIFFERS; ``folders``: the folders made for keys ending in "/";
    ``planned``: (key, target path, size) of each download queued, in the ids' order.
    """

    def __init__(self, ids=()):
        super().__init__(ids)
        self.refused: list[tuple[str, str]] = []
        self.skipped: list[tuple[str, str, str]] = []
        self.folders: list[str] = []
        self.planned: list[tuple[str, str, int]] = []


def list_prefix(bucket, prefix: str) -> dict:
    """Every object under ``prefix``: key -> RemoteObject, a page of 1,000 at a time."""
    found, after = {}, ""
    while True:
        page, after = bucket.list_objects(prefix, after)
        found.update(page)
        if after is None:
            return found


def remote_of(head: dict) -> RemoteObject:
    """What a listing would have said of an object, from its HeadObject answer."""
    return RemoteObject(int(head.get("ContentLength", 0)), head.get("ETag", ""), None,
                        head.get("LastModified"))


def unchanged(path: Path, remote, record=None) -> bool:
    """The file is what a download would make. With Hoist's record of fetching (or sending)
    it: the file still as it was then and the object's ETag the same (a fetched file has the
    source's mtime, older than the object). Without one: the same size, and not older than
    the object (uploads' rule without a record, core/remote/unchanged.py, the other way round)."""
    try:
        st = os.stat(path)
        if record is not None:
            return same_as_recorded(str(path), remote, record, st)
    except OSError:
        return False
    return (st.st_size == remote.size and remote.last_modified is not None
            and int(st.st_mtime) >= int(remote.last_modified.timestamp()))


class DownloadIntake:
    """Mixin for UploadManager: ``add_downloads``."""

    def add_downloads(self, destination: Destination, bucket: str, keys: list[str],
                      target_dir: str, version_id: str | None = None, force: bool = False,
                      existing: str = SKIP, range_size: int | None = None,
                      filters=(), dry_run: bool = False,
                      objects: ObjectSettings | None = None,
                      heads: dict[str, dict] | None = None) -> AddedDownloads:
        """Queue downloads of ``keys`` of ``bucket`` into the folder ``target_dir``.

        A key ending in "/" (or "") is a prefix: every object under it, kept at its path
        relative to the prefix. ``version_id``: that version of a single key (default: the
        current one). ``existing``: what to do with a file that is there and differs,
        SKIP, OVERWRITE or KEEP_BOTH (a free "name (1).ext" beside it); ``force``
        overwrites even unchanged files. ``range_size``: bytes a GET (default: the part
        size of the config). ``filters``: --exclude/--include rules (core/local/filters.py)
        matched against the path below the prefix. ``dry_run``: plan only, queue nothing
        (``planned`` says what would go). ``objects``: only ``sse_c_key_md5`` counts (the
        SSE-C key, given to the clients). ``heads``: HeadObject answers (checksum asked
        for, with the SSE-C key) just taken for single keys: those keys are not listed, and
        each new download's prepare uses its answer instead of asking again, if it starts
        within a few seconds. Returns :class:`AddedDownloads`.
        """
        dest = replace(destination, bucket=bucket)
        remote_bucket = self.clients.bucket(dest)
        root = Path(target_dir).expanduser().absolute()
        rules = Filters(filters)
        added = AddedDownloads()
        wanted: list[tuple[str, Path, object]] = []    # key, target, RemoteObject or None
        singles = [k for k in keys if k and not k.endswith("/")]
        heads = {} if version_id else (heads or {})
        unknown = [k for k in singles if k not in heads]
        remote = existing_objects(remote_bucket, unknown) if unknown and not version_id else {}
        remote.update({k: remote_of(head) for k, head in heads.items()})
        for key in keys:
            if key and not key.endswith("/"):
                prefix = key[:key.rfind("/") + 1]
                try:
                    wanted.append((key, target_for(root, key, prefix), remote.get(key)))
                except UnsafeKey as error:
                    added.refused.append((key, str(error)))
                continue
            listing = {k: v for k, v in list_prefix(remote_bucket, key).items()
                       if not rules or k.endswith("/") or rules.included(k[len(key):])}
            plan = plan_prefix(root, key, listing)
            added.refused += plan.refused
            for folder in plan.folders:
                if not dry_run:
                    folder.mkdir(parents=True, exist_ok=True)
                added.folders.append(str(folder))
            wanted += [(k, path, listing[k]) for k, path in plan.files]
        for key in singles:
            if key not in remote and not version_id:
                added.refused.append((key, f"s3://{bucket}/{key}: no such key; skipped"))
        wanted = [w for w in wanted if w[2] is not None or version_id]
        rows = self._existing_targets(dest, wanted, force, existing, added)
        if dry_run:
            added.planned = [(k, str(p), r.size if r else 0) for k, p, r in rows]
            return added
        # listed and planned on the caller's thread (the Bucket pane's download of a folder of
        # 100,000 keys lists for seconds); queued on the engine's, which owns the tasks
        added += self._invoker.call(self._queue_downloads, dest, rows, version_id, range_size,
                                    objects, added.skipped, heads)
        added.planned = [(k, str(p), r.size if r else 0) for k, p, r in rows]
        return added

    def _existing_targets(self, dest: Destination, wanted, force: bool, existing: str,
                          added) -> list:
        """The downloads to queue, after the rule for files already at their targets. A target
        that another object's live download writes to (its partial file) is never shared:
        keep both gives another name, anything else skips it, even --force."""
        claimed = self.store.download_owners()     # target -> (bucket, endpoint, key)
        there = [key for key, path, _remote in wanted if path.exists()]
        # what Hoist recorded when it last fetched (or sent) each: one query for them all
        records = (self.store.sent_files(dest.endpoint_url, dest.bucket, there)
                   if there and not force else {})
        rows, queued = [], set()
        for key, path, remote in wanted:
            this = (dest.bucket, dest.endpoint_url, key)
            if (this, path) in queued:            # the same key twice: one download
                continue

            def free_name(p=path) -> Path:
                return p.parent / keep_both_key(
                    p.name, lambda n: (p.parent / n).exists() or str(p.parent / n) in claimed)
            owner = claimed.get(str(path))
            if owner is not None and owner != this:
                if existing != KEEP_BOTH:
                    added.skipped.append((key, str(path),
                                          BUSY.format(f"s3://{owner[0]}/{owner[2]}")))
                    continue
                path = free_name()
            elif path.exists() and not force:
                if remote is not None and unchanged(path, remote, records.get((key, str(path)))):
                    added.skipped.append((key, str(path), UNCHANGED))
                    continue
                if existing == KEEP_BOTH:
                    path = free_name()
                elif existing != OVERWRITE:
                    added.skipped.append((key, str(path), DIFFERS))
                    continue
            claimed[str(path)] = this
            queued.add((this, path))
            rows.append((key, path, remote))
        return rows

    def _queue_downloads(self, dest: Destination, rows, version_id, range_size,
                         objects, skipped: list, heads: dict[str, dict] | None) -> list[int]:
        """One store transaction for the rows; a download already live for the same key and
        target is that task, resumed. A target another object's download claimed since the
        rows were planned (another thread's add_downloads) goes to ``skipped``."""
        self._destinations.setdefault(dest.account, dest)
        objects_json = (ObjectSettings(sse_c_key_md5=objects.sse_c_key_md5).to_json()
                        if objects and objects.sse_c_key_md5 else None)
        ids: list[int] = []
        made: list[int] = []              # new rows: there is no other copy if the batch fails
        self._clear_full()
        self._announced = []
        try:
            with self.store.batch():
                live = self.store.find_live_tasks(dest.bucket, [k for k, _p, _r in rows])
                claimed = self.store.download_owners()
                for key, path, remote in rows:
                    known = live.get((str(path), dest.endpoint_url, key))
                    if known is not None and known.direction == "download":
                        ids.append(self._take_up(known))
                        continue
                    owner = claimed.get(str(path))
                    if owner is not None and owner != (dest.bucket, dest.endpoint_url, key):
                        skipped.append((key, str(path),
                                        BUSY.format(f"s3://{owner[0]}/{owner[2]}")))
                        continue
                    record = self.store.add_download(
                        target=path, account=dest.account, endpoint_url=dest.endpoint_url,
                        region=dest.region, profile=dest.profile, bucket=dest.bucket, key=key,
                        size=remote.size if remote is not None else 0,
                        range_size=range_size or self.config.part_size or 0,
                        version_id=version_id, object_settings=objects_json,
                        ca_bundle=dest.ca_bundle, verify_tls=dest.verify_tls)
                    if key in heads:       # before the task can start (_schedule, below)
                        self._offered_heads[record.id] = (self.clock.monotonic(), heads[key])
                    ids.append(self._queue(record, adopt=False, quiet=len(rows) > 1))
                    made.append(ids[-1])
        except StoreFull as error:      # the batch was rolled back: the new rows are nowhere
            self._announced = None
            for task_id in made:
                self._offered_heads.pop(task_id, None)     # its id may be another row's next
                if task_id in self._tasks:
                    self._forget(self._tasks[task_id])
            ids = [i for i in ids if i not in set(made)]
            self._on_store_full(error)
        announced, self._announced = self._announced, None
        if announced:
            log.info("queued %d downloads from s3://%s", len(announced), dest.bucket)
            self.tasks_added.emit(announced)
        self._schedule()
        return ids
