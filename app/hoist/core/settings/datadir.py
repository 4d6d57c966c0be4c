"""Where Hoist keeps its checkpoint store, settings and logs; who may read them; the log's setup."""

import logging
import logging.handlers
import os
import sys
from pathlib import Path

from hoist.core.local.private_files import (
    is_loose,
    make_private_dir,
    private_opener,
    tighten,
    tighten_files,
)
from hoist.core.remote.redaction import redact

STORE_NAME = "checkpoints.sqlite3"
LOG_NAME = "hoist.log"
ENGINE_LOG_NAME = "hoist-engine.log"    # the window's engine process (engine/hosting/worker.py)
ACCOUNTS_NAME = "accounts.json"
PREFERENCES_NAME = "preferences.json"
WATCHING_NAME = "watching.pid"          # `hoist watch` runs, with this pid (cli_watch.py)
# Hoist's own files in the data directory, with what follows their names: -wal, .lock,
# .corrupt-<time>, .1 (a rotated log), .tmp. Anything else there is not Hoist's to change.
OWN_FILES = (STORE_NAME, LOG_NAME, ENGINE_LOG_NAME, ACCOUNTS_NAME, PREFERENCES_NAME)

log = logging.getLogger("hoist.datadir")


def default_data_dir() -> Path:
    """The platform's per-user application data directory for Hoist (docs/platforms.md)."""
    if sys.platform == "win32":
        # Local, not Roaming (%APPDATA%): the checkpoints name this machine's files, and a
        # roaming profile may be redirected to a network share, where SQLite's WAL and the
        # store's lock are not safe.
        return Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local") / "Hoist"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Application Support" / "Hoist"
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "hoist"


def data_dir() -> Path:
    """``$HOIST_DATA_DIR``, else :func:`default_data_dir`."""
    if os.environ.get("HOIST_DATA_DIR"):
        return Path(os.environ["HOIST_DATA_DIR"]).expanduser()
    return default_data_dir()


def _check_privacy(directory: Path, created: bool) -> None:
    """Make Hoist's files owner-only where an older Hoist (or a user) left them readable by
    others, and say so; a loose directory is tightened only if it is Hoist's own place."""
    tightened = tighten_files(directory, OWN_FILES)
    if not created and is_loose(directory):
        if directory.resolve() == default_data_dir().resolve():
            tighten(directory)
            tightened.insert(0, directory)
        else:
            # HOIST_DATA_DIR may name a directory shared on purpose: its mode is the user's call
            log.warning("the data directory %s can be read by other users (mode %03o); Hoist did "
                        "not create it, so it leaves it as it is: its own files there are "
                        "owner-only", directory, directory.stat().st_mode & 0o777)
    if tightened:
        log.warning("made owner-only, as they could be read by other users: %s",
                    ", ".join(str(p) for p in tightened))


class _LogFile(logging.handlers.RotatingFileHandler):
    """The log file, owner-only; a disk that is full (or failing) loses log lines, never the upload.

    The standard handler prints a traceback to stderr for every line it cannot
    write, which on a full disk would bury the one message that matters.
    """

    def _open(self):
        # every log file is made owner-only, the one a rotation starts included (the rotated
        # ones are renamed, and keep it)
        return open(self.baseFilename, self.mode, encoding=self.encoding, errors=self.errors,
                    opener=private_opener)

    def handleError(self, record) -> None:
        if not isinstance(sys.exc_info()[1], OSError):
            super().handleError(record)


class RedactingFilter(logging.Filter):
    """Takes signatures, session tokens and SSE-C keys out of every record a handler writes
    (see :func:`hoist.core.remote.redaction.redact`), its traceback included."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 -- a bad format is the handler's to report
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def setup_logging(directory: Path, verbose: bool = False, name: str = LOG_NAME,
                  check_privacy: bool = True) -> Path | None:
    """Log task events and retries to a rotated file; ``verbose`` mirrors it to stderr.

    Creates the data directory owner-only and, with ``check_privacy``, tightens what an
    earlier run left readable by others (the window's engine process leaves that to the
    window). boto's own loggers stay at WARNING: at DEBUG they print request headers, and
    those carry signatures and session tokens; what does reach a handler is redacted.
    """
    root = logging.getLogger("hoist")
    root.setLevel(logging.INFO)
    root.propagate = False
    for handler in list(root.handlers):
        root.removeHandler(handler)
        handler.close()
    fmt = logging.Formatter("%(asctime)s %(levelname)-7s %(name)s: %(message)s")
    path, created = directory / name, None
    try:
        created = make_private_dir(directory)
        file_handler = _LogFile(
            path, maxBytes=5 * 1024 * 1024, backupCount=3, encoding="utf-8")
    except OSError:
        path = None        # a read-only data directory is reported by the store, not here
    else:
        file_handler.setFormatter(fmt)
        file_handler.addFilter(RedactingFilter())
        root.addHandler(file_handler)
    if verbose:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(fmt)
        stream.addFilter(RedactingFilter())
        root.addHandler(stream)
    noisy = ("boto3", "botocore", "s3transfer", "urllib3")
    for name in noisy:
        logging.getLogger(name).setLevel(logging.WARNING)
    # ...and so does every one below them that something set to DEBUG before we started
    for name, logger in list(logging.Logger.manager.loggerDict.items()):
        if isinstance(logger, logging.Logger) and name.startswith(tuple(n + "." for n in noisy)):
            logger.setLevel(logging.NOTSET)
    if check_privacy and created is not None:
        try:
            _check_privacy(directory, created)
        except OSError as error:
            log.warning("could not check who may read %s: %s", directory, error.strerror)
    return path
