"""`hoist upload` listens for every stop signal the platform has, Windows' SIGBREAK included.

SIGBREAK does not exist here: SIGUSR2 stands in for it, so the handler installed for
it is a real one, and its arrival is delivered for real.
"""

import os
import signal

from PySide6.QtCore import QCoreApplication, QTimer

from hoist.core.local.stop_signals import stop_signals
from hoist.headless import EXIT_INTERRUPTED, HeadlessRun
from support.engine import Engine, small_config


def test_ctrl_break_pauses_and_exits_as_ctrl_c_does(qtbot, data_dir, monkeypatch):
    monkeypatch.setattr(signal, "SIGBREAK", signal.SIGUSR2, raising=False)
    assert signal.SIGUSR2 in stop_signals()
    saved = {sig: signal.getsignal(sig) for sig in stop_signals()}
    # no tasks: the run waits for the signal, not for them (patched on the class, so the
    # engine's idle signal, connected when the run is made, calls the no-op too)
    monkeypatch.setattr(HeadlessRun, "_check_done", lambda _self: None)
    # a timer this test owns and stops: SIGUSR2 arriving after the handlers are put back
    # would end this whole process (its default action), not the run
    knock = QTimer(singleShot=True, interval=50)
    knock.timeout.connect(lambda: os.kill(os.getpid(), signal.SIGUSR2))
    # the test process's application also ran windows: one of theirs closing now, as its
    # deferred deletion comes due, must not end this run's loop as the last window closed
    app = QCoreApplication.instance()
    quit_on_last = getattr(app, "quitOnLastWindowClosed", lambda: False)()
    if hasattr(app, "setQuitOnLastWindowClosed"):
        app.setQuitOnLastWindowClosed(False)
    engine = Engine(qtbot, data_dir, small_config())
    try:
        run = HeadlessRun(app, engine.manager, [], quiet=True)
        for sig in stop_signals():
            assert signal.getsignal(sig) is not saved[sig], sig
        knock.start()
        assert run.exec() == EXIT_INTERRUPTED and run.interrupted
    finally:
        knock.stop()
        signal.set_wakeup_fd(-1)
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        engine.stop()
        if hasattr(app, "setQuitOnLastWindowClosed"):
            app.setQuitOnLastWindowClosed(quit_on_last)
