"""Where Hoist keeps its checkpoint store and log, and how the log is set up."""

import logging
import logging.handlers
import os
import sys
from pathlib import Path

STORE_NAME = "checkpoints.sqlite3"
LOG_NAME = "hoist.log"
ENGINE_LOG_NAME = "hoist-engine.log"    # the window's engine process (engine/hosting/worker.py)


def data_dir() -> Path:
    """``$HOIST_DATA_DIR``, else the platform's per-user application data directory
    (docs/platforms.md)."""
    if os.environ.get("HOIST_DATA_DIR"):
        return Path(os.environ["HOIST_DATA_DIR"]).expanduser()
    if sys.platform == "win32":
        # Local, not Roaming (%APPDATA%): the checkpoints name this machine's files, and a
        # roaming profile may be redirected to a network share, where SQLite's WAL and the
        # store's lock are not safe.
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "Hoist"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Hoist"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "hoist"


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file; a disk that is full (or failing) loses log lines, never the upload.

    The standard handler prints a traceback to stderr for every line it cannot
    write, which on a full disk would bury the one message that matters.
    """

    def handleError(self, record) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handleError(record)


def setup_logging(directory: Path, verbose: bool = False, name: str = LOG_NAME) -> Path | None:
    """Log task events and retries to a rotated file; ``verbose`` mirrors it to stderr.

    boto's own loggers stay at WARNING: at DEBUG they print request headers,
    and those carry signatures and session tokens.
    """
    root = logging.getLogger("hoist")
    root.setLevel(logging.INFO)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    path = directory / name
    try:
        directory.mkdir(parents=True, exist_ok=True)
        file_handler = _LogFile(
            path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8")
    except OSError:
        path = None        # a read-only data directory is reported by the store, not here
    else:
        file_handler.setFormatter(fmt)
        root.addHandler(file_handler)
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        root.addHandler(stream)
    for noisy in ("boto3", "botocore", "s3transfer", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return path
