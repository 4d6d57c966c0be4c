"""``--exclude`` and ``--include``: which of the files given are uploaded.

Each rule is a glob matched against a file's path relative to the folder that
was given (a file given by itself: its name), with ``/`` between folders. ``*``
and ``?`` stay within one folder, ``**`` crosses folders (``**/`` also matches
no folder at all), ``[abc]`` is a class. Rules are kept in the order given, in
one list, and the last rule that matches a file decides: the AWS CLI's
semantics. A file no rule matches is included.
"""

import os
import re

INCLUDE, EXCLUDE = "include", "exclude"


def glob_pattern(glob: str) -> re.Pattern:
    """The regular expression a glob means (matched against a whole relative path)."""
    out, i = [], 0
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
            continue
        if glob.startswith("**", i):
            out.append(".*")
            i += 2
            continue
        if c == "*":
            out.append("[^/]*")
        elif c == "?":
            out.append("[^/]")
        elif c == "[" and glob.find("]", i + 2) != -1:      # "[]x]" holds "]"
            end = glob.find("]", i + 2)
            body = glob[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end + 1
            continue
        else:
            out.append(re.escape(c))
        i += 1
    return re.compile("".join(out), re.DOTALL)


class Filters:
    """An ordered list of (INCLUDE or EXCLUDE, glob) rules; the last match wins."""

    def __init__(self, rules=()):
        self.rules = [(kind, glob) for kind, glob in rules]
        # newest first: the first match from the end decides
        self._compiled = [(kind == INCLUDE, glob_pattern(glob)) for kind, glob in reversed(self.rules)]

    def __bool__(self) -> bool:
        return bool(self.rules)

    def included(self, relative: str) -> bool:
        for include, pattern in self._compiled:
            if pattern.fullmatch(relative):
                return include
        return True

    def split(self, files, given) -> tuple[list, list]:
        """``files`` (path, key, size) found under ``given``: (included, excluded)."""
        if not self.rules:
            return list(files), []
        kept, left_out = [], []
        for file in files:
            (kept if self.included(relative_path(file[0], given)) else left_out).append(file)
        return kept, left_out


def relative_path(source: str, given) -> str:
    """``source``'s path below the folder ``given`` (its name, if ``given`` is the file)."""
    root = os.path.abspath(given)
    source = os.fspath(source)
    if source == root or not source.startswith(root.rstrip(os.sep) + os.sep):
        return os.path.basename(source)
    relative = source[len(root.rstrip(os.sep)) + 1:]
    return relative if os.sep == "/" else relative.replace(os.sep, "/")
