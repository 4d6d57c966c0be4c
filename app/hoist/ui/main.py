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

from hoist.core.datadir import STORE_NAME, data_dir, setup_logging
from hoist.ui.longlived import pause_collector, resume_collector

log = logging.getLogger("hoist.ui.main")

ACCOUNTS_NAME = "accounts.json"
PREFERENCES_NAME = "preferences.json"
POOL_CONNECTIONS = 64     # connections open lazily; enough for the highest caps the preferences allow


class Session:
    """The store, engine and window over one data directory; ``close()`` checkpoints and closes."""

    def __init__(self, directory: Path, *, demo: bool = False, config=None,
                 threaded: bool = True):
        from hoist.core.accounts import AccountBook
        from hoist.core.preferences import Preferences
        from hoist.core.s3 import S3Clients
        from hoist.core.secrets import SecretStore
        from hoist.core.store import CheckpointStore
        from hoist.engine.manager import UploadManager
        from hoist.engine.threaded import ThreadedManager
        from hoist.ui.window import MainWindow

        self.directory = Path(directory)
        self.demo = None
        self.store = CheckpointStore.open(self.directory / STORE_NAME)   # StoreError: caller says so
        try:
            self.secrets = SecretStore()
            self.book = AccountBook.load(self.directory / ACCOUNTS_NAME)
            self.prefs_path = self.directory / PREFERENCES_NAME
            self.prefs = Preferences.load(self.prefs_path)
            extra, select = [], None
            if demo:
                from hoist.demo import DemoServer
                self.demo = DemoServer()
                account = self.demo.start()
                self.secrets = self.demo.secrets(self.secrets)
                extra, select = [account], account.name
            self.clients = S3Clients(max_pool_connections=POOL_CONNECTIONS, secrets=self.secrets)
            self.engine = UploadManager(self.store, self.clients,
                                        config or self.prefs.transfer_config())
            # Restored tasks must reach their account's endpoint with its credentials.
            for acc in list(self.book.accounts) + extra:
                self.engine.register_destination(acc.destination())
            # 100,000 restored rows are made for keeps: no collections while they are built,
            # then they are frozen out of the collector's way (ui/longlived.py)
            pause_collector()
            try:
                restored = self.engine.restore()
                # Transfers off the GUI thread: the engine runs on its own QThread behind a
                # proxy (docs/architecture.md). ``threaded=False`` keeps it here, for comparison.
                self.manager = (ThreadedManager(self.engine, restored) if threaded
                                else self.engine)
                self.window = MainWindow(self.manager, self.clients, book=self.book,
                                         secrets=self.secrets, prefs=self.prefs,
                                         prefs_path=self.prefs_path, extra_accounts=extra,
                                         select_account=select)
            finally:
                resume_collector()
        except BaseException:
            manager = getattr(self, "manager", None)
            if manager is not None and manager is not getattr(self, "engine", None):
                manager.shutdown(0)
            self.store.close()
            if self.demo:
                self.demo.stop()
            raise

    @property
    def recovered_from(self):
        return getattr(self.store, "recovered_from", None)

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
        self.engine.deleteLater()
        self.store.close()
        if self.demo is not None:
            self.demo.stop()


def _fail(title: str, text: str) -> int:
    QMessageBox.critical(None, title, text)
    return 1


def run_window(demo: bool, paths: list[str], verbose: bool) -> int:
    """Open the window; returns the exit status. ``paths`` are queued once the window is up."""
    import qasync
    from hoist.core.store import StoreError, StoreLocked
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
        session = Session(directory, demo=demo)
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
    for sig in (signal.SIGINT, signal.SIGTERM):
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
