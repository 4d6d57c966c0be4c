"""How tasks come into the engine: restored from the store, or added from files.

A mixin of :class:`~hoist.engine.manager.UploadManager` (which owns the state it
uses: ``_tasks``, the store, the signals), split out to keep the manager about
scheduling. ``add_sources`` is the path of a big drop: one transaction and one
``tasks_added`` list per chunk of files (ui/intake.py sends 2,000 at a time).
"""

import logging
import time
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QTimer

from hoist.core.checkpoint.history import DAY
from hoist.core.checkpoint.states import TaskState
from hoist.core.checkpoint.store import DISK_FULL, StoreFull, TaskRecord
from hoist.core.local.sources import InputError, expand_sources
from hoist.core.policy.network import CredentialHealth, EndpointHealth
from hoist.core.remote.content_types import guess_content_type
from hoist.core.remote.existing import existing_objects
from hoist.core.remote.objects import ObjectSettings
from hoist.core.remote.s3 import Destination
from hoist.core.remote.unchanged import UNCHANGED, verdicts
from hoist.engine.info import TaskInfo
from hoist.engine.transfer import TransferTask
from hoist.engine.upload.task import UploadTask

log = logging.getLogger("hoist.manager")

RESTORE_CHUNK = 10_000     # rows per list from restoring(): sent while the next is made

ACTIVE = (TaskState.PREPARING, TaskState.UPLOADING, TaskState.COMPLETING)


class TaskIntake:
    """Mixin for UploadManager: restore, add, add_sources and the making of tasks."""

    def restore(self, history: bool = False) -> list[TaskInfo]:
        """Load every unfinished task from the store: paused, or queued with auto-resume;
        with ``history`` (the window), completed ones too, as long as the config keeps them.
        Returns their rows (the caller shows them: there is no ``task_added`` for each)."""
        return [info for rows in self.restoring(history=history) for info in rows]

    def restoring(self, chunk: int = RESTORE_CHUNK, history: bool = False):
        """``restore()``, its rows yielded ``chunk`` at a time as they are made: the engine's
        process sends each list to the window while it makes the next (engine/hosting/worker.py)."""
        unfinished = (TaskState.QUEUED, TaskState.PAUSED, TaskState.FAILED)
        if history:
            unfinished += (TaskState.COMPLETED,)
            self._forget_old_history()
        try:
            recovered = self.store.recover_interrupted()
        except StoreFull as error:
            # The store keeps what it had; what was under way is paused here, in memory only.
            full, recovered = error, 0
            unfinished += ACTIVE
        else:
            full = None
        if recovered:
            log.info("restored %d interrupted tasks as paused", recovered)
        if self.config.auto_resume and not full:
            try:            # every paused row queued in one statement, before they are read
                log.info("resuming %d paused tasks (auto-resume)", self.store.queue_paused())
            except StoreFull as error:
                full = error            # they stay paused, as the store has them
        infos = []
        # Rows that will only wait are read as far as their rows need (ListedTask); the
        # whole record of a task is read when it starts. Rows changed here need it now.
        listed = self.store.tasks if full else self.store.listed
        with self._writes():
            for record in listed(unfinished):
                if record.id in self._tasks:
                    continue
                if full and (record.state in ACTIVE or record.state is TaskState.QUEUED):
                    record = replace(record, state=TaskState.PAUSED, message=DISK_FULL)
                if record.state in ACTIVE:
                    infos.append(self._announce(self._new_task(record)))
                    continue
                # Paused, failed, waiting or done: only a record until it is needed (table.py).
                # Its row is in restore's answer, not in a task_added of its own.
                self._tasks.rest(record)
                if record.state is TaskState.QUEUED:
                    self._queued.add(record.id, self._is_small(record))
                infos.append(self._rest_info(record))
                if len(infos) >= chunk:
                    yield infos
                    infos = []
        if full:
            self._on_store_full(full)
        self._schedule()
        yield infos

    def check_sources(self, sources, destination: Destination,
                      checksum: bool = False) -> dict[str, str]:
        """Which of ``sources`` (path, key, size) are on the server already: key -> UNCHANGED
        or OVERWRITE for each key that exists (core/remote/unchanged.py). Blocking (one
        listing a 1,000 keys, and a read of each file found there); safe on any thread:
        it reads only the store (which locks) and the clients (thread-safe)."""
        sources = list(sources)
        if not sources:
            return {}
        bucket = self.clients.bucket(destination)
        remote = existing_objects(bucket, [key for _path, key, _size in sources])
        sent = (self.store.sent_files(destination.endpoint_url, destination.bucket, remote)
                if remote and not checksum else {})
        found = verdicts(sources, remote, sent, checksum, bucket)
        unchanged = sum(1 for verdict in found.values() if verdict == UNCHANGED)
        log.info("checked %d files at s3://%s: %d there, %d of them unchanged%s", len(sources),
                 destination.bucket, len(found), unchanged, " (by content)" if checksum else "")
        return found

    def _forget_old_history(self) -> None:
        """Completed rows older than the history's age are deleted before they are read."""
        if self.config.history_days:
            try:
                forgotten = self.store.forget_completed(time.time() - self.config.history_days * DAY)
            except StoreFull:              # kept, and shown, until there is room
                return
            if forgotten:
                log.info("forgot %d completed uploads older than %d days", forgotten,
                         self.config.history_days)

    def add(self, path, destination: Destination, key_prefix: str = "",
            adopt: bool = False, key: str | None = None,
            objects: ObjectSettings | None = None) -> list[int]:
        """Queue a file, or every file below a directory; returns the task ids.

        ``key`` replaces the computed key of a single file (the window's "keep
        both" gives the copy a free name). With ``adopt``, a matching incomplete upload of the same key found on the
        server is continued instead of starting another (see UploadTask._adopt).
        Raises InputError for a path that cannot be uploaded. A file already
        queued to the same key is the same task: its id is returned, and it
        is resumed if it was paused or failed (with the settings it was made with).
        ``objects``: what the objects look like (default: Hoist's defaults).
        """
        sources = expand_sources(Path(path), key_prefix)
        if key is not None:                   # a single file under a name of the caller's
            if len(sources) != 1 or Path(path).is_dir():
                raise InputError(f"{path}: a key can be given for a single file only.")
            sources = [(sources[0][0], key, sources[0][2])]
        return self.add_sources(sources, destination, adopt, objects=objects)

    def add_sources(self, sources, destination: Destination, adopt: bool = False,
                    more: bool = False, objects: ObjectSettings | None = None) -> list[int]:
        """Queue files already listed as (path, key, size), in one store transaction (a path
        may be text or a Path).

        The new rows go out as one ``tasks_added`` list, not a signal per file: the
        window takes a 100,000-file drop in chunks through here (ui/intake.py). ``more``
        says another chunk of the same drop follows at once: no new file starts until it
        is in (or until none has come for INTAKE_HOLD_MS). The first files' uploads would
        otherwise take the CPU the queueing needs: 100,000 files queued in 1.9 s, not 3.
        Uploads already running go on meanwhile. ``objects`` are fixed in each new row
        now, its Content-Type guessed from its name: a resume never reads them again.
        """
        objects = objects or ObjectSettings()
        self._destinations.setdefault(destination.account, destination)
        ids: list[int] = []
        made: list[int] = []              # new rows: there is no other copy if the batch fails
        self._clear_full()
        self._announced = []
        try:
            with self.store.batch():            # a folder of thousands of files: one commit
                # one query for the whole batch: which of these files are queued already?
                live = self.store.find_live_tasks(destination.bucket, [k for _s, k, _n in sources])
                found = [live.get((str(source), destination.endpoint_url, key))
                         for source, key, _size in sources]
                # and one statement for the files that are new
                new = iter(self.store.add_tasks(
                    _with_objects([f for f, known in zip(sources, found) if known is None],
                                  objects),
                    account=destination.account, endpoint_url=destination.endpoint_url,
                    region=destination.region, profile=destination.profile,
                    bucket=destination.bucket, part_size=self.config.part_size or 0,
                    checksum_algorithm=objects.checksum_algorithm
                    or self.config.checksum_algorithm,
                    ca_bundle=destination.ca_bundle, verify_tls=destination.verify_tls))
                for (source, key, size), known in zip(sources, found):
                    if known is not None:
                        ids.append(self._take_up(known))
                    else:
                        ids.append(self._queue(next(new), adopt, quiet=len(sources) > 1))
                        made.append(ids[-1])
        except StoreFull as error:
            # The batch was rolled back: the new rows exist nowhere but here. Take them away.
            self._announced = None
            for task_id in made:
                if task_id in self._tasks:
                    self._forget(self._tasks[task_id])
            made = set(made)
            ids = [i for i in ids if i not in made]
            self._on_store_full(error)
        announced, self._announced = self._announced, None
        if len(announced or ()) > 1:
            log.info("tasks %s–%s: queued %d files → s3://%s/%s … %s", announced[0].id,
                     announced[-1].id, len(announced), destination.bucket, announced[0].key,
                     announced[-1].key)
        if announced:
            self.tasks_added.emit(announced)
        if more:
            self._intake.start()            # restarted by each chunk
        else:
            self._intake.stop()
        self._schedule()
        return ids

    def add_sources_async(self, sources, destination: Destination, done,
                          more: bool = False, objects: ObjectSettings | None = None) -> None:
        """add_sources, with ``done(ids)`` called from the event loop: the caller's loop turns
        between chunks, as with ThreadedManager's, so a window stays answerable."""
        ids = self.add_sources(sources, destination, more=more, objects=objects)
        QTimer.singleShot(0, self, lambda: done(ids))

    def _take_up(self, live) -> int:
        """A file already queued to the same key is the same task: resumed, not twinned."""
        if live.id not in self._tasks:
            if live.state in ACTIVE:
                # under way in a process that died (this one holds the store's lock):
                # it is paused, as start-up's restore would have made it
                live = replace(live, state=TaskState.PAUSED)
            self._announce(self._new_task(live), batched=False)     # resumed just below
        resting = self._tasks.at_rest(live.id)
        if resting is None or resting.state is not TaskState.QUEUED:   # waiting: left to wait
            self._resume(self._tasks[live.id])
        return live.id

    def _queue(self, record, adopt: bool, quiet: bool = False) -> int:
        """A new task for a row just added to the store."""
        self._new_ids.add(record.id)        # it has no statistics to read when it settles
        # one line per file, but a batch of files is summed up in one (add_sources), ``quiet``:
        # 100,000 log lines would cost more than queueing them
        log.log(logging.DEBUG if quiet else logging.INFO,
                "task %s: queued %s → s3://%s/%s (%d bytes)",
                record.id, record.source_path, record.bucket, record.key, record.size)
        if adopt:                       # adopting is the task's own first step: made now
            task = self._new_task(record)
            task.adopt = True
            self._announce(task)
            return record.id
        # Waiting behind the caps, like a restored row: a record until it starts (table.py)
        self._tasks.rest(record)
        self._queued.add(record.id, self._is_small(record))
        self._announce_row(self._rest_info(record))
        return record.id

    def _announce(self, task: TransferTask, batched: bool = True) -> TaskInfo:
        """Tell the UI about a new row; ticks then send only what changes after this.

        Inside add_sources the row waits for the batch's list, unless ``batched`` is
        False: a row whose state changes at once must be known before that change.
        """
        info = self._info(task)
        task.dirty = False
        self._announce_row(info, batched)
        return info

    def _announce_row(self, info: TaskInfo, batched: bool = True) -> None:
        if batched and self._announced is not None:
            self._announced.append(info)
        else:
            self.task_added.emit(info)

    def _new_task(self, record) -> TransferTask:
        task = self._tasks[record.id] = self._make_task(record)
        self._reindex(task)
        return task

    def _make_task(self, record) -> TransferTask:
        """The task of ``record``, in its state: for a new row, or one woken from rest; an
        upload or a download as the record's direction says."""
        if not isinstance(record, TaskRecord):        # a ListedTask: the store has the rest
            record = self.store.get_task(record.id)
        bucket = self._bucket_for(record)
        if record.direction == "download":
            # imported on first use: a run that only uploads never loads the download side
            from hoist.engine.download.task import DownloadTask as kind
        else:
            kind = UploadTask
        task = kind(record, bucket, self.store, self.config, self.policy, self.limiter,
                    self.clock, self._health_of(record.endpoint_url),
                    self._credentials_of(bucket.dest))
        offered = self._offered_heads.pop(record.id, None)
        if offered is not None and record.direction == "download":
            task.offered_head = offered
        return task

    def _bucket_for(self, record):
        """The Bucket of a task's account and bucket: one object shared by all their tasks.

        The account as registered now wins (a CA bundle corrected under Accounts applies on
        Retry); without one (`hoist resume`), the task's checkpoint says how to reach it."""
        template = self._destinations.get(record.account)
        ident = (record.account, record.bucket, template, record.endpoint_url, record.region,
                 record.profile, record.ca_bundle, record.verify_tls)
        bucket = self._buckets.get(ident)
        if bucket is None:
            destination = (replace(template, bucket=record.bucket) if template else Destination(
                bucket=record.bucket, endpoint_url=record.endpoint_url, region=record.region,
                profile=record.profile, account=record.account, ca_bundle=record.ca_bundle,
                verify_tls=bool(record.verify_tls)))
            bucket = self._buckets[ident] = self.clients.bucket(destination)
        return bucket

    def _health_of(self, endpoint_url: str | None) -> EndpointHealth:
        health = self._health.get(endpoint_url)
        if health is None:
            health = self._health[endpoint_url] = EndpointHealth(self.policy, self.clock)
        return health

    def _credentials_of(self, dest: Destination) -> CredentialHealth:
        """One credentials state for every bucket reached with the same credentials."""
        ident = replace(dest, bucket="")
        state = self._credentials.get(ident)
        if state is None:
            state = self._credentials[ident] = CredentialHealth(self.policy, self.clock)
        return state

def _with_objects(files, objects: ObjectSettings) -> list[tuple]:
    """(path, key, size, settings' JSON) of each file: one JSON text per Content-Type, not
    per file (a 100,000-file drop; the store shares equal texts as one string)."""
    guess = objects.guess_mime_type and not objects.content_type
    made: dict[str, str] = {}
    rows = []
    for path, key, size in files:
        content_type = guess_content_type(str(path)) if guess else objects.content_type
        text = made.get(content_type)
        if text is None:
            text = made[content_type] = objects.for_file(str(path)).to_json()
        rows.append((path, key, size, text))
    return rows
