"""Owner-only files: what Hoist keeps is made 0600 (its directory 0700) as it is created.

The mode is given to the call that makes each file, never set by a process-wide
umask, which would also reach files Hoist writes for the user. POSIX only: on
Windows (``os.name == "nt"``) nothing here changes a mode, and the ACLs the data
directory inherits are kept.
"""

import os
import stat
from pathlib import Path

POSIX = os.name != "nt"
FILE_MODE = 0o600 if POSIX else 0o666       # Windows reads only the write bit
DIR_MODE = 0o700 if POSIX else 0o777
_OTHERS = 0o077                             # group and other bits


def make_private_dir(path: Path) -> bool:
    """Create the directory ``path`` owner-only (its missing parents as usual); whether it
    was created by this call."""
    path = Path(path)
    if path.is_dir():
        return False
    path.parent.mkdir(parents=True, exist_ok=True)    # ~/.local/share and such: not ours
    try:
        path.mkdir(mode=DIR_MODE)
    except FileExistsError:
        if not path.is_dir():
            raise
        return False            # another Hoist process made it first
    return True


def private_opener(path, flags: int) -> int:
    """``open(..., opener=private_opener)``: a file it creates is owner-only."""
    return os.open(path, flags, FILE_MODE)


def create_private_file(path: Path) -> None:
    """Create ``path`` empty and owner-only if it is missing (an existing file is left as is)."""
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, FILE_MODE))


def write_private_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` atomically (a crash leaves the old file, never half of
    the new one), owner-only from its first byte."""
    path = Path(path)
    temp = path.with_name(path.name + ".tmp")
    try:
        os.unlink(temp)         # a temp file left by a crash keeps its mode: start afresh
    except FileNotFoundError:
        pass
    with open(temp, "x", encoding="utf-8", opener=private_opener) as f:
        f.write(text)
    os.replace(temp, path)


def is_loose(path: Path) -> bool:
    """Whether other users may read (or write, or enter) ``path``; always False on Windows."""
    return POSIX and bool(os.stat(path).st_mode & _OTHERS)


def tighten(path: Path) -> bool:
    """Take the group and other bits off ``path``; whether it had any (False on Windows).

    The owner's bits stay: a file the user made read-only stays read-only.
    """
    if not POSIX:
        return False
    info = os.stat(path, follow_symlinks=False)
    if stat.S_ISLNK(info.st_mode):
        return False       # chmod would follow the link to a file that is not ours to change
    mode = stat.S_IMODE(info.st_mode)
    if not mode & _OTHERS:
        return False
    os.chmod(path, mode & ~_OTHERS)
    return True


def tighten_files(directory: Path, prefixes: tuple[str, ...]) -> list[Path]:
    """Tighten this user's regular files in ``directory`` whose names start with one of
    ``prefixes``; the ones that were loose. Other files and symlinks are not ours to change."""
    if not POSIX:
        return []
    found = []
    with os.scandir(directory) as entries:
        for entry in entries:
            if (entry.name.startswith(prefixes) and entry.is_file(follow_symlinks=False)
                    and entry.stat(follow_symlinks=False).st_uid == os.getuid()):
                try:
                    if tighten(Path(entry.path)):
                        found.append(Path(entry.path))
                except OSError:
                    pass        # gone meanwhile, or not ours after all: nothing to tighten
    return sorted(found)
