"""ThreadedManager: the window's front door to an UploadManager that runs on its own thread.

The engine's scheduling, job hand-offs, SQLite commits and progress ticks then
happen off the GUI thread (docs/architecture.md, option A). The proxy has the
interface the window, model, intake and tray use: commands are posted to the
engine's thread; the engine's signals are re-emitted here, on the thread the
proxy lives on; and reads (``tasks()``, ``task(id)``) come from a copy kept up
to date from those same signals, so the UI never touches the engine's state.
The few rare reads the copy cannot answer (``upload_owners``, ``is_idle``) and
the calls whose result the caller needs (``add``, ``restore``) wait for the
engine's thread; each is one short slot there.
"""

import logging
from dataclasses import replace

from PySide6.QtCore import QCoreApplication, QObject, Qt, QThread, Signal, Slot

from hoist.core.states import TaskState

log = logging.getLogger("hoist.engine.threaded")

# Commands that need no answer: posted in order, the caller goes on at once.
POSTED = ("register_destination", "pause", "resume", "retry", "cancel", "remove", "pause_all",
          "resume_all")


class _Invoker(QObject):
    """Runs callables on the thread it lives on: posted, or with the caller waiting."""

    post = Signal(object)
    send = Signal(object)

    def __init__(self):
        super().__init__()
        self.post.connect(self._run, Qt.QueuedConnection)
        self.send.connect(self._run, Qt.BlockingQueuedConnection)

    @Slot(object)
    def _run(self, call) -> None:
        call()


class ThreadedManager(QObject):
    """Runs ``engine`` (an UploadManager) on a QThread of its own; see the module docstring."""

    task_added = Signal(object)
    tasks_added = Signal(list)
    task_removed = Signal(int)
    task_state_changed = Signal(int, str)
    tasks_updated = Signal(list)
    task_finished = Signal(int, str)
    idle = Signal()
    store_full = Signal(str)
    _state_info = Signal(int, str, object)     # engine thread -> here: a state and a fresh row
    _answer = Signal(object, object)           # engine thread -> here: a callback and its result

    def __init__(self, engine, tasks=None, parent=None):
        super().__init__(parent)
        self.engine = engine
        self._stopped = False
        self._config = engine.config     # as the engine has it, then as this side last set it
        # The copy starts from what the engine holds now (restored tasks; ``tasks`` if the
        # caller has them already: 10,000 rows are worth not building twice at start-up)
        # and then follows its signals, which arrive here in the order they were emitted.
        self._infos = {info.id: info for info in (engine.tasks() if tasks is None else tasks)}
        engine.task_added.connect(self._on_added)
        engine.tasks_added.connect(self._on_added_many)
        self._answer.connect(self._deliver, Qt.QueuedConnection)
        engine.task_removed.connect(self._on_removed)
        # Run on the engine's thread as it emits: the row as it is at that moment travels
        # with the state, as a direct call of engine.task() would have given it.
        engine.task_state_changed.connect(self._snapshot_state, Qt.DirectConnection)
        self._state_info.connect(self._on_state, Qt.QueuedConnection)
        engine.tasks_updated.connect(self._on_updated)
        engine.task_finished.connect(self.task_finished)
        engine.idle.connect(self.idle)
        engine.store_full.connect(self.store_full)
        self._thread = QThread()
        self._thread.setObjectName("hoist-engine")
        self._invoker = _Invoker()
        self._invoker.moveToThread(self._thread)
        engine.moveToThread(self._thread)      # its timer and thread pool are children: they go too
        self._thread.start()

    # -- reads: from the copy, on this thread -----------------------------------------
    def tasks(self):
        return list(self._infos.values())

    def task(self, task_id: int):
        info = self._infos.get(task_id)
        if info is None:           # just added; its task_added is still on the way here
            info = self._call(self.engine.task, task_id)
        return info

    @property
    def config(self):
        return self._config

    @property
    def full(self):
        return self.engine.full        # likewise one reference, set or cleared by the engine

    def upload_owners(self, bucket: str) -> dict[str, int]:
        return self._call(self.engine.upload_owners, bucket)

    def is_idle(self) -> bool:
        return self._call(self.engine.is_idle)

    # -- commands ---------------------------------------------------------------------
    def add(self, path, destination, key_prefix: str = "", adopt: bool = False,
            key: str | None = None) -> list[int]:
        return self._call(self.engine.add, path, destination, key_prefix, adopt=adopt, key=key)

    def add_sources(self, sources, destination, adopt: bool = False) -> list[int]:
        return self._call(self.engine.add_sources, sources, destination, adopt)

    def add_sources_async(self, sources, destination, done) -> None:
        """Queue listed files without waiting: ``done(ids)`` runs here once they are queued,
        after their rows (``tasks_added``) have arrived."""
        def call():
            try:
                ids = self.engine.add_sources(sources, destination)
            except Exception:       # the caller still hears back, or its drop would hang
                log.exception("adding %d files failed", len(sources))
                ids = []
            self._answer.emit(done, ids)
        self._post(call)

    # The window reads its own changes back at once (the bandwidth label, the preferences):
    # the copy changes as the engine's will, and the engine follows when the call arrives.
    def set_limits(self, files_at_once: int, parts_per_file: int, parts_total: int,
                   bandwidth_limit: int) -> None:
        self._config = replace(self._config, files_at_once=files_at_once,
                               parts_per_file=parts_per_file, parts_total=parts_total,
                               bandwidth_limit=bandwidth_limit).clamped()
        self._post(self.engine.set_limits, files_at_once, parts_per_file, parts_total,
                   bandwidth_limit)

    def set_bandwidth_limit(self, bytes_per_second: int) -> None:
        self._config = replace(self._config, bandwidth_limit=max(0, bytes_per_second))
        self._post(self.engine.set_bandwidth_limit, bytes_per_second)

    def set_config(self, config) -> None:
        self._config = replace(config.clamped(), files_at_once=config.files_at_once,
                               parts_per_file=config.parts_per_file,
                               parts_total=config.parts_total,
                               bandwidth_limit=config.bandwidth_limit).clamped()
        self._post(self.engine.set_config, config)

    def restore(self):
        infos = self._call(self.engine.restore)
        for info in infos:
            self._infos.setdefault(info.id, info)
        return infos

    def __getattr__(self, name):
        if name in POSTED:
            method = getattr(self.engine, name)
            return lambda *args: self._post(method, *args)
        raise AttributeError(name)

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Pause and checkpoint on the engine's thread, then stop that thread (once)."""
        if self._stopped:
            return True
        main = self.thread()

        def stop():
            done = self.engine.shutdown(timeout_ms)
            # Jobs that ended during the shutdown report through queued signals: let them
            # reach the engine (and the store) while the store is still open.
            QCoreApplication.sendPostedEvents(None, 0)
            self.engine.moveToThread(main)     # back home, so deleteLater works afterwards
            return done
        done = self._call(stop)
        self._stopped = True            # from here on, calls run directly on this thread
        self._thread.quit()
        self._thread.wait()
        return done

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    # -- plumbing ---------------------------------------------------------------------
    def _post(self, method, *args) -> None:
        def call():
            try:
                method(*args)
            except Exception:
                log.exception("engine command %s failed", getattr(method, "__name__", method))
        if self._stopped:
            log.info("engine stopped; %s ignored", getattr(method, "__name__", method))
            return
        self._invoker.post.emit(call)

    def _call(self, method, *args, **kwargs):
        """Run ``method`` on the engine's thread and wait for its result (or its exception)."""
        if self._stopped or QThread.currentThread() is self._thread:
            return method(*args, **kwargs)
        box = {}

        def call():
            try:
                box["result"] = method(*args, **kwargs)
            except BaseException as error:       # re-raised on the caller's thread
                box["error"] = error
        self._invoker.send.emit(call)
        if "error" in box:
            raise box["error"]
        return box["result"]

    @Slot(object)
    def _on_added(self, info) -> None:
        if info.id in self._infos:       # restored before this proxy existed: already shown
            return
        self._infos[info.id] = info
        self.task_added.emit(info)

    @Slot(object, object)
    def _deliver(self, done, result) -> None:
        done(result)

    @Slot(list)
    def _on_added_many(self, infos: list) -> None:
        fresh = [info for info in infos if info.id not in self._infos]
        self._infos.update((info.id, info) for info in fresh)
        if fresh:
            self.tasks_added.emit(fresh)

    @Slot(int)
    def _on_removed(self, task_id: int) -> None:
        self._infos.pop(task_id, None)
        self.task_removed.emit(task_id)

    def _snapshot_state(self, task_id: int, state: str) -> None:
        self._state_info.emit(task_id, state, self.engine.task(task_id))

    @Slot(int, str, object)
    def _on_state(self, task_id: int, state: str, fresh) -> None:
        if task_id in self._infos:
            if fresh is None or fresh.state is not TaskState(state):
                info = self._infos[task_id]       # gone or moved on since: keep what we know
                new = TaskState(state)
                fresh = replace(info, state=new, speed=info.speed if new.is_active else 0.0)
            self._infos[task_id] = fresh
        self.task_state_changed.emit(task_id, state)

    @Slot(list)
    def _on_updated(self, infos: list) -> None:
        for info in infos:
            if info.id in self._infos:
                self._infos[info.id] = info
        self.tasks_updated.emit(infos)
