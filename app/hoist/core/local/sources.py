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


class NameNotUTF8(InputError):
    """A file name that is not valid UTF-8 (S3 keys are): the file cannot be uploaded as is."""


def _check_key(key: str, source) -> str:
    try:
        encoded = key.encode("utf-8")
    except UnicodeEncodeError:       # os.fsdecode's stand-ins for bytes that are not UTF-8
        shown = os.fsencode(str(source)).decode("utf-8", "backslashreplace")
        raise NameNotUTF8(f"{shown}: the name is not valid UTF-8, and S3 keys must be. "
                          "Rename the file to upload it.") from None
    if len(encoded) > MAX_KEY_BYTES:
        raise InputError(f"The key for {source} would be {len(key.encode('utf-8')):,} bytes; "
                         f"S3 allows {MAX_KEY_BYTES:,}. Use a shorter prefix or file name.")
    return key


def expand_sources(path: Path, prefix: str = "") -> list[tuple[str, str, int]]:
    """Every regular file at or below ``path`` (as absolute text), with its key and size, in a
    stable order."""
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
        return [(str(path), _check_key(prefix + path.name, path), st.st_size)]
    if not stat.S_ISDIR(st.st_mode):
        raise InputError(f"{path} is not a regular file or folder (a device, pipe or socket); "
                         "only files and folders can be uploaded.")
    if not os.access(path, os.R_OK | os.X_OK):
        raise InputError(f"The folder {path} cannot be read (permission denied): "
                         "fix its permissions, or choose another folder.")

    # Strings and os.scandir, not pathlib: a folder of 100,000 photos is listed in a
    # fraction of the time, and its paths stay text (a Path costs 200 bytes more each).
    found: list[tuple[str, str, int]] = []
    base = len(os.path.join(str(path.parent), ""))      # what the key leaves out: "/", "C:\\"
    _walk(str(path), prefix, base, found)
    return found


def _walk(folder: str, prefix: str, base: int, found: list) -> None:
    """Files of ``folder`` (sorted), then each sub-folder's (sorted, depth first)."""
    try:
        with os.scandir(folder) as listing:
            entries = sorted(listing, key=lambda e: e.name)
    except OSError as error:
        raise InputError(f"The folder {folder} cannot be read ({error.strerror}): "
                         "fix its permissions, or leave it out.") from None
    folders = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):    # a link to a folder: not followed
                folders.append(entry.path)
                continue
            st = entry.stat(follow_symlinks=True)
        except OSError as e:
            log.warning("skipped %s: %s", entry.path, e.strerror)
            continue
        if not stat.S_ISREG(st.st_mode):
            log.warning("skipped %s: not a regular file", entry.path)
            continue
        source = entry.path
        key = prefix + (source[base:] if os.sep == "/" else source[base:].replace(os.sep, "/"))
        try:
            found.append((source, _check_key(key, source), st.st_size))
        except NameNotUTF8 as error:        # skipped, like the unreadable ones above
            log.warning("skipped %s", error)
    for sub in folders:
        _walk(sub, prefix, base, found)
