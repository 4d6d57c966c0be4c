"""EngineProxy: what the window holds instead of an UploadManager, whatever carries the calls.

The window, model, intake, tray and dialogs never touch the engine's objects: they
read a copy of the rows kept from the engine's signals (``tasks()``, ``task(id)``),
post commands that return at once (``pause``, ``resume_all``, ``set_limits``, …),
and wait only for the few answers they need (``add``, ``restore``,
``upload_owners``, ``is_idle``). Two transports carry this (docs/architecture.md):
:class:`hoist.engine.hosting.threaded.ThreadedManager`, the engine on a QThread of the
same process, and :class:`hoist.engine.hosting.process.ProcessManager`, the engine in a
worker process behind a socket. A subclass supplies ``_post(name, *args)``,
``_call(name, *args)``, ``add_sources_async`` and ``shutdown``, and feeds the
engine's signals to the ``_on_*`` slots below, in the order they were emitted.
"""

from dataclasses import replace

from PySide6.QtCore import QObject, Signal, Slot

from hoist.core.checkpoint.states import TaskState

# The Bucket pane's calls (engine/browsing.py): they wait on the network, so the window asks
# them from a pool thread, and the engine answers them off its own thread.
BROWSING = ("list_folder", "delete_objects", "restore_objects")

# Commands that need no answer: posted in order, the caller goes on at once.
POSTED = ("register_destination", "pause", "resume", "retry", "cancel", "remove", "pause_all",
          "resume_all", "forget_clients", "remove_finished", "remove_watch", "pause_watch")


class EngineProxy(QObject):
    """The engine's interface, for the thread this object lives on; see the module docstring."""

    task_added = Signal(object)
    tasks_added = Signal(object)       # [TaskInfo] (object: a list would be copied per item)
    task_removed = Signal(int)
    tasks_removed = Signal(object)     # [task id]
    task_state_changed = Signal(int, str)
    tasks_updated = Signal(object)
    task_finished = Signal(int, str)
    idle = Signal()
    store_full = Signal(str)
    watches_changed = Signal(object)   # [WatchInfo] (engine/watching/)

    def __init__(self, config, infos, parent=None):
        super().__init__(parent)
        self._stopped = False
        self._config = config      # as the engine has it, then as this side last set it
        self._full = None          # the engine's StoreFull, or None
        self._infos = {info.id: info for info in infos}
        self._watches = None       # [WatchInfo] as last said by the engine; None: not yet

    # -- reads: from the copy ---------------------------------------------------------
    def tasks(self):
        return list(self._infos.values())

    def task(self, task_id: int):
        info = self._infos.get(task_id)
        if info is None:           # just added; its task_added is still on the way here
            info = self._call("task", task_id)
        return info

    @property
    def config(self):
        return self._config

    @property
    def full(self):
        return self._full

    def upload_owners(self, bucket: str) -> dict[str, int]:
        return self._call("upload_owners", bucket)

    def is_idle(self) -> bool:
        return self._call("is_idle")

    # -- the Bucket pane's calls: blocking, asked from a pool thread -------------------
    def list_folder(self, destination, prefix: str, token: str | None = None):
        return self._ask_aside("list_folder", destination, prefix, token)

    def delete_objects(self, destination, keys):
        return self._ask_aside("delete_objects", destination, list(keys))

    def restore_objects(self, destination, keys, days: int, tier: str):
        return self._ask_aside("restore_objects", destination, list(keys), days, tier)

    def _ask(self, name: str, *args):
        """A blocking call from any thread, run on the engine's thread."""
        return self._call(name, *args)

    def _ask_aside(self, name: str, *args):
        """A blocking call from any thread that may run beside the engine's thread (it touches
        only the thread-safe clients): a transport may answer it off that thread."""
        return self._ask(name, *args)

    # -- watched folders -----------------------------------------------------------------
    def watches(self):
        """[WatchInfo] of the watched folders: the last the engine said, or asked now."""
        if self._watches is None:
            self._watches = self._call("watches")
        return list(self._watches)

    def save_watch(self, watch):
        """Add or change a watch; its WatchInfo, or WatchError saying what to change."""
        return self._call("save_watch", watch)

    # -- commands ---------------------------------------------------------------------
    def add(self, path, destination, key_prefix: str = "", adopt: bool = False,
            key: str | None = None, objects=None) -> list[int]:
        return self._call("add", path, destination, key_prefix, adopt=adopt, key=key,
                          objects=objects)

    def add_sources(self, sources, destination, adopt: bool = False, objects=None) -> list[int]:
        return self._call("add_sources", sources, destination, adopt, objects=objects)

    def add_downloads(self, destination, bucket: str, keys: list[str], target_dir: str,
                      version_id: str | None = None, force: bool = False,
                      existing: str = "skip", **options):
        """UploadManager.add_downloads (engine/download/adding.py): the ids queued, with what
        was refused or skipped (AddedDownloads). From any thread (the Bucket pane asks from a
        pool thread: a prefix is listed first), unless ``objects`` is given."""
        if set(options) <= {"range_size", "filters", "dry_run"}:      # in the engine's order
            return self._ask_aside("add_downloads", destination, bucket, list(keys), target_dir,
                                   version_id, force, existing, options.get("range_size"),
                                   tuple(options.get("filters", ())),
                                   options.get("dry_run", False))
        return self._call("add_downloads", destination, bucket, keys, target_dir,
                          version_id=version_id, force=force, existing=existing, **options)

    def restore(self):
        return self._keep_restored(self._call("restore", history=True))

    def _keep_restored(self, infos):
        for info in infos:
            self._infos.setdefault(info.id, info)
        return infos

    # The window reads its own changes back at once (the bandwidth label, the preferences):
    # the copy changes as the engine's will, and the engine follows when the call arrives.
    def set_limits(self, files_at_once: int, parts_per_file: int, parts_total: int,
                   bandwidth_limit: int) -> None:
        self._config = replace(self._config, files_at_once=files_at_once,
                               parts_per_file=parts_per_file, parts_total=parts_total,
                               bandwidth_limit=bandwidth_limit).clamped()
        self._post("set_limits", files_at_once, parts_per_file, parts_total, bandwidth_limit)

    def set_bandwidth_limit(self, bytes_per_second: int) -> None:
        self._config = replace(self._config, bandwidth_limit=max(0, bytes_per_second))
        self._post("set_bandwidth_limit", bytes_per_second)

    def set_config(self, config) -> None:
        self._config = replace(config.clamped(), files_at_once=config.files_at_once,
                               parts_per_file=config.parts_per_file,
                               parts_total=config.parts_total,
                               bandwidth_limit=config.bandwidth_limit).clamped()
        self._post("set_config", config)

    def __getattr__(self, name):
        if name in POSTED:
            return lambda *args: self._post(name, *args)
        raise AttributeError(name)

    # -- the engine's signals, in the order it emitted them ---------------------------
    @Slot(object)
    def _on_added(self, info) -> None:
        if info.id in self._infos:       # restored before this proxy existed: already shown
            return
        self._infos[info.id] = info
        self.task_added.emit(info)

    @Slot(object)
    def _on_added_many(self, infos: list) -> None:
        fresh = [info for info in infos if info.id not in self._infos]
        self._infos.update((info.id, info) for info in fresh)
        if fresh:
            self.tasks_added.emit(fresh)

    @Slot(int)
    def _on_removed(self, task_id: int) -> None:
        self._infos.pop(task_id, None)
        self.task_removed.emit(task_id)

    @Slot(object)
    def _on_removed_many(self, task_ids: list) -> None:
        for task_id in task_ids:
            self._infos.pop(task_id, None)
        self.tasks_removed.emit(task_ids)

    @Slot(int, str, object)
    def _on_state(self, task_id: int, state: str, fresh) -> None:
        """A state change with the row as it was when the engine emitted it."""
        if task_id in self._infos:
            if fresh is None or fresh.state is not TaskState(state):
                info = self._infos[task_id]       # gone or moved on since: keep what we know
                new = TaskState(state)
                fresh = replace(info, state=new, speed=info.speed if new.is_active else 0.0)
            self._infos[task_id] = fresh
        self.task_state_changed.emit(task_id, state)

    @Slot(object)
    def _on_updated(self, infos: list) -> None:
        for info in infos:
            if info.id in self._infos:
                self._infos[info.id] = info
        self.tasks_updated.emit(infos)

    @Slot(object)
    def _on_watches(self, infos: list) -> None:
        self._watches = list(infos)
        self.watches_changed.emit(infos)

    def _on_full(self, message: str, full) -> None:
        self._full = full
        self.store_full.emit(message)

    # -- the transport: see the subclasses --------------------------------------------
    def _post(self, name: str, *args) -> None:
        raise NotImplementedError

    def _call(self, name: str, *args, **kwargs):
        raise NotImplementedError
