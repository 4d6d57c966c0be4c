"""Intake: from dropped or chosen paths to queued tasks.

List the files (off the GUI thread), ask the engine which target keys already
exist and whether they hold these files unchanged (UploadManager.check_sources:
one listing of the folder's prefix a 1,000 keys, and Hoist's record of what it
sent), skip the unchanged ones silently, ask the user what to do with the keys
whose content differs (overwrite, skip, keep both), then hand every file to the
engine. The GUI thread never calls boto3 and never opens the store: the check
runs in the engine (its own process, in the app), asked from a QThreadPool job
that reports back through its own signals.
"""

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from hoist.core.checkpoint.longlived import pause_collector, resume_collector
from hoist.core.local.sources import InputError, expand_sources
from hoist.core.remote.unchanged import OVERWRITE, UNCHANGED

log = logging.getLogger("hoist.ui.intake")

CHUNK = 2000        # files per engine call: one store transaction, one list of new rows
CHUNKS_IN_FLIGHT = 2  # handed to the engine before the first is queued


@dataclass
class Batch:
    """One drop: its paths and destination, and what the checks found."""

    paths: list[str]
    destination: object               # hoist.core.remote.s3.Destination
    prefix: str
    files: dict[str, list] = field(default_factory=dict)   # path -> [(source, key, size)]
    errors: list[str] = field(default_factory=list)
    existing: list[str] = field(default_factory=list)      # keys on the server, different
    unchanged: set[str] = field(default_factory=set)       # keys holding their file already
    skip_keys: set[str] = field(default_factory=set)       # keys whose check we skip (queued)
    choices: dict[str, str] = field(default_factory=dict)  # key -> overwrite/skip/keep_both
    renamed: dict[str, str] = field(default_factory=dict)  # key -> the key to use instead
    objects: object = None            # hoist.core.remote.objects.ObjectSettings, or None


class _JobSignals(QObject):
    done = Signal(object)       # the Batch


class _Job(QRunnable):
    """Runs ``step(batch)`` on the pool and always reports back, even when the step raised."""

    def __init__(self, batch: Batch, step):
        super().__init__()
        self.batch, self._step = batch, step
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            self._step(self.batch)
        except Exception as error:  # noqa: BLE001 -- a failed check must not lose the drop
            log.warning("checking %s failed: %s", self.batch.paths, error)
        try:
            self.signals.done.emit(self.batch)
        except RuntimeError:        # the window closed while we were checking: nobody to tell
            log.info("intake of %s dropped: the window closed", self.batch.paths)


class Intake(QObject):
    """Turns paths into tasks for one destination; ``ask`` decides about existing objects."""

    # ids of new tasks, ids that were already in the queue. (object, not list: PySide copies
    # a list element by element, 37 ms for a drop of 100,000 files.)
    added = Signal(object, object)
    problem = Signal(str)          # a refusal to show the user (missing path, unreadable folder)
    checking = Signal(str)         # what is being checked, for the status bar ("" when done)
    unchanged = Signal(int)        # files of a drop left out: on the server as they are here

    def __init__(self, manager, clients, model, ask, parent=None):
        super().__init__(parent)
        self.manager, self.clients, self.model = manager, clients, model
        self.ask = ask             # ask(key, remaining) -> (choice, apply_to_all)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self._jobs: set[_Job] = set()
        self._adding = 0            # drops whose files are still going to the engine

    def busy(self) -> bool:
        return bool(self._jobs) or self._adding > 0

    def warm_up(self, destination) -> None:
        """Build the account's S3 client ahead of the first drop (loading botocore's model
        takes a second or more), so the first rows appear promptly."""
        def build(_batch):
            self.clients.client_for(destination)
        self.pool.start(_Job(Batch([], destination, ""), build))

    def submit(self, paths, destination, prefix: str = "", objects=None) -> None:
        """Start the intake of ``paths``; rows appear when the existence check is done.
        ``objects``: what the objects look like (the account's defaults)."""
        batch = Batch([str(p) for p in paths], destination, prefix, objects=objects)
        batch.skip_keys = {i.key for i in self.model.infos()
                           if i.bucket == destination.bucket and not i.state.is_terminal}
        self.checking.emit(f"Checking {len(batch.paths)} item(s) at s3://{destination.bucket}…")
        pause_collector()       # until its files are queued (core/checkpoint/longlived.py)
        self._start(batch, self._list_and_check, self._on_checked)

    def _start(self, batch, step, then) -> None:
        job = _Job(batch, step)
        job.signals.done.connect(lambda b, j=job: (self._jobs.discard(j), then(b)))
        self._jobs.add(job)
        self.pool.start(job)

    # -- pool steps -------------------------------------------------------------------
    def _list_and_check(self, batch: Batch) -> None:
        started = time.monotonic()
        for path in batch.paths:
            try:
                batch.files[path] = expand_sources(Path(path), batch.prefix)
            except InputError as error:
                batch.errors.append(str(error))
        sources = [file for files in batch.files.values() for file in files
                   if file[1] not in batch.skip_keys]
        listed = time.monotonic()
        if sources:
            found = self.manager.check_sources(sources, batch.destination)
            batch.unchanged = {key for key, verdict in found.items() if verdict == UNCHANGED}
            batch.existing = sorted(key for key, verdict in found.items() if verdict == OVERWRITE)
        log.info("drop of %s: %d files listed in %.2f s; %d on the server unchanged, %d "
                 "different (checked in %.2f s)", ", ".join(batch.paths)[:200], len(sources),
                 listed - started, len(batch.unchanged), len(batch.existing),
                 time.monotonic() - listed)

    def _rename(self, batch: Batch) -> None:
        from hoist.core.remote.naming import keep_both_key
        bucket = self.clients.bucket(batch.destination)
        taken = {key for files in batch.files.values() for _s, key, _n in files} | batch.skip_keys

        def exists(key):
            return key in taken or bucket.head(key) is not None
        for key, choice in batch.choices.items():
            if choice == "keep_both":
                new = keep_both_key(key, exists)
                taken.add(new)
                batch.renamed[key] = new

    # -- back on the GUI thread ---------------------------------------------------------
    def _on_checked(self, batch: Batch) -> None:
        for error in batch.errors:
            self.problem.emit(error)
        choice = None
        for n, key in enumerate(batch.existing):
            if choice is None:
                answer, apply_to_all = self.ask(key, len(batch.existing) - n - 1)
                if apply_to_all:
                    choice = answer
            batch.choices[key] = choice or answer
        if any(c == "keep_both" for c in batch.choices.values()):
            self.checking.emit("Finding free names…")
            self._start(batch, self._rename, self._add)
        else:
            self._add(batch)

    def _add(self, batch: Batch) -> None:
        """Hand the files to the engine in chunks; each chunk's rows appear as it is queued,
        and the window keeps answering between chunks (a drop can be 100,000 files)."""
        if batch.choices or batch.unchanged:    # some keys exist: left out, renamed or not
            sources = [(source, batch.renamed.get(key, key), size)
                       for path in batch.paths for source, key, size in batch.files.get(path, ())
                       if batch.choices.get(key) != "skip" and key not in batch.unchanged]
        else:                           # as listed (a 100,000-file drop: 3 ms, not 30)
            sources = [file for path in batch.paths for file in batch.files.get(path, ())]
        batch.files = {}                # each file is kept in ``sources`` until it is sent
        before = {i.id for i in self.model.infos()}
        ids: list[int] = []
        total, started = len(sources), time.monotonic()
        in_flight = [0]                 # chunks handed over and not yet queued
        self._adding += 1               # busy() until the last chunk is queued

        def send_chunks():
            # Two at once: the engine queues the next chunk while this thread shows the rows
            # of the last one (with the engine in its own process, on the other core).
            while sources and in_flight[0] < CHUNKS_IN_FLIGHT:
                chunk = sources[:CHUNK]
                del sources[:CHUNK]
                in_flight[0] += 1
                # more: the engine starts these files' uploads once the last chunk is in
                self.manager.add_sources_async(chunk, batch.destination, chunk_queued,
                                               more=bool(sources), objects=batch.objects)

        def chunk_queued(queued):
            in_flight[0] -= 1
            ids.extend(queued)          # the engine answers in the order it was asked
            if sources or in_flight[0]:
                self.checking.emit(f"Queued {len(ids):,} of {total:,} files…")
                send_chunks()
            else:
                finish()

        def finish():
            self._adding -= 1
            resume_collector()
            log.info("drop: %d files queued in %.2f s", total, time.monotonic() - started)
            self.checking.emit("")
            unique = list(dict.fromkeys(ids))
            self.added.emit([i for i in unique if i not in before],
                            [i for i in unique if i in before])
            if batch.unchanged:
                self.unchanged.emit(len(batch.unchanged))
        send_chunks()
        if not in_flight[0]:            # nothing to queue (every file skipped)
            finish()
