"""FolderWatch: one watched folder, on the engine's thread, feeding the manager's queue.

Notices (notices.py) and rescans (scanning.py) say which files changed; the
settler (settling.py) lets a file through only once it has stayed still for the
settle time; ready files go to ``UploadManager.add_sources`` in batches, which
makes no second task for a key that one is sending already. A timer ticks a few
times a settle time (at most once a second): it takes the notices, lets settled
files through, checks that the folder is still there (and still the same disk)
and says the watch's state. A folder that disappears stops the watch and deletes
nothing; when it comes back, a rescan catches up what changed meanwhile.
"""

import logging
import os
import threading
import time
from collections import deque
from dataclasses import dataclass, replace

from PySide6.QtCore import QObject, QTimer, Signal

from hoist.core.checkpoint.watches import Watch, default_rules
from hoist.core.local.filters import Filters, relative_path
from hoist.core.remote.errors import S3Error
from hoist.engine.watching.notices import ChangeNotices, WatchLimit, inotify_limit, limit_message
from hoist.engine.watching.scanning import scan
from hoist.engine.watching.settling import Settler

log = logging.getLogger("hoist.watch")

BATCH = 1_000            # files a call of add_sources: half a drop's chunk, for the window
RESCAN_SHARE = 0.005     # the safety net's rescans may take half a percent of a core
WATCHING, SETTLING, CATCHING_UP, PAUSED, MISSING = (
    "watching", "settling", "catching up", "paused", "folder missing")


def rescan_bounds() -> tuple[float, float]:
    """Seconds between rescans at least and at most ($HOIST_WATCH_RESCAN_MIN for tests)."""
    low = float(os.environ.get("HOIST_WATCH_RESCAN_MIN", "60"))
    return low, max(low, 3600.0)


@dataclass(frozen=True)
class WatchInfo:
    """What the window and `hoist watch` show of a watch: its state in words and numbers."""

    watch: Watch
    state: str              # WATCHING, SETTLING, CATCHING_UP, PAUSED, MISSING
    text: str               # the state for people: "settling 3", "folder missing: /mnt/x"…
    settling: int = 0
    catching_up: int = 0
    problem: str = ""       # e.g. too many folders for inotify, and the rescans instead


class FolderWatch(QObject):
    """One running watch; see the module docstring. ``changed`` says its info changed."""

    changed = Signal()
    _scanned = Signal(object, object)      # (generation, Scan) from the scan's thread

    def __init__(self, watch: Watch, manager, parent=None, observer_factory=None):
        super().__init__(parent)
        self.watch = watch
        self.manager = manager
        self.root = os.path.abspath(watch.folder)
        self.rules = Filters(default_rules() + [tuple(rule) for rule in watch.rules])
        self.settler = Settler(watch.settle)
        self._observer_factory = observer_factory
        self.notices: ChangeNotices | None = None
        self.problem = ""
        self._mount_point = False       # it was one: no longer one means unmounted
        self._missing = False
        self._scanning = False
        self._generation = 0            # a scan of an earlier start is ignored
        self._rescan_every, _ = rescan_bounds()
        self._to_queue: deque = deque()         # (path, key, size), ready to go
        self._deletes: dict[str, float] = {}    # path -> when it went (with --delete)
        self._info: WatchInfo | None = None
        self._scanned.connect(self._on_scanned)
        self._tick_timer = QTimer(self)
        self._tick_timer.setInterval(int(1000 * min(1.0, max(0.05, watch.settle / 4))))
        self._tick_timer.timeout.connect(self._tick)
        self._rescan_timer = QTimer(self)
        self._rescan_timer.setSingleShot(True)
        self._rescan_timer.timeout.connect(self._rescan)

    # -- the front door ---------------------------------------------------------------
    def start(self) -> None:
        """Begin (or resume) watching: change notices first, then a scan to catch up."""
        self._tick_timer.start()
        if self.watch.paused:
            self._report()
            return
        if not os.path.isdir(self.root):
            self._gone()
            return
        self._mount_point = self._mount_point or os.path.ismount(self.root)
        self._missing = False
        self._generation += 1
        if self.notices is None:
            notices = ChangeNotices(self.root, self._observer_factory)
            try:
                notices.start()
                self.notices = notices
                self.problem = ""
            except WatchLimit as limit:
                self.problem = str(limit)
                log.warning("watch %s: %s; rescanning instead", self.root, limit)
            except OSError as error:
                log.warning("watch %s: cannot watch (%s)", self.root, error.strerror)
                self._gone()
                return
        self._rescan()

    def stop(self) -> None:
        self._tick_timer.stop()
        self._rescan_timer.stop()
        self._generation += 1
        if self.notices is not None:
            self.notices.stop()
            self.notices = None

    def set_paused(self, paused: bool) -> None:
        self.watch = replace(self.watch, paused=paused)
        if paused:
            self.stop()
            self.settler.clear()
            self._to_queue.clear()
            self._tick_timer.start()       # to say "paused"
            self._report()
        else:
            self.start()

    def owns(self, path: str) -> bool:
        return path.startswith(self.root.rstrip(os.sep) + os.sep)

    def renote(self, path: str) -> None:
        """The file changed during its upload: it goes again once it is still (not counted
        among the restarts of a file given once)."""
        try:
            st = os.stat(path)
        except OSError:
            return
        self.settler.note(path, st.st_size, st.st_mtime_ns)

    def uploaded(self, key: str) -> None:
        self.watch = replace(self.watch, last_upload=key, last_upload_at=time.time())
        self._info = None           # said on the next tick
        self._report()

    def info(self) -> WatchInfo:
        return self._info or self._make_info()

    # -- the tick ---------------------------------------------------------------------
    def _tick(self) -> None:
        if self.watch.paused:
            self._report()
            return
        if not self._folder_here():
            if not self._missing:
                self._gone()
            self._report()
            return
        if self._missing:                       # it came back: watch again and catch up
            log.info("watch %s: the folder is back; catching up", self.root)
            self._missing = False
            self.start()
        if self.notices is not None:
            changed, deleted, lost = self.notices.take()
            for path in changed:
                self._noticed(path)
            if self.watch.delete:
                now = time.monotonic()
                for path in deleted:
                    if self.rules.included(relative_path(path, self.root)):
                        self._deletes.setdefault(path, now)
            if lost and not self._scanning:
                log.warning("watch %s: change notices were lost; rescanning", self.root)
                self._rescan()
        for path, size in self.settler.due():
            self._to_queue.append((path, self._key(path), size))
        if self._deletes:
            self._delete_settled()
        self._feed()
        self._report()

    def _noticed(self, path: str) -> None:
        if not self.owns(path) or not self.rules.included(relative_path(path, self.root)):
            return
        self._deletes.pop(path, None)
        try:
            st = os.stat(path)
        except OSError:
            self.settler.forget(path)
            return
        if os.path.isfile(path):
            self.settler.note(path, st.st_size, st.st_mtime_ns)

    def _key(self, path: str) -> str:
        return self.watch.key_prefix + relative_path(path, self.root)

    def _folder_here(self) -> bool:
        # an unmounted drive leaves its mount point behind, an empty folder on another disk
        return os.path.isdir(self.root) and (not self._mount_point or os.path.ismount(self.root))

    def _gone(self) -> None:
        """The folder is missing (or unmounted): stop, delete nothing, wait for it."""
        if not self._missing:
            log.warning("watch %s: the folder is missing; waiting for it to come back", self.root)
        self._missing = True
        self._generation += 1
        if self.notices is not None:
            self.notices.stop()
            self.notices = None
        self._rescan_timer.stop()
        self.settler.clear()
        self._to_queue.clear()
        self._deletes.clear()
        self._scanning = False
        self._tick_timer.start()
        self._report()

    # -- sending ----------------------------------------------------------------------
    def _feed(self) -> None:
        """One batch to the manager; the next one from the event loop."""
        if not self._to_queue:
            return
        batch = [self._to_queue.popleft() for _ in range(min(BATCH, len(self._to_queue)))]
        destination = self._destination()
        # a file due again exactly as it was last sent costs nothing (the skip-unchanged rule)
        sent = self.manager.store.sent_files(destination.endpoint_url, destination.bucket,
                                             [key for _path, key, _size in batch])
        sending = []
        for path, key, size in batch:
            record = sent.get((key, path))
            if record is not None:
                try:
                    st = os.stat(path)
                except OSError:
                    continue
                if (st.st_size, st.st_mtime_ns) == (record.fingerprint.size,
                                                    record.fingerprint.mtime_ns):
                    continue
            sending.append((path, key, size))
        if sending:
            self.manager.add_sources(sending, destination, more=bool(self._to_queue))
        if self._to_queue:
            QTimer.singleShot(0, self, self._feed)

    def _destination(self):
        known = self.manager._destinations.get(self.watch.account)
        if known is None:
            return self.watch.destination
        return replace(known, bucket=self.watch.bucket)

    # -- rescans ----------------------------------------------------------------------
    def _rescan(self) -> None:
        if self._scanning or self._missing or self.watch.paused:
            return
        self._scanning = True
        generation = self._generation
        store, watch, root, rules = self.manager.store, self.watch, self.root, self.rules

        def run():
            try:
                result = scan(watch, root, rules, store)
            except Exception:           # a store closed under it at shutdown, say
                log.exception("watch %s: rescan failed", root)
                result = None
            self._scanned.emit(generation, result)

        self._report()
        threading.Thread(target=run, name="hoist-watch-scan", daemon=True).start()

    def _on_scanned(self, generation: int, result) -> None:
        if generation != self._generation:
            return
        self._scanning = False
        if result is None or self._missing or self.watch.paused:
            return
        low, high = rescan_bounds()
        self._rescan_every = min(high, max(low, result.cpu_seconds / RESCAN_SHARE))
        limit = inotify_limit()
        if self.notices is not None and limit is not None and result.folders > limit:
            self.problem = limit_message(result.folders)     # its later folders go unwatched
        elif self.problem:
            self.problem = limit_message(result.folders)
        settle_ns = self.watch.settle * 1e9
        now_ns = time.time_ns()
        for path, key, size, mtime_ns in result.changed:
            if now_ns - mtime_ns >= settle_ns and path not in self.settler:
                self._to_queue.append((path, key, size))      # still since before the scan
            else:
                self.settler.note(path, size, mtime_ns)
        if result.changed:
            log.info("watch %s: %d file(s) to catch up (%d files, %d folders)", self.root,
                     len(result.changed), result.files, result.folders)
        if self.watch.delete and result.gone and self._folder_here():
            self._delete(result.gone)
        self._rescan_timer.start(int(self._rescan_every * 1000))
        self._feed()
        self._report()

    # -- --delete ---------------------------------------------------------------------
    def _delete_settled(self) -> None:
        """Files deleted here a settle time ago (not a folder being removed or unmounted)."""
        now = time.monotonic()
        due = [p for p, since in self._deletes.items() if now - since >= self.watch.settle]
        if not due or not self._folder_here():
            return
        for path in due:
            del self._deletes[path]
        self._delete([(self._key(p), p) for p in due if not os.path.lexists(p)])

    def _delete(self, gone) -> None:
        """Delete on the server the objects Hoist sent from files deleted here (a thread)."""
        if not gone:
            return
        destination = self._destination()
        store, clients, root = self.manager.store, self.manager.clients, self.root

        def run():
            sent = store.sent_files(destination.endpoint_url, destination.bucket,
                                    [key for key, _path in gone])
            bucket = clients.bucket(destination)
            for key, path in gone:
                if (key, path) not in sent:        # not sent from here: not ours to delete
                    continue
                try:
                    bucket.delete(key)
                    store.forget_sent(destination.endpoint_url, destination.bucket, key)
                    log.info("watch %s: %s was deleted here; deleted s3://%s/%s (--delete)",
                             root, path, destination.bucket, key)
                except (S3Error, Exception) as error:
                    log.warning("watch %s: could not delete s3://%s/%s: %s", root,
                                destination.bucket, key, error)

        threading.Thread(target=run, name="hoist-watch-delete", daemon=True).start()

    # -- what it says -----------------------------------------------------------------
    def _make_info(self) -> WatchInfo:
        settling, catching = len(self.settler), len(self._to_queue)
        if self.watch.paused:
            state, text = PAUSED, "paused"
        elif self._missing:
            state, text = MISSING, f"folder missing: {self.root}"
        elif self._scanning or catching:
            state = CATCHING_UP
            text = f"catching up {catching}" if catching else "catching up…"
        elif settling:
            state, text = SETTLING, f"settling {settling}"
        elif self.problem and self.notices is None:
            state, text = WATCHING, f"{self.problem}: rescanning every {self._rescan_every:.0f} s"
        else:
            state, text = WATCHING, "watching"
        return WatchInfo(self.watch, state, text, settling, catching, self.problem)

    def _report(self) -> None:
        info = self._make_info()
        if info != self._info:
            self._info = info
            self.changed.emit()
