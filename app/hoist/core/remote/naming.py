"""Names for "keep both": ``photos/a.jpg`` becomes ``photos/a (1).jpg``, then ``(2)``…"""

import posixpath
from typing import Callable


def keep_both_key(key: str, exists: Callable[[str], bool]) -> str:
    """The first ``name (n).ext`` beside ``key`` for which ``exists`` is false."""
    folder, name = posixpath.split(key)
    stem, ext = posixpath.splitext(name)
    if not stem:                       # ".bashrc": the whole name is the stem
        stem, ext = name, ""
    n = 1
    while True:
        candidate = posixpath.join(folder, f"{stem} ({n}){ext}") if folder else f"{stem} ({n}){ext}"
        if not exists(candidate):
            return candidate
        n += 1
