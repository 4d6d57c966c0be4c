"""QtCore for the engine's processes, without PySide's hook on every import after it (#24).

Importing PySide6.QtCore puts shiboken's ``__feature_import__`` in the place of Python's
``__import__``: it serves ``from __feature__ import snake_case, true_property``, and after
every later import asks whether the new module names PySide6 by reading its source
(``inspect.getsource``), which ``linecache`` then keeps. On an upload's path that is the
source of botocore, urllib3 and most of Hoist: 10 MiB of RSS held for the whole run, and a
few milliseconds. Hoist selects no feature (a module that selects none is treated the same
whether or not it was seen), so the command line and the window's engine process
(worker.py) put the interpreter's own import back. The window keeps PySide's: it imports
QtCore elsewhere, and its widgets may want it.
"""

import builtins

ENGINE_COMMANDS = ("upload", "download", "watch", "resume")     # they run the engine on QtCore


def qtcore_for(command: str | None) -> None:
    """Before a command runs: QtCore, without the hook, if the command runs the engine."""
    if command in ENGINE_COMMANDS:
        import_qtcore()


def import_qtcore() -> None:
    """Import PySide6.QtCore; if this import is the one that hooked ``__import__``, put the
    interpreter's own back (imported before, by anyone, it is left as it is)."""
    own = builtins.__import__
    import PySide6.QtCore  # noqa: F401 -- imported for the engine, before anything of it
    if builtins.__import__ is not own and getattr(own, "__name__", "") == "__import__":
        builtins.__import__ = own
