"""Where the window's engine runs on this platform: a process of its own, or a thread.

The engine process (``ProcessManager``) is handed its end of a socketpair as an
inherited descriptor: ``pass_fds``, then ``socket(fileno=)``. That is POSIX (Linux,
macOS). Windows has neither: its sockets are handles, passed with
``socket.share``/``fromshare``, which the worker does not do. There the engine runs
on a thread of the window's process (``ThreadedManager``): the same engine and
store, but its part threads share the window's GIL (docs/architecture.md).
"""

import sys


def process_engine_supported() -> bool:
    """Whether the engine can run in a process of its own here."""
    return sys.platform != "win32"


def default_engine() -> str:
    """``"process"`` where that is supported, else ``"thread"``."""
    return "process" if process_engine_supported() else "thread"
