"""Where a downloaded key lands under its destination folder, and which keys cannot land safely.

A key is text chosen by whoever wrote the bucket; a local path is not. Each key is checked
name by name before it becomes a path: nothing may climb out of the destination, no name may be
one the local file system cannot hold, and no two keys may claim one path (a file and a
folder, or two names that differ only in case where the file system ignores case).
"""

import os
import posixpath
import re
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from hoist.core.download.partial import PARTIAL_SUFFIX

DEFAULT_NAME_MAX = 255
_DRIVE_LETTER = re.compile(r"^[A-Za-z]:")
_WINDOWS_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL",
                               *(f"COM{n}" for n in range(1, 10)),
                               *(f"LPT{n}" for n in range(1, 10))})
_WINDOWS_FORBIDDEN = frozenset('<>:"|?*') | frozenset(chr(n) for n in range(1, 32))


class UnsafeKey(ValueError):
    """A key that cannot become a file under the destination; ``str()`` names it and says why."""

    def __init__(self, key: str, why: str):
        super().__init__(f"{shown(key)}: {why}; skipped")
        self.key = key
        self.why = why


def shown(key: str) -> str:
    """The key as a message may print it: control characters escaped, so a key cannot forge
    lines or colours in a terminal."""
    if key.isprintable():
        return key
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii")
                   for c in key)


def nearest_existing(path: Path) -> Path:
    """``path`` or its closest parent that exists (the folder whose file system it will be on)."""
    path = Path(os.path.abspath(path))
    while not path.exists() and path.parent != path:
        path = path.parent
    return path


def name_max(folder: Path) -> int:
    """The longest name, in bytes, the file system under ``folder`` holds."""
    try:
        value = os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError, ValueError):       # Windows has no pathconf
        return DEFAULT_NAME_MAX
    return value if value and value > 0 else DEFAULT_NAME_MAX


def ignores_case(dest: Path) -> bool:
    """Whether the file system ``dest`` is on (or will be on) takes "A.jpg" and "a.jpg" for one
    file: asked by making a probe file and looking for it under its name in the other case."""
    where = nearest_existing(dest)
    try:
        fd, probe = tempfile.mkstemp(prefix=".Hoist-Case-Probe-", dir=where)
    except OSError:                     # read-only: the platform's usual file system
        return sys.platform in ("win32", "darwin")
    try:
        os.close(fd)
        return os.path.exists(os.path.join(where, os.path.basename(probe).swapcase()))
    finally:
        os.unlink(probe)


class KeyRules:
    """The checks a key passes under one destination folder; made once for a whole prefix,
    so the file system is asked its limits once, and each parent folder resolved once."""

    def __init__(self, dest: Path, windows: bool = os.name == "nt"):
        self.dest = Path(dest)
        self.windows = windows
        self.name_max = name_max(nearest_existing(self.dest))
        self._dest_real = Path(os.path.realpath(self.dest))
        self._parents_inside: dict[tuple[str, ...], bool] = {}
        self._files_in_way: dict[tuple[str, ...], Path | None] = {}

    def check(self, key: str, relative: str) -> tuple[list[str], Path]:
        """The names of ``relative`` (the key less its prefix) and its local path; raises
        UnsafeKey. A ``relative`` ending in "/" is a folder."""
        folder = relative.endswith("/")
        names = self._names(key, relative[:-1] if folder else relative)
        for i, name in enumerate(names):
            self._check_name(key, name, is_file=not folder and i == len(names) - 1)
        path = self.dest.joinpath(*names)
        if not self._parent_inside(tuple(names[:-1])):
            raise UnsafeKey(key, f"would land outside {self.dest} (a folder on its way is a "
                                 f"link that leads out of it)")
        # A local file where the key needs a folder: mkdir would fail, and mid-download
        blocker = self._file_in_way(tuple(names if folder else names[:-1]))
        if blocker is not None:
            raise UnsafeKey(key, f"needs a folder where the file {blocker} is")
        if not folder and _is_folder(path, follow_links=False):
            raise UnsafeKey(key, f"would replace the folder {path}")
        return names, path

    def _names(self, key: str, relative: str) -> list[str]:
        if "\0" in relative:
            raise UnsafeKey(key, "has a NUL character, which no file name can hold")
        if "\\" in relative:
            raise UnsafeKey(key, "has a backslash, which Windows takes for a folder separator")
        if relative.startswith("/"):
            raise UnsafeKey(key, "is an absolute path" if key.startswith("/")
                            else "has an empty folder name (two slashes in a row)")
        if _DRIVE_LETTER.match(relative):
            raise UnsafeKey(key, "starts with a drive letter, which would land outside "
                                 f"{self.dest} on Windows")
        if not relative:
            raise UnsafeKey(key, "has an empty name")
        names = relative.split("/")
        if "" in names:
            raise UnsafeKey(key, "has an empty folder name (two slashes in a row)")
        if "." in names:
            raise UnsafeKey(key, 'has a "." folder name')
        if ".." in names:
            escapes = posixpath.normpath(relative).split("/")[0] == ".."
            raise UnsafeKey(key, f"would land outside {self.dest}" if escapes
                            else 'has a ".." folder name, which Hoist does not follow')
        return names

    def _check_name(self, key: str, name: str, is_file: bool) -> None:
        try:
            length = (len(name.encode("utf-16-le")) // 2 if self.windows
                      else len(os.fsencode(name)))
        except UnicodeEncodeError:
            raise UnsafeKey(key, f"has a name this file system cannot encode ({shown(name)})"
                            ) from None
        # A file is written as NAME.hoist-partial first: that name must fit too.
        limit = self.name_max - (len(PARTIAL_SUFFIX) if is_file else 0)
        if length > limit:
            why = f"has a name of {length} bytes; this file system holds at most {self.name_max}"
            raise UnsafeKey(key, why + (f" ({limit} and {PARTIAL_SUFFIX} while it downloads)"
                                        if is_file else ""))
        if is_file and name.endswith(PARTIAL_SUFFIX):
            # the partial file of its sibling, and a stray to `hoist cleanup --local` once done
            raise UnsafeKey(key, f"ends in {PARTIAL_SUFFIX}, the name Hoist gives a file while "
                                 "it downloads")
        if self.windows:
            self._check_windows_name(key, name)

    @staticmethod
    def _check_windows_name(key: str, name: str) -> None:
        bad = sorted(set(name) & _WINDOWS_FORBIDDEN)
        if bad:
            raise UnsafeKey(key, f"has {shown(''.join(bad))} in a name, which Windows forbids")
        if name[-1] in ". ":
            raise UnsafeKey(key, f"has a name ending in {'a dot' if name[-1] == '.' else 'a space'}"
                                 ", which Windows drops")
        if name.split(".")[0].rstrip(" ").upper() in _WINDOWS_RESERVED:
            raise UnsafeKey(key, f"has the name {name}, which Windows reserves for a device")

    def _file_in_way(self, folder: tuple[str, ...]) -> Path | None:
        """The first of ``folder``'s folders under dest that exists as something other than
        a folder (a file), or None."""
        if not folder:
            return None
        if folder not in self._files_in_way:
            blocker = self._file_in_way(folder[:-1])
            if blocker is None:
                path = self.dest.joinpath(*folder)
                blocker = path if _exists(path) and not _is_folder(path) else None
            self._files_in_way[folder] = blocker
        return self._files_in_way[folder]

    def _parent_inside(self, parent: tuple[str, ...]) -> bool:
        if not parent:
            return True
        inside = self._parents_inside.get(parent)
        if inside is None:
            real = Path(os.path.realpath(self.dest.joinpath(*parent)))
            inside = real.is_relative_to(self._dest_real)
            self._parents_inside[parent] = inside
        return inside


def _exists(path: Path) -> bool:
    return os.path.lexists(path)


def _is_folder(path: Path, follow_links: bool = True) -> bool:
    """A folder is there (a link to one counts only with ``follow_links``: a file replaces a
    link, not the folder it leads to)."""
    try:
        mode = os.stat(path, follow_symlinks=follow_links).st_mode
    except (OSError, ValueError):       # nothing there, or a name this system cannot ask about
        return False
    return stat.S_ISDIR(mode)


def _relative(key: str, prefix: str) -> str:
    if not key.startswith(prefix):
        raise UnsafeKey(key, f"is not under the prefix {shown(prefix)}")
    return key[len(prefix):]


def target_for(dest: Path, key: str, prefix: str = "") -> Path:
    """The local path of ``key`` downloaded from under ``prefix`` into ``dest`` (the prefix is
    the part of the key left out; a key ending in "/" gives a folder's path). Raises UnsafeKey."""
    return KeyRules(dest).check(key, _relative(key, prefix))[1]


@dataclass
class PrefixPlan:
    """What a prefix's keys become under the destination."""

    files: list[tuple[str, Path]] = field(default_factory=list)    # key, local path
    folders: list[Path] = field(default_factory=list)              # from "folder/" markers
    refused: list[tuple[str, str]] = field(default_factory=list)   # key, the message


def plan_prefix(dest: Path, prefix: str, keys: Iterable[str],
                ignore_case: bool | None = None) -> PrefixPlan:
    """Each key under ``prefix`` as a file or folder under ``dest``, or refused with the reason.

    Two passes over the keys with dictionaries, no pairwise comparison: 100,000 keys cost
    100,000 look-ups. A key that is a file where another key needs a folder is refused, and
    the folder's keys go on; where the file system ignores case, the second of two keys that
    differ only in case is refused (``ignore_case``: None asks the file system).
    """
    rules, plan = KeyRules(dest), PrefixPlan()
    if ignores_case(dest) if ignore_case is None else ignore_case:
        def same(name: str) -> str:
            return unicodedata.normalize("NFC", name).casefold()
    else:
        def same(name: str) -> str:
            return name
    checked: list[tuple[str, str, bool, Path]] = []    # key, its path as compared, folder?, path
    folder_of: dict[str, str] = {}      # every folder a key needs -> the first key needing it
    for key in keys:
        try:
            relative = _relative(key, prefix)
            if not relative:                # the prefix's own folder marker: dest itself
                continue
            names, path = rules.check(key, relative)
        except UnsafeKey as refusal:
            plan.refused.append((key, str(refusal)))
            continue
        is_folder = relative.endswith("/")
        compared = [same(name) for name in names]
        so_far = ""
        for name in compared if is_folder else compared[:-1]:
            so_far = f"{so_far}/{name}" if so_far else name
            folder_of.setdefault(so_far, key)
        checked.append((key, so_far if is_folder else "/".join(compared), is_folder, path))

    file_of: dict[str, str] = {}
    made: set[str] = set()
    for key, compared, is_folder, path in checked:
        if is_folder:
            if compared not in made:
                made.add(compared)
                plan.folders.append(path)
        elif compared in folder_of:
            why = f"is both a file and a folder ({shown(folder_of[compared])})"
            plan.refused.append((key, str(UnsafeKey(key, why))))
        elif compared in file_of:
            why = (f"differs only in case from {shown(file_of[compared])}, and the file system "
                   f"of {dest} does not tell them apart")
            plan.refused.append((key, str(UnsafeKey(key, why))))
        else:
            file_of[compared] = key
            plan.files.append((key, path))
    return plan
