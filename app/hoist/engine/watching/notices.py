"""Change notices for a watched folder, from the operating system, through watchdog.

watchdog watches a whole tree: recursive inotify on Linux (one kernel watch a folder,
new subfolders added as they appear), FSEvents on macOS, ReadDirectoryChangesW on
Windows; and it says when the kernel's queue overflowed. Its thread only adds the
paths named to a set; the watch's timer takes them on the engine's thread. A lost
batch of notices (an overflow) asks for a rescan. When inotify has no watches left
(``fs.inotify.max_user_watches``), :meth:`ChangeNotices.start` says so and the
watch falls back to rescanning (engine/watching/folder.py).
"""

import errno
import logging
import threading

log = logging.getLogger("hoist.watch")

INOTIFY_LIMIT = "/proc/sys/fs/inotify/max_user_watches"


class WatchLimit(Exception):
    """The system allows no more change watches; the message says which limit and how to
    raise it."""


def inotify_limit() -> int | None:
    """fs.inotify.max_user_watches, or None where there is no such limit (not Linux)."""
    try:
        with open(INOTIFY_LIMIT) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def limit_message(folders: int | None = None) -> str:
    limit = inotify_limit()
    many = f" ({folders:,} folders)" if folders else ""
    if limit is None:
        return f"the system refused more change watches{many}"
    return (f"too many folders for inotify{many}: fs.inotify.max_user_watches is {limit:,}; "
            "raise it with `sudo sysctl fs.inotify.max_user_watches=524288`")


class ChangeNotices:
    """The paths the system said changed below ``root`` since the last ``take``."""

    def __init__(self, root: str, observer_factory=None):
        self.root = root
        self._observer_factory = observer_factory
        self._lock = threading.Lock()
        self._changed: set[str] = set()
        self._deleted: set[str] = set()
        self._lost = False
        self._observer = None

    def start(self) -> None:
        """Watch the tree; raises WatchLimit when the system has no watches left, OSError when
        the folder cannot be watched (gone, unreadable)."""
        from watchdog import events  # imported only where folders are watched
        notices = self

        class Handler(events.FileSystemEventHandler):
            def on_any_event(self, event):
                notices._on_event(event)

        if self._observer_factory is None:
            from watchdog.observers import Observer
            observer = Observer()
        else:
            observer = self._observer_factory()
        try:
            # not opened / closed-without-writing (every read of a file we send), nor a
            # folder's "modified" (every file made in it): notices we would only drop
            wanted = [events.FileCreatedEvent, events.FileModifiedEvent, events.FileMovedEvent,
                      events.FileDeletedEvent, events.FileClosedEvent, events.DirCreatedEvent,
                      events.DirMovedEvent, events.DirDeletedEvent, events.EventsLostEvent]
            observer.schedule(Handler(), self.root, recursive=True, event_filter=wanted)
            observer.start()
        except OSError as error:
            observer.stop()
            if error.errno in (errno.ENOSPC, errno.EMFILE):
                raise WatchLimit(limit_message()) from None
            raise
        self._observer = observer

    def stop(self) -> None:
        observer, self._observer = self._observer, None
        if observer is not None:
            observer.stop()
            observer.join(5)

    @property
    def running(self) -> bool:
        return self._observer is not None

    def take(self) -> tuple[set[str], set[str], bool]:
        """(changed or new paths, deleted paths, whether notices were lost) since last time."""
        with self._lock:
            taken = self._changed, self._deleted, self._lost
            self._changed, self._deleted, self._lost = set(), set(), False
        return taken

    def _on_event(self, event) -> None:
        """On watchdog's thread: note the paths, nothing more."""
        kind = event.event_type
        with self._lock:
            if kind == "events_lost":       # the kernel's queue overflowed: rescan
                self._lost = True
                return
            if event.is_directory:
                if kind in ("deleted", "moved") and event.src_path == self.root:
                    self._lost = True       # the folder itself went: the timer sees it
                return
            if kind in ("created", "modified", "closed", "attrib"):
                self._changed.add(event.src_path)
                self._deleted.discard(event.src_path)
            elif kind == "moved":
                self._deleted.add(event.src_path)
                self._changed.discard(event.src_path)
                if event.dest_path:         # renamed into or within the folder: a new file
                    self._changed.add(event.dest_path)
                    self._deleted.discard(event.dest_path)
            elif kind == "deleted":
                self._deleted.add(event.src_path)
                self._changed.discard(event.src_path)
