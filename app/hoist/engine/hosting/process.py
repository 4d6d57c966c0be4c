"""ProcessManager: the window's engine in a worker process, behind a socket (docs/architecture.md, B).

The window's process then runs no transfer at all: its GUI thread paints, handles
input and decodes the engine's messages, and never waits for the GIL behind the
part threads. The interface and the copy of the rows are
:class:`hoist.engine.hosting.proxy.EngineProxy`'s; this class starts
``hoist.engine.hosting.worker`` with one end of a socketpair, reads the other end with a
:class:`QSocketNotifier` on this thread, and:

- posts commands as messages, in order, without waiting;
- for the calls that need an answer, sends and reads until the answer arrives;
  messages read meanwhile are kept and handled afterwards, from the event loop,
  as queued signals would be (and a secret the engine asks for is answered at once);
- answers the engine's requests for secrets from the window's secret store, so
  the keyring is read in one place only;
- says so if the engine dies: its rows show as paused (every finished part is
  checkpointed by the engine as it goes) and ``engine_lost`` says what happened.

The engine process holds the checkpoint store's lock; the window never opens the store.
"""

import itertools
import logging
import os
import select
import socket
import subprocess
import sys
import time
from collections import deque
from dataclasses import replace

from PySide6.QtCore import QSocketNotifier, QTimer, Signal

from hoist.core.checkpoint.states import TaskState
from hoist.engine.hosting.choice import process_engine_supported
from hoist.engine.hosting.proxy import EngineProxy
from hoist.engine.hosting.sending import ThreadSafeSending
from hoist.engine.hosting.wire import EngineGone, Reader

log = logging.getLogger("hoist.engine.hosting.process")

START_TIMEOUT = 60.0        # seconds for the engine to open the store and say it is ready
RESTARTS, RESTART_WINDOW = 3, 600.0     # crashes restarted automatically, in this many seconds
RESTARTED = ("The upload engine stopped unexpectedly ({why}) and was restarted; uploads "
             "continue from their last checkpoint.")
LOST = ("The upload engine stopped unexpectedly ({why}) and keeps stopping. Finished parts "
        "are kept: quit and reopen Hoist to continue.")


def worker_command(fd: int, directory, verbose: bool) -> list[str]:
    """How to start the engine: ``python -m hoist.engine.hosting.worker``, or the bundle's own executable."""
    args = ["--fd", str(fd), "--dir", str(directory)] + (["--verbose"] if verbose else [])
    if getattr(sys, "frozen", False):        # the PyInstaller bundle: hoist_entry → cli.main
        return [sys.executable, "_engine", *args]
    return [sys.executable, "-m", "hoist.engine.hosting.worker", *args]


class ProcessManager(ThreadSafeSending, EngineProxy):
    """Starts the engine process over ``directory`` and stands in for it; see the module docstring.

    Raises what the engine met opening the store (StoreLocked, StoreError, OSError),
    after the process has exited.
    """

    engine_lost = Signal(str)      # the engine process died; the text says what to do

    def __init__(self, directory, config, secrets, pool_connections: int = 64,
                 destinations=(), verbose: bool = False, parent=None):
        if not process_engine_supported():      # say so, not a puzzling error from Popen
            raise NotImplementedError("no engine process on this platform: use a thread")
        super().__init__(config, [], parent)
        self.secrets = secrets
        self.recovered_from = None     # where the engine kept a damaged store, if it did
        self._launch = (directory, pool_connections, verbose)
        self._destinations = {d.account: d for d in destinations}   # sent again on a restart
        self._ids = itertools.count(1)
        self._start_sending()
        self._answers: dict[int, tuple] = {}
        self._callbacks: dict[int, object] = {}   # add_sources_async: id -> done
        self._adding: dict[int, tuple] = {}       # and its message, sent again after a crash
        self._inbox: deque = deque()              # messages read, waiting to be handled here
        self._draining = False
        self._restarts: list[float] = []          # when the engine was restarted after a crash
        self._spawn()

    def _spawn(self) -> None:
        """Start the engine process. It opens the store while this side goes on building the
        window; ``ready()`` (and so the first call) waits for it."""
        directory, pool_connections, verbose = self._launch
        self._reader = Reader()
        self._ready = None
        self._restore_asked: int | None = None    # start_restore's call, not yet taken
        self._rows: dict[int, list] = {}          # its rows, read as they come
        self._sock, theirs = socket.socketpair()
        try:
            self._process = subprocess.Popen(
                worker_command(theirs.fileno(), directory, verbose), pass_fds=[theirs.fileno()])
        finally:
            theirs.close()
        self._stopped = False
        self._send(("start", self._config, pool_connections))
        for destination in self._destinations.values():
            self._send(("post", "register_destination", (destination,)))
        if getattr(self, "_notifier", None) is not None:     # the one of a crashed engine
            self._notifier.deleteLater()
        self._notifier = QSocketNotifier(self._sock.fileno(), QSocketNotifier.Read, self)
        self._notifier.activated.connect(self._readable)
        log.info("engine process %d started", self._process.pid)

    def ready(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until the engine has opened the store; raise what it met instead (StoreLocked,
        StoreError, OSError), or EngineGone if it died or did not answer."""
        if self._ready is None:
            try:
                if not self._wait_for(lambda: self._ready is not None, timeout):
                    raise EngineGone(f"the engine did not start in {timeout:.0f} s")
            except EngineGone:
                self._give_up()
                raise
        if self._ready[0] == "failed":
            self._give_up()
            raise self._ready[1]

    def _give_up(self) -> None:
        if not self._stopped:
            self._stopped = True
            self._notifier.setEnabled(False)
            self._close(kill=True)

    # -- the EngineProxy transport ------------------------------------------------------
    def _post(self, name: str, *args) -> None:
        if name == "register_destination":
            self._destinations[args[0].account] = args[0]
        if self._stopped:
            log.info("engine stopped; %s ignored", name)
            return
        try:
            self._send(("post", name, args))
        except EngineGone as gone:       # said from the event loop, as a read would find it
            why = str(gone)
            QTimer.singleShot(0, lambda: self._lost(why))

    def _call(self, name: str, *args, **kwargs):
        self.ready()
        if self._stopped:
            raise EngineGone("the upload engine is not running")
        number = next(self._ids)
        self._send(("call", number, name, args, kwargs))
        ok, result = self._answer(number)
        if not ok:
            raise result
        return result

    def start_restore(self) -> None:
        """Ask for the restored rows now, so the engine reads them while the window is being
        built; ``restore()`` then takes the answer. Destinations registered before this
        reach the engine first (they are needed only when a task starts, in any case)."""
        if self._restore_asked is None and not self._stopped:
            number = next(self._ids)
            self._send(("call", number, "restore", (), {"history": True}))
            self._restore_asked = number

    def restore(self):
        """Every unfinished row; they arrive in lists ahead of the answer, each unpickled
        while the engine makes the next."""
        self.start_restore()
        number, self._restore_asked = self._restore_asked, None
        self.ready()              # the store's errors first: then the call was never answered
        if number is None:
            raise EngineGone("the upload engine is not running")
        ok, result = self._answer(number)
        rows = self._rows.pop(number, [])
        if not ok:
            raise result
        return self._keep_restored(rows)

    def add_sources_async(self, sources, destination, done, more: bool = False,
                          objects=None) -> None:
        """Queue listed files without waiting: ``done(ids)`` runs here once they are queued,
        after their rows (``tasks_added``) have arrived; ``done([])`` if the engine is gone."""
        if self._stopped:
            QTimer.singleShot(0, lambda: done([]))
            return
        number = next(self._ids)
        self._callbacks[number] = done
        # paths as text: 2,000 Path objects pickle slowly, here on the GUI thread
        sources = [(os.fspath(path), key, size) for path, key, size in sources]
        self._adding[number] = message = ("call", number, "add_sources", (sources, destination),
                                              {"more": more, "objects": objects})
        try:
            self._send(message)
        except EngineGone as gone:       # said from the event loop, as a read would find it
            why = str(gone)
            QTimer.singleShot(0, lambda: self._lost(why))

    def shutdown(self, timeout_ms: int = 10_000) -> bool:
        """Pause and checkpoint in the engine, let it close the store and exit (once)."""
        if self._stopped:
            return True
        number = next(self._ids)
        done = False
        try:
            self.ready()
            self._send(("shutdown", number, timeout_ms))
            done = self._answer(number, timeout_ms / 1000 + 30)[1]
        except EngineGone:
            log.warning("the engine process was gone before its shutdown")
        except Exception:              # it never started (the store was locked, say)
            return True
        self._stopped = True
        self._notifier.setEnabled(False)
        self._close(kill=False)
        self._drain()           # the last state changes: every row shows as paused
        return done

    @property
    def pid(self) -> int:
        return self._process.pid

    @property
    def running(self) -> bool:
        return not self._stopped and self._process.poll() is None

    # -- reading ----------------------------------------------------------------------
    def _receive(self, timeout: float) -> bool:
        """Read what has arrived (waiting up to ``timeout``); False if nothing came."""
        ready, _, _ = select.select([self._sock], [], [], timeout)
        if not ready:
            return False
        try:
            data = self._sock.recv(1 << 20)
        except OSError:      # reset: it died with messages from here still unread
            data = b""
        if not data:
            raise EngineGone(self._why())
        for message in self._reader.feed(data):
            self._take(message)
        return True

    def _take(self, message) -> None:
        kind = message[0]
        if kind in ("ready", "failed"):
            self._ready = message
            if kind == "ready":
                _, self.recovered_from, self._config = message
        elif kind == "answer":
            _, number, ok, result = message
            if self._answered(number, ok, result):      # a thread waits for it
                return
            done = self._callbacks.pop(number, None)
            self._adding.pop(number, None)
            if done is None:
                self._answers[number] = (ok, result)
            else:                  # an add_sources_async: after the rows sent before it
                if not ok:
                    log.error("adding files failed: %s", result)
                self._inbox.append(("deliver", done, result if ok else []))
        elif kind == "rows":
            self._rows.setdefault(message[1], []).extend(message[2])
        elif kind == "secret?":
            _, number, account, key_id = message
            secret = self.secrets.get(account, key_id) if self.secrets else None
            self._send(("secret", number, secret))
        else:
            self._inbox.append(message)

    def _wait_for(self, condition, timeout: float) -> bool:
        waited = 0.0
        while not condition():
            if waited >= timeout:
                return False
            if not self._receive(0.5):
                waited += 0.5
                if self._process.poll() is not None:
                    raise EngineGone(self._why())
        return True

    def _answer(self, number: int, timeout: float = 600.0) -> tuple:
        try:
            if not self._wait_for(lambda: number in self._answers, timeout):
                raise EngineGone(f"the engine did not answer in {timeout:.0f} s")
        finally:
            if self._inbox:           # handled from the event loop, as queued signals are
                QTimer.singleShot(0, self._drain)
        return self._answers.pop(number)

    def _readable(self) -> None:
        try:
            while self._receive(0):
                pass
        except EngineGone as gone:
            self._lost(str(gone))
        self._drain()

    def _drain(self) -> None:
        if self._draining:            # a slot ran a nested event loop: the outer drain goes on
            return
        self._draining = True
        try:
            while self._inbox:
                self._handle(self._inbox.popleft())
        finally:
            self._draining = False

    def _handle(self, message) -> None:
        kind = message[0]
        if kind == "signal":
            _, name, args = message
            getattr(self, _SLOTS[name])(*args)
        elif kind == "state":
            self._on_state(*message[1:])
        elif kind == "full":
            self._on_full(*message[1:])
        elif kind == "deliver":
            message[1](message[2])

    def _on_finished(self, task_id: int, state: str) -> None:
        self.task_finished.emit(task_id, state)

    def _on_idle(self) -> None:
        self.idle.emit()

    # -- the end ----------------------------------------------------------------------
    def _why(self) -> str:
        try:                 # its end of the socket closes a moment before it can be reaped
            code = self._process.wait(2)
        except subprocess.TimeoutExpired:
            code = None
        if code is None:
            return "its connection closed"
        if code < 0:
            return f"killed by signal {-code}"
        return f"exit status {code}"

    def _lost(self, why: str) -> None:
        """The engine died under us: start another over the same store, or say it cannot.

        Rows that were moving continue from their checkpoints in the new engine; after
        RESTARTS crashes in RESTART_WINDOW seconds they stay paused and say what to do.
        """
        if self._stopped:
            return
        self._give_up()
        log.error("the engine process stopped: %s", why)
        moving = [i.id for i in self._infos.values()
                  if i.state is TaskState.QUEUED or i.state.is_active]
        now = time.monotonic()
        self._restarts = [t for t in self._restarts if now - t < RESTART_WINDOW]
        if len(self._restarts) < RESTARTS:
            self._restarts.append(now)
            try:
                self._spawn()
                self._on_updated(self.restore())    # every unfinished row, as stored
                for task_id in moving:
                    self._post("resume", task_id)
                # A drop's chunks the dead engine had not answered: sent again (a file it did
                # queue before dying is found queued, and no twin is made).
                for message in list(self._adding.values()):
                    self._send(message)
            except Exception as error:         # EngineGone, StoreError: say it, as below
                log.error("restarting the engine failed: %s", error)
                self._give_up()
            else:
                log.info("engine restarted; %d uploads continue", len(moving))
                self.engine_lost.emit(RESTARTED.format(why=why))
                return
        text = LOST.format(why=why)
        self._adding.clear()
        for done in self._callbacks.values():      # a drop in progress ends, with what was queued
            self._inbox.append(("deliver", done, []))
        self._callbacks.clear()
        QTimer.singleShot(0, self._drain)
        for task_id in moving:
            info = self._infos.get(task_id)
            if info is not None:
                self._infos[task_id] = replace(info, state=TaskState.PAUSED, message=text,
                                               speed=0.0, eta=None)
                self.task_state_changed.emit(task_id, TaskState.PAUSED.value)
        self.engine_lost.emit(text)

    def _close(self, kill: bool) -> None:
        self._release_waiters("the upload engine stopped")
        try:
            self._sock.close()
        finally:
            try:
                self._process.wait(0 if kill else 30)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()


# The engine's signals, by the name it sends, to the slot that takes them here.
_SLOTS = {"task_added": "_on_added", "tasks_added": "_on_added_many",
          "task_removed": "_on_removed", "tasks_removed": "_on_removed_many", "tasks_updated": "_on_updated",
          "task_finished": "_on_finished", "idle": "_on_idle", "watches_changed": "_on_watches"}
