"""A cheap identity for a source file, to tell whether it changed between runs.

Size and modification time catch almost every change; a hash of a few
sampled blocks (start, end, and evenly spaced between) catches a rewrite that
kept both. We never read the whole file before an upload starts.
"""

import hashlib
import json
import os
from dataclasses import dataclass

SAMPLE_BLOCK = 64 * 1024
SAMPLE_COUNT = 8


@dataclass(frozen=True, slots=True)
class Fingerprint:
    size: int
    mtime_ns: int
    sample_sha256: str

    def to_json(self) -> str:
        # what json.dumps(asdict(self), sort_keys=True) wrote, without asdict's walk
        return json.dumps({"mtime_ns": self.mtime_ns, "sample_sha256": self.sample_sha256,
                           "size": self.size})

    @classmethod
    def from_json(cls, text: str) -> "Fingerprint":
        return cls(**json.loads(text))

    def difference(self, other: "Fingerprint") -> str | None:
        """Why ``other`` is not the same file content as ``self``, or None."""
        if self.size != other.size:
            return f"its size changed from {self.size:,} to {other.size:,} bytes"
        if self.mtime_ns != other.mtime_ns:
            return "it was modified"
        if self.sample_sha256 != other.sample_sha256:
            return "its content changed"
        return None


def sample_offsets(size: int) -> list[int]:
    """Where the sampled blocks start: the first and last block and evenly between."""
    if size <= SAMPLE_BLOCK * SAMPLE_COUNT:
        return [0] if size else []
    last = size - SAMPLE_BLOCK
    return sorted({round(last * i / (SAMPLE_COUNT - 1)) for i in range(SAMPLE_COUNT)})


def fingerprint(path: str | os.PathLike) -> Fingerprint:
    """Fingerprint ``path``; raises OSError if it cannot be read."""
    return fingerprint_and_content(path)[0]


def fingerprint_and_content(path: str | os.PathLike) -> tuple[Fingerprint, bytes | None]:
    """Fingerprint ``path``, and its bytes when it is small enough to be hashed whole (None
    otherwise): a small file's upload sends and checksums what was fingerprinted, read once."""
    content = None
    with open(path, "rb") as f:
        st = os.fstat(f.fileno())
        if st.st_size <= SAMPLE_BLOCK * SAMPLE_COUNT:
            content = f.read()
            digest = hashlib.sha256(content)
        else:
            digest = hashlib.sha256()
            for offset in sample_offsets(st.st_size):
                f.seek(offset)
                digest.update(f.read(SAMPLE_BLOCK))
    if content is not None and len(content) != st.st_size:
        content = None           # it changed while read: the upload reads it again, and checks
    return (Fingerprint(size=st.st_size, mtime_ns=st.st_mtime_ns,
                        sample_sha256=digest.hexdigest()), content)
