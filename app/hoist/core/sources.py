"""Turning the paths people give into (file, key, size) triples, with clear refusals.

The key of a file is PREFIX + its name; for a directory, PREFIX + the
directory's name + each file's relative path with ``/`` (the CLI's contract).
"""

import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("hoist.sources")

MAX_KEY_BYTES = 1024   # S3's limit on a key's UTF-8 length


class InputError(Exception):
    """A local source that cannot be uploaded; the message says why and what to do."""


def _check_key(key: str, source: Path) -> str:
    if len(key.encode("utf-8")) > MAX_KEY_BYTES:
        raise InputError(f"The key for {source} would be {len(key.encode('utf-8')):,} bytes; "
                         f"S3 allows {MAX_KEY_BYTES:,}. Use a shorter prefix or file name.")
    return key


def expand_sources(path: Path, prefix: str = "") -> list[tuple[Path, str, int]]:
    """Every regular file at or below ``path``, with its key and size, in a stable order."""
    path = Path(os.path.abspath(path))
    try:
        st = path.stat()
    except FileNotFoundError:
        raise InputError(f"{path} does not exist: check the path.") from None
    except PermissionError:
        raise InputError(f"{path} cannot be read (permission denied).") from None
    except OSError as e:     # a symlink loop, a name too long…
        raise InputError(f"{path} cannot be opened ({e.strerror}).") from None
    if stat.S_ISREG(st.st_mode):
        if not os.access(path, os.R_OK):
            raise InputError(f"{path} cannot be read (permission denied): fix its permissions.")
        return [(path, _check_key(prefix + path.name, path), st.st_size)]
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is not a regular file or folder (a device, pipe or socket); "
                         "only files and folders can be uploaded.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise InputError(f"The folder {path} cannot be read (permission denied): "
                         "fix its permissions, or choose another folder.")

    def refuse(error: OSError):
        raise InputError(f"The folder {error.filename} cannot be read ({error.strerror}): "
                         "fix its permissions, or leave it out.")

    found = []
    for root, dirs, files in os.walk(path, onerror=refuse):
        dirs.sort()
        for name in sorted(files):
            source = Path(root, name)
            try:
                st = source.stat()
            except OSError as e:
                log.warning("skipped %s: %s", source, e.strerror)
                continue
            if not stat.S_ISREG(st.st_mode):
                log.warning("skipped %s: not a regular file", source)
                continue
            key = prefix + source.relative_to(path.parent).as_posix()
            found.append((source, _check_key(key, source), st.st_size))
    return found
