"""ThreadedManager: the window's engine on a QThread of its own, in the same process.

The engine's scheduling, job hand-offs, SQLite commits and progress ticks then
happen off the GUI thread (docs/architecture.md, option A). The interface and the
copy of the rows are :class:`hoist.engine.hosting.proxy.EngineProxy`'s; this class carries
the calls: commands are posted to the engine's thread as queued calls, the calls
that need an answer wait for one short slot there, and the engine's signals come
back as queued signals.
"""

import logging

from PySide6.QtCore import QCoreApplication, Qt, QThread, Signal, Slot

from hoist.engine.hosting.proxy import EngineProxy
from hoist.engine.jobs import Invoker

log = logging.getLogger("hoist.engine.hosting.threaded")


class ThreadedManager(EngineProxy):
    """Runs ``engine`` (an UploadManager) on a QThread of its own; see the module docstring."""

    _state_info = Signal(int, str, object)     # engine thread -> here: a state and a fresh row
    _answer = Signal(object, object)           # engine thread -> here: a callback and its result

    def __init__(self, engine, tasks=None, parent=None):
        # The copy starts from what the engine holds now (restored tasks; ``tasks`` if the
        # caller has them already: 10,000 rows are worth not building twice at start-up)
        # and then follows its signals, which arrive here in the order they were emitted.
        super().__init__(engine.config, engine.tasks() if tasks is None else tasks, parent)
        self.engine = engine
        engine.task_added.connect(self._on_added)
        engine.tasks_added.connect(self._on_added_many)
        self._answer.connect(self._deliver, Qt.QueuedConnection)
        engine.task_removed.connect(self._on_removed)
        engine.tasks_removed.connect(self._on_removed_many)
        # Run on the engine's thread as it emits: the row as it is at that moment travels
        # with the state, as a direct call of engine.task() would have given it.
        engine.task_state_changed.connect(self._snapshot_state, Qt.DirectConnection)
        self._state_info.connect(self._on_state, Qt.QueuedConnection)
        engine.tasks_updated.connect(self._on_updated)
        engine.task_finished.connect(self.task_finished)
        engine.idle.connect(self.idle)
        engine.store_full.connect(self.store_full)
        engine.watches_changed.connect(self._on_watches)
        self._thread = QThread()
        self._thread.setObjectName("hoist-engine")
        self._invoker = Invoker()
        self._invoker.moveToThread(self._thread)
        engine.moveToThread(self._thread)      # its timer and thread pool are children: they go too
        self._thread.start()

    @property
    def full(self):
        return self.engine.full        # one reference, set or cleared by the engine

    def add_sources_async(self, sources, destination, done, more: bool = False,
                          objects=None) -> None:
        """Queue listed files without waiting: ``done(ids)`` runs here once they are queued,
        after their rows (``tasks_added``) have arrived."""
        def call():
            try:
                ids = self.engine.add_sources(sources, destination, more=more, objects=objects)
            except Exception:       # the caller still hears back, or its drop would hang
                log.exception("adding %d files failed", len(sources))
                ids = []
            self._answer.emit(done, ids)
        if not self._stopped:
            self._invoker.post.emit(call)

    def check_sources(self, sources, destination, checksum: bool = False) -> dict[str, str]:
        """UploadManager.check_sources on the caller's thread (it is safe on any): a listing
        must not hold up the engine's thread, nor the window's (the intake asks from its pool)."""
        return self.engine.check_sources(sources, destination, checksum)

    def _ask_aside(self, name: str, *args):
        """The Bucket pane's calls on the caller's thread, as check_sources: they touch only
        the thread-safe clients (add_downloads hops to the engine's thread itself to queue
        what it listed), and must not hold up the engine's thread."""
        return getattr(self.engine, name)(*args)

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
        done = self._run(stop)
        self._stopped = True            # from here on, calls run directly on this thread
        self._thread.quit()
        self._thread.wait()
        return done

    @property
    def running(self) -> bool:
        return self._thread.isRunning()

    # -- plumbing ---------------------------------------------------------------------
    def _post(self, name: str, *args) -> None:
        method = getattr(self.engine, name)

        def call():
            try:
                method(*args)
            except Exception:
                log.exception("engine command %s failed", name)
        if self._stopped:
            log.info("engine stopped; %s ignored", name)
            return
        self._invoker.post.emit(call)

    def _call(self, name: str, *args, **kwargs):
        return self._run(getattr(self.engine, name), *args, **kwargs)

    def _run(self, method, *args, **kwargs):
        """Run ``method`` on the engine's thread and wait for its result (or its exception)."""
        if self._stopped:
            return method(*args, **kwargs)
        return self._invoker.call(method, *args, **kwargs)

    @Slot(object, object)
    def _deliver(self, done, result) -> None:
        done(result)

    def _snapshot_state(self, task_id: int, state: str) -> None:
        self._state_info.emit(task_id, state, self.engine.task(task_id))
