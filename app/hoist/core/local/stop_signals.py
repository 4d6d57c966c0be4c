"""The signals that mean "pause, checkpoint and exit", on each platform.

POSIX: SIGINT (Ctrl+C) and SIGTERM (``kill``, a service manager, a logout).
Windows: its console sends Ctrl+C as SIGINT and Ctrl+Break as SIGBREAK. Python
defines SIGTERM there but nothing sends it: ending a process (Task Manager,
``taskkill /F``) cannot be caught. Closing the console, logoff and shutdown also
arrive as SIGBREAK, but the system ends the process as soon as the C runtime's
handler returns, before Python's runs: there only the checkpoint's per-part
commits hold, as after a crash.
"""

import signal

_NAMES = ("SIGINT", "SIGTERM", "SIGBREAK")       # SIGBREAK exists on Windows only


def stop_signals() -> tuple[signal.Signals, ...]:
    """The stop signals this platform has, in the order above."""
    return tuple(getattr(signal, name) for name in _NAMES if hasattr(signal, name))
