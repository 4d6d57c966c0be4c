"""The `hoist` command's entry point: ``hoist.cli.main``, then an exit without the teardown.

A command that has returned has flushed what it printed, closed its store and shut its
engine down. What the interpreter would still do is free boto3's and Qt's objects one by
one: 0.1–0.2 s at the end of every command, measured (docs/architecture.md, "Downloads over
a shaped link"). So the exit handlers run (logging's flush among them), the standard
streams are flushed, and the process ends at once. The window, the processes it starts and
anything not a command keep the ordinary exit: Qt's objects there clean up after
themselves (the single-instance socket, the tray icon); so does a run that left a thread
of its own working, which the ordinary exit waits for.
"""

import atexit
import os
import sys
import threading

from hoist.cli import COMMANDS, main


def run() -> None:
    argv = sys.argv[1:]
    status = main(argv) or 0
    command = next((a for a in argv if not a.startswith("-")), None)
    others = [t for t in threading.enumerate()
              if t is not threading.main_thread() and not t.daemon and t.is_alive()]
    if command not in COMMANDS or others:
        sys.exit(status)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):       # a closed pipe: nothing more can be said
            pass
    os._exit(status)
