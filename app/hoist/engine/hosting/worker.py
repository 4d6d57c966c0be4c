"""The engine process: the window's UploadManager, in a process of its own (docs/architecture.md, B).

The window starts it (:class:`hoist.engine.hosting.process.ProcessManager`) with one end of a
socketpair; here it opens the checkpoint store, runs an :class:`UploadManager` on
this process's main thread and Qt event loop, and carries calls and signals over the
socket (:mod:`hoist.engine.hosting.wire`). The window's process then holds no busy Python
thread: its GUI thread never waits for the GIL behind 64 part threads.

From the window:
  ``("start", config, pool_connections)``  first: open the store, make the engine
  ``("post", name, args)``                 a command (``pause``, ``set_limits``, …); no answer
  ``("call", id, name, args, kwargs)``     answered with ``("answer", id, ok, result or error)``;
                                           ``restore``'s rows come first, in ``("rows", id, infos)``
  ``("secret", id, value)``                the answer to a secret this side asked for
  ``("shutdown", id, timeout_ms)``         pause, checkpoint, answer, close the store, exit
To the window:
  ``("ready", recovered_from, config)`` or ``("failed", error)``, once, first
  ``("signal", name, args)``, ``("state", id, state, info)``, ``("full", message, full)``:
  the engine's signals, in the order it emitted them (a state travels with the row as
  it was then); ``("answer", …)``; ``("secret?", id, account, key_id)``.

If the window goes away without a shutdown (killed, crashed), the socket closes and the
engine pauses and checkpoints everything as it would on a shutdown, then exits.
"""

import argparse
import itertools
import logging
import os
import queue
import socket
import sys
import threading
from pathlib import Path

from hoist.engine.hosting.qtcore import import_qtcore

import_qtcore()     # before QtCore is imported anywhere: without PySide's import hook

from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal, Slot  # noqa: E402

from hoist.core.checkpoint.longlived import pause_collector, resume_collector
from hoist.core.settings.datadir import ENGINE_LOG_NAME, STORE_NAME, setup_logging
from hoist.engine.hosting.proxy import BROWSING, POSTED
from hoist.engine.hosting.wire import EngineGone, Reader, encode, portable_error, read_message

log = logging.getLogger("hoist.engine.hosting.worker")

# What the window may ask for and wait on; anything else is refused, not run.
CALLS = ("add", "add_sources", "restore", "task", "tasks", "upload_owners", "is_idle",
         "check_sources", "add_downloads", "watches", "save_watch", *BROWSING)
# Calls that wait on the network or read files: answered from a thread of their own, so the
# engine's thread goes on sending parts meanwhile (they touch only the store and the clients).
THREADED = ("check_sources", "add_downloads", *BROWSING)   # add_downloads queues on the main one
BULK = ("add_sources", "restore")    # 100,000 rows made to keep: no collections meanwhile
POSTS = POSTED + ("set_limits", "set_bandwidth_limit", "set_config")
SECRET_WAIT = 60.0        # seconds a part waits for the window's keyring before it gives up


class Link:
    """This end of the socket: a writer thread sends in order, a reader thread receives.

    Any thread may ``send``; nothing waits on the window except a secret's asker.
    Received messages go to ``deliver`` (the main thread's inbox), answers to asked
    secrets straight to the thread waiting for them.
    """

    def __init__(self, sock: socket.socket):
        self.sock = sock
        self._out: queue.Queue = queue.Queue()
        self._secrets: dict[int, list] = {}      # id -> [Event, value]
        self._ids = itertools.count(1)
        self.closing = False         # this side is closing: the reader ends quietly
        self._writer = threading.Thread(target=self._write, name="hoist-link-out", daemon=True)
        self._writer.start()

    def send(self, message) -> None:
        self._out.put(encode(message))

    def flush_and_close(self) -> None:
        self.closing = True
        self._out.put(None)
        self._writer.join(10)
        self.sock.close()

    def listen(self, reader: Reader, pending: list, deliver) -> None:
        """Start reading, after the messages already read (``pending``)."""
        def run():
            try:
                while True:
                    message = read_message(self.sock, reader, pending)
                    if message[0] == "secret":
                        self._answer_secret(*message[1:])
                    else:
                        deliver(message)
            except (EngineGone, OSError):
                if not self.closing:
                    deliver(("gone",))
        threading.Thread(target=run, name="hoist-link-in", daemon=True).start()

    def ask_secret(self, account: str, key_id: str) -> str | None:
        number = next(self._ids)
        slot = self._secrets[number] = [threading.Event(), None]
        self.send(("secret?", number, account, key_id))
        slot[0].wait(SECRET_WAIT)
        self._secrets.pop(number, None)
        return slot[1]

    def _answer_secret(self, number: int, value) -> None:
        slot = self._secrets.get(number)
        if slot is not None:
            slot[1] = value
            slot[0].set()

    def _write(self) -> None:
        while (data := self._out.get()) is not None:
            try:
                self.sock.sendall(data)
            except OSError:         # the window is gone; the reader sees it too
                return


class WindowSecrets:
    """The window's secret store, asked over the socket: keyring entries never leave it otherwise."""

    def __init__(self, link: Link):
        self._link = link

    def get(self, account: str, key_id: str) -> str | None:
        return self._link.ask_secret(account, key_id)


class Bridge(QObject):
    """Runs the window's messages on the engine's thread and sends the engine's signals back."""

    inbox = Signal(object)

    def __init__(self, engine, store, link: Link):
        super().__init__()
        self.engine, self.store, self.link = engine, store, link
        self.inbox.connect(self._handle, Qt.QueuedConnection)
        send = link.send
        self._restoring = False       # restore's answer carries the rows: no task_added each
        engine.task_added.connect(
            lambda info: self._restoring or send(("signal", "task_added", (info,))))
        engine.tasks_added.connect(lambda infos: send(("signal", "tasks_added", (infos,))))
        engine.task_removed.connect(lambda i: send(("signal", "task_removed", (i,))))
        engine.tasks_removed.connect(lambda ids: send(("signal", "tasks_removed", (ids,))))
        engine.tasks_updated.connect(lambda infos: send(("signal", "tasks_updated", (infos,))))
        engine.task_finished.connect(lambda i, s: send(("signal", "task_finished", (i, s))))
        engine.idle.connect(lambda: send(("signal", "idle", ())))
        engine.task_state_changed.connect(
            lambda i, s: send(("state", i, s, engine.task(i))))
        engine.store_full.connect(lambda text: send(("full", text, engine.full)))
        engine.watches_changed.connect(
            lambda infos: send(("signal", "watches_changed", (infos,))))

    @Slot(object)
    def _handle(self, message) -> None:
        kind = message[0]
        if kind == "post" and message[1] in POSTS:
            try:
                getattr(self.engine, message[1])(*message[2])
            except Exception:
                log.exception("engine command %s failed", message[1])
        elif kind == "call" and message[2] in THREADED:
            threading.Thread(target=self._answer_from_thread, args=message[1:], daemon=True,
                             name=f"hoist-{message[2]}").start()
        elif kind == "call":
            _, number, name, args, kwargs = message
            bulk = name in BULK
            if bulk:
                pause_collector()
            try:
                if name not in CALLS:
                    raise ValueError(f"the engine has no call {name!r}")
                if name == "restore":
                    # the rows go ahead of the answer, a list at a time as they are made
                    self._restoring = True
                    for rows in self.engine.restoring(**kwargs):
                        self.link.send(("rows", number, rows))
                    result = None
                else:
                    result = getattr(self.engine, name)(*args, **kwargs)
                self.link.send(("answer", number, True, result))
            except Exception as error:
                self.link.send(("answer", number, False, portable_error(error)))
            finally:
                self._restoring = False
                if bulk:
                    resume_collector()      # and what was made is frozen out of its way
        elif kind == "shutdown":
            done = self._stop(message[2])
            self.link.send(("answer", message[1], True, done))
            QCoreApplication.quit()
        elif kind == "gone":
            log.warning("the window went away without closing the engine; checkpointing")
            self._stop(10_000)
            QCoreApplication.quit()
        else:
            log.error("unknown message from the window: %s", kind)

    def _answer_from_thread(self, number: int, name: str, args, kwargs) -> None:
        try:
            result = (True, getattr(self.engine, name)(*args, **kwargs))
        except Exception as error:
            result = (False, portable_error(error))
        self.link.send(("answer", number, *result))

    def _stop(self, timeout_ms: int) -> bool:
        done = self.engine.shutdown(timeout_ms)
        # Jobs that ended during the shutdown report through queued signals: let them reach
        # the engine (and the store) while the store is still open.
        QCoreApplication.sendPostedEvents(None, 0)
        return done


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="hoist-engine", description=__doc__.splitlines()[0])
    parser.add_argument("--fd", type=int, required=True, help="this end of the window's socketpair")
    parser.add_argument("--dir", type=Path, required=True, help="the data directory")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    # the window checked who may read the data directory before it started this process
    setup_logging(args.dir, args.verbose, name=ENGINE_LOG_NAME, check_privacy=False)
    sock = socket.socket(fileno=args.fd)
    reader, pending = Reader(), []
    try:
        start = read_message(sock, reader, pending)
    except EngineGone:
        return 1
    _, config, pool_connections = start

    from hoist.core.checkpoint.store import CheckpointStore
    from hoist.core.remote.s3 import S3Clients
    from hoist.engine.manager import UploadManager

    app = QCoreApplication(sys.argv[:1])
    try:
        store = CheckpointStore.open(args.dir / STORE_NAME)
    except Exception as error:       # StoreLocked, StoreError, OSError: the window says which
        sock.sendall(encode(("failed", portable_error(error))))
        sock.close()
        return 1
    link = Link(sock)
    clients = S3Clients(max_pool_connections=pool_connections, secrets=WindowSecrets(link),
                        cache_dir=args.dir)
    engine = UploadManager(store, clients, config)
    bridge = Bridge(engine, store, link)
    link.send(("ready", getattr(store, "recovered_from", None), engine.config))
    link.listen(reader, pending, bridge.inbox.emit)
    log.info("engine process started (pid %d)", os.getpid())
    engine.start_watching()          # the watched folders, restored from the store
    app.exec()
    store.close()
    link.flush_and_close()
    log.info("engine process stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
