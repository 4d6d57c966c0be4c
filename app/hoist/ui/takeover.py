"""Taking over from a running `hoist watch`: the window starts while it holds the store.

`hoist watch` writes its pid to ``watching.pid`` in the data directory while it runs.
When the window's engine meets the store locked by that very process, the window
says so and offers to take over: the watcher is asked to stop (SIGTERM: it pauses,
checkpoints and exits 0), and once it is gone the window starts its engine, which
restores the same watches from the store.
"""

import os
import signal
import time
from pathlib import Path

from hoist.core.settings.datadir import WATCHING_NAME

STOP_WAIT = 30.0        # seconds for the watcher to checkpoint and exit


def watcher_holding(directory: Path, locked) -> int | None:
    """The pid of the `hoist watch` holding the store, if that is what ``locked`` says.
    Not on Windows, where a signal ends a process without its checkpoint."""
    pid = getattr(locked, "pid", None)
    if os.name == "nt":
        return None
    try:
        written = int((Path(directory) / WATCHING_NAME).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if pid is not None and pid == written else None


def question(pid: int) -> str:
    return (f"`hoist watch` (process {pid}) is watching folders with this data directory, "
            "so the window cannot open its uploads.\n\nTake over? It is stopped (its uploads "
            "are checkpointed), and the window runs the same watches from then on.")


def stop_watcher(pid: int, timeout: float = STOP_WAIT) -> bool:
    """SIGTERM ``pid`` and wait for it to exit; True once it has."""
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return True
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.05)
    return False


def _alive(pid: int) -> bool:
    try:
        done, _status = os.waitpid(pid, os.WNOHANG)    # our own child (a test): reap it
        if done:
            return False
    except ChildProcessError:       # not ours: ask the system
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
