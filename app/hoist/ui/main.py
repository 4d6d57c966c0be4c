"""Start-up of the window: `hoist` with no sub-command (or `hoist FILE...`, or `hoist --demo`).

:class:`Session` builds what a window runs on (store, secrets, clients, engine,
accounts, preferences) over one data directory; ``run_window`` adds the Qt
application, the single-instance hand-off, the qasync event loop and the
clear messages when the store cannot be opened.
"""

import asyncio
import logging
import signal
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from hoist.core.checkpoint.longlived import pause_collector, resume_collector
from hoist.core.local.stop_signals import stop_signals
from hoist.core.settings.datadir import (
    ACCOUNTS_NAME,
    PREFERENCES_NAME,
    STORE_NAME,
    data_dir,
    setup_logging,
)
from hoist.engine.hosting.choice import default_engine

log = logging.getLogger("hoist.ui.main")

POOL_CONNECTIONS = 64     # connections open lazily; enough for the highest caps the preferences allow


class Session:
    """The engine and window over one data directory; ``close()`` checkpoints and closes.

    ``engine`` says where the uploads run (docs/architecture.md): ``"process"``, the app's
    way, in a worker process that holds the store; ``"thread"``, on a QThread of this
    process; ``"direct"``, on the GUI thread itself. The last two open the store here.
    None: the platform's default (``hoist.engine.hosting.choice``).
    """

    def __init__(self, directory: Path, *, demo: bool = False, config=None,
                 engine: str | None = None, verbose: bool = False):
        from hoist.core.settings.preferences import Preferences

        engine = engine or default_engine()
        if engine not in ("process", "thread", "direct"):
            raise ValueError(f"unknown engine {engine!r}")
        self.directory = Path(directory)
        self.demo = None
        self.store = self.engine = self.manager = self.window = None
        self.prefs_path = self.directory / PREFERENCES_NAME
        self.prefs = Preferences.load(self.prefs_path)
        config = config or self.prefs.transfer_config()
        if engine == "process":
            # Started first: it imports, opens the store and restores while this process
            # builds the window. StoreLocked, StoreError or OSError come from restore() below;
            # accounts and secrets reach it before that, in order.
            from hoist.engine.hosting.process import ProcessManager
            self.manager = ProcessManager(self.directory, config, None, POOL_CONNECTIONS,
                                          verbose=verbose)
        else:                          # StoreError: the caller says so
            from hoist.core.checkpoint.store import CheckpointStore
            self.store = CheckpointStore.open(self.directory / STORE_NAME)
        try:
            from hoist.core.remote.s3 import S3Clients
            from hoist.core.settings.accounts import AccountBook
            from hoist.core.settings.secrets import SecretStore
            self.secrets = SecretStore()
            self.book = AccountBook.load(self.directory / ACCOUNTS_NAME)
            extra, select = [], None
            if demo:
                from hoist.demo import DemoServer
                self.demo = DemoServer()
                account = self.demo.start()
                self.secrets = self.demo.secrets(self.secrets)
                extra, select = [account], account.name
            self.clients = S3Clients(max_pool_connections=POOL_CONNECTIONS, secrets=self.secrets)
            if engine == "process":
                self.manager.secrets = self.secrets     # the engine asks for them by name
            else:
                from hoist.engine.manager import UploadManager
                self.engine = UploadManager(self.store, self.clients, config)
            # Restored tasks must reach their account's endpoint with its credentials.
            for account in list(self.book.accounts) + extra:
                (self.engine or self.manager).register_destination(account.destination())
            if engine == "process":
                self.manager.start_restore()     # read while this process builds the window
            from hoist.ui.window import MainWindow

            def make_window():
                return MainWindow(self.manager, self.clients, book=self.book,
                                  secrets=self.secrets, prefs=self.prefs,
                                  prefs_path=self.prefs_path, extra_accounts=extra,
                                  select_account=select)
            # 100,000 restored rows are made for keeps: no collections while they are built,
            # then they are frozen out of the collector's way (core/checkpoint/longlived.py)
            pause_collector()
            try:
                if engine == "process":
                    self.window = make_window()          # empty, while the engine restores
                    self.window.load(self.manager.restore())

                else:
                    restored = self.engine.restore(history=True)
                    if engine == "thread":
                        from hoist.engine.hosting.threaded import ThreadedManager
                        self.manager = ThreadedManager(self.engine, restored)
                    else:
                        self.manager = self.engine
                    self.window = make_window()
                    # the watched folders, from the store, on the engine's own thread
                    if engine == "thread":
                        self.manager._call("start_watching")
                    else:
                        self.engine.start_watching()
            finally:
                resume_collector()
        except BaseException:
            if self.window is not None:
                self.window.shutdown(0)          # its tray icon goes, its engine stops
                self.window.deleteLater()
            if self.manager is not None and self.manager is not self.engine:
                self.manager.shutdown(0)
            if self.store is not None:
                self.store.close()
            if self.demo:
                self.demo.stop()
            raise

    @property
    def recovered_from(self):
        holder = self.store if self.store is not None else self.manager
        return getattr(holder, "recovered_from", None)

    def close(self) -> None:
        """Pause and checkpoint every upload, then let go of the store (and the demo server)."""
        self.window.shutdown()
        # Jobs that ended during the shutdown report through queued signals: let them reach
        # the engine (and the store) before the store closes.
        QCoreApplication.sendPostedEvents(None, 0)
        self.window.deleteLater()
        if self.manager is not self.engine:
            self.manager.shutdown()       # once only: the window's shutdown already stopped it
            self.manager.deleteLater()
        if self.engine is not None:
            self.engine.deleteLater()
        if self.store is not None:
            self.store.close()
        if self.demo is not None:
            self.demo.stop()


def _fail(title: str, text: str) -> int:
    QMessageBox.critical(None, title, text)
    return 1


def take_over(directory: Path, locked, ask=None) -> bool:
    """`hoist watch` holds the store: say so, and on a yes stop it (ui/takeover.py). True when
    it has exited and the window may start its engine."""
    from hoist.ui.takeover import question, stop_watcher, watcher_holding
    pid = watcher_holding(directory, locked)
    if pid is None:
        return False
    ask = ask or (lambda text: QMessageBox.question(
        None, "Hoist is watching folders", text,
        QMessageBox.Yes | QMessageBox.No) == QMessageBox.Yes)
    if not ask(question(pid)):
        return False
    log.info("taking over from `hoist watch` (pid %d)", pid)
    return stop_watcher(pid)


def run_window(demo: bool, paths: list[str], verbose: bool) -> int:
    """Open the window; returns the exit status. ``paths`` are queued once the window is up."""
    import qasync

    from hoist.core.checkpoint.store import StoreError, StoreLocked
    from hoist.demo import DemoUnavailable
    from hoist.ui.icons import icon
    from hoist.ui.single_instance import InstanceServer, hand_off

    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setApplicationName("Hoist")
    app.setDesktopFileName("hoist")
    app.setWindowIcon(icon("hoist"))
    app.setQuitOnLastWindowClosed(False)     # closing may only hide to the tray; we quit ourselves
    directory = data_dir()
    setup_logging(directory, verbose)
    if hand_off(directory, paths):
        log.info("handed %d path(s) to the running window", len(paths))
        return 0
    try:
        try:
            session = Session(directory, demo=demo, verbose=verbose)
        except StoreLocked as e:
            if not take_over(directory, e):
                raise
            session = Session(directory, demo=demo, verbose=verbose)
    except StoreLocked as e:
        return _fail("Hoist is already running", f"{e}\n\nClose the other Hoist (or wait for "
                     "its upload to finish), then start Hoist again.")
    except StoreError as e:
        return _fail("Hoist cannot open its checkpoint store", str(e))
    except DemoUnavailable as e:
        return _fail("The demo server is not installed", str(e))
    except OSError as e:
        return _fail("Hoist cannot start", f"{e.strerror or e}: {e.filename or directory}")
    window = session.window
    instance = InstanceServer(directory)
    instance.listen()
    instance.paths_received.connect(window.receive_paths)
    instance.watches_received.connect(window.receive_watches)
    window.closed.connect(app.quit)
    window.show()
    notices = []
    if session.recovered_from:
        notices.append(f"The checkpoint database was damaged. It was kept as "
                       f"{session.recovered_from} and a new one was started; uploads recorded "
                       "only there cannot be resumed.")
    if getattr(session.book, "recovered_from", None):
        notices.append(f"The accounts file was damaged. It was kept as "
                       f"{session.book.recovered_from}; add your accounts again under Accounts…")
    if notices:
        box = QMessageBox(QMessageBox.Warning, "Hoist recovered from damaged files",
                          "\n\n".join(notices), QMessageBox.Ok, window)
        box.open()
    if paths:
        window.add_paths(paths)

    def stop(*_args):          # SIGINT/SIGTERM: checkpoint as paused and leave, without asking
        window.shutdown()
        app.quit()
    for sig in stop_signals():
        signal.signal(sig, stop)
    # Python runs signal handlers only between bytecodes; a slow timer lets it get a turn.
    wake = QTimer(interval=500)
    wake.timeout.connect(lambda: None)
    wake.start()

    loop = qasync.QEventLoop(app)          # asyncio on the Qt loop, for dialogs that await
    asyncio.set_event_loop(loop)
    try:
        with loop:
            loop.run_forever()
    finally:
        wake.stop()
        instance.close()
        session.close()
        log.info("window closed")
    return 0
