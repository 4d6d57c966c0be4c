"""Names of objects: ``s3://bucket/key`` addresses, and "keep both" names
(``photos/a.jpg`` becomes ``photos/a (1).jpg``, then ``(2)``…)."""

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


def parse_s3_uri(text: str) -> tuple[str, str]:
    """``s3://bucket/some/key`` -> ("bucket", "some/key"); the key may be empty (a bucket or,
    ending in ``/``, a prefix). Raises ValueError for anything else."""
    if not text.startswith("s3://"):
        raise ValueError(f"not an S3 address: {text!r} (use s3://bucket/key)")
    bucket, _, key = text[len("s3://"):].partition("/")
    if not bucket:
        raise ValueError(f"no bucket in {text!r} (use s3://bucket/key)")
    return bucket, key
