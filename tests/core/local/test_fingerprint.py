"""The source fingerprint on real files: what changes it, what it reads, how it is stored."""

import builtins
import hashlib
import json
import os
import random
from dataclasses import asdict

import pytest

from hoist.core.local import fingerprint as fingerprint_module
from hoist.core.local.fingerprint import (
    SAMPLE_BLOCK,
    SAMPLE_COUNT,
    Fingerprint,
    fingerprint,
    fingerprint_and_content,
    sample_offsets,
)

KiB, MiB = 1024, 1024 * 1024
SMALL = 100 * KiB
LARGE = 3 * MiB + 12345          # > 512 KiB: sampled, not read whole


def write_file(path, size, seed=0):
    path.write_bytes(random.Random(seed).randbytes(size))
    return path


def rewrite_keeping_size_and_mtime(path, offset, data: bytes):
    """Change bytes in place, then put the modification time back: a change size+mtime miss."""
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(path).st_size == st.st_size and os.stat(path).st_mtime_ns == st.st_mtime_ns


def flipped(path, offset, length=16) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        return bytes(b ^ 0xFF for b in f.read(length))


@pytest.fixture(params=[SMALL, LARGE], ids=["small", "large"])
def source(request, tmp_path):
    return write_file(tmp_path / "source.bin", request.param)


def test_unchanged_file_keeps_its_fingerprint(source):
    first = fingerprint(source)
    assert fingerprint(source) == first
    assert first.difference(fingerprint(source)) is None
    assert first.size == source.stat().st_size
    assert first.mtime_ns == source.stat().st_mtime_ns


def test_size_change_is_seen(source):
    before = fingerprint(source)
    with open(source, "ab") as f:
        f.write(b"more")
    after = fingerprint(source)
    assert after.size == before.size + 4
    assert before.difference(after) == f"its size changed from {before.size:,} to {after.size:,} bytes"


def test_mtime_change_is_seen(source):
    before = fingerprint(source)
    st = source.stat()
    os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns + 2_000_000_000))
    after = fingerprint(source)
    assert after.sample_sha256 == before.sample_sha256
    assert before.difference(after) == "it was modified"


def test_content_change_in_the_first_block_is_seen_with_same_size_and_mtime(source):
    before = fingerprint(source)
    rewrite_keeping_size_and_mtime(source, 0, flipped(source, 0))
    after = fingerprint(source)
    assert (after.size, after.mtime_ns) == (before.size, before.mtime_ns)
    assert before.difference(after) == "its content changed"


def test_content_change_in_the_last_block_is_seen(source):
    before = fingerprint(source)
    offset = before.size - 16
    rewrite_keeping_size_and_mtime(source, offset, flipped(source, offset))
    assert before.difference(fingerprint(source)) == "its content changed"


def test_content_change_in_a_middle_sample_of_a_large_file_is_seen(tmp_path):
    path = write_file(tmp_path / "big.bin", LARGE)
    before = fingerprint(path)
    middle = sample_offsets(LARGE)[SAMPLE_COUNT // 2] + 100
    rewrite_keeping_size_and_mtime(path, middle, flipped(path, middle))
    assert before.difference(fingerprint(path)) == "its content changed"


def test_small_files_are_hashed_whole(tmp_path):
    path = write_file(tmp_path / "small.bin", SMALL)
    assert fingerprint(path).sample_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    before = fingerprint(path)
    offset = SMALL // 2 + 7                                # anywhere, not only in a sample
    rewrite_keeping_size_and_mtime(path, offset, flipped(path, offset))
    assert before.difference(fingerprint(path)) == "its content changed"


def test_a_large_file_is_hashed_by_its_samples(tmp_path):
    path = write_file(tmp_path / "big.bin", LARGE)
    data = path.read_bytes()
    digest = hashlib.sha256()
    for offset in sample_offsets(LARGE):
        digest.update(data[offset:offset + SAMPLE_BLOCK])
    assert fingerprint(path).sample_sha256 == digest.hexdigest()


def test_a_change_between_samples_is_left_to_size_and_mtime(tmp_path):
    # The documented trade-off: only the samples are read, so bytes between them are not.
    path = write_file(tmp_path / "big.bin", LARGE)
    before = fingerprint(path)
    gap = sample_offsets(LARGE)[1] - 1000                  # just before the second sample
    assert gap > SAMPLE_BLOCK
    rewrite_keeping_size_and_mtime(path, gap, flipped(path, gap))
    assert before.difference(fingerprint(path)) is None


def test_empty_file(tmp_path):
    path = tmp_path / "empty"
    path.write_bytes(b"")
    fp = fingerprint(path)
    assert fp.size == 0 and fp.sample_sha256 == hashlib.sha256(b"").hexdigest()
    assert sample_offsets(0) == []


def test_missing_file_raises_os_error(tmp_path):
    with pytest.raises(OSError):
        fingerprint(tmp_path / "nope")
    with pytest.raises(OSError):
        fingerprint(tmp_path)                                # a directory


# -- what it reads ---------------------------------------------------------------------

@pytest.mark.parametrize("size", [1, SAMPLE_BLOCK * SAMPLE_COUNT])
def test_sample_offsets_of_small_files(size):
    assert sample_offsets(size) == [0]


@pytest.mark.parametrize("size", [SAMPLE_BLOCK * SAMPLE_COUNT + 1, LARGE, 5 * 1024**4 + 3])
def test_sample_offsets_of_large_files(size):
    offsets = sample_offsets(size)
    assert len(offsets) == SAMPLE_COUNT
    assert offsets == sorted(set(offsets))
    assert offsets[0] == 0 and offsets[-1] == size - SAMPLE_BLOCK
    assert all(0 <= o <= size - SAMPLE_BLOCK for o in offsets)
    # Blocks do not overlap, so the bytes read are exactly SAMPLE_COUNT blocks.
    assert all(b - a >= SAMPLE_BLOCK for a, b in zip(offsets, offsets[1:]))
    gaps = [b - a for a, b in zip(offsets, offsets[1:])]
    assert max(gaps) - min(gaps) <= 1                       # evenly spaced


class CountingFile:
    """Wraps a real file and counts the bytes read through it."""

    def __init__(self, f, counter):
        self._f, self._counter = f, counter

    def read(self, n=-1):
        data = self._f.read(n)
        self._counter.append(len(data))
        return data

    def __getattr__(self, name):
        return getattr(self._f, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._f.close()


@pytest.fixture
def bytes_read(monkeypatch):
    reads: list[int] = []
    monkeypatch.setattr(fingerprint_module, "open",
                        lambda *a, **kw: CountingFile(builtins.open(*a, **kw), reads), raising=False)
    return reads


def test_a_large_file_is_never_read_whole(tmp_path, bytes_read):
    path = write_file(tmp_path / "big.bin", 8 * MiB)
    fingerprint(path)
    assert sum(bytes_read) == SAMPLE_BLOCK * SAMPLE_COUNT == 512 * KiB
    assert max(bytes_read) == SAMPLE_BLOCK


def test_a_small_file_is_read_once(tmp_path, bytes_read):
    path = write_file(tmp_path / "small.bin", SMALL)
    fingerprint(path)
    assert sum(bytes_read) == SMALL


# -- storage ---------------------------------------------------------------------------

def test_json_round_trip(source):
    fp = fingerprint(source)
    text = fp.to_json()
    assert json.loads(text) == {"size": fp.size, "mtime_ns": fp.mtime_ns, "sample_sha256": fp.sample_sha256}
    assert Fingerprint.from_json(text) == fp


def test_json_keeps_nanosecond_mtimes_exact():
    fp = Fingerprint(size=2**53 + 1, mtime_ns=1_700_000_000_123_456_789, sample_sha256="ab" * 32)
    assert Fingerprint.from_json(fp.to_json()) == fp


def test_difference_names_the_first_reason():
    base = Fingerprint(size=1000, mtime_ns=5, sample_sha256="a")
    assert base.difference(base) is None
    assert base.difference(Fingerprint(2000, 6, "b")) == "its size changed from 1,000 to 2,000 bytes"
    assert base.difference(Fingerprint(1000, 6, "b")) == "it was modified"
    assert base.difference(Fingerprint(1000, 5, "b")) == "its content changed"


def test_its_json_is_what_it_always_was(tmp_path):
    """Stores and sent-file records made by earlier versions hold this exact text."""
    path = tmp_path / "a.bin"
    path.write_bytes(b"x" * 1000)
    fp = fingerprint(path)
    assert fp.to_json() == json.dumps(asdict(fp), sort_keys=True)
    assert Fingerprint.from_json(fp.to_json()) == fp


def test_a_small_file_comes_with_its_bytes_a_big_one_without(tmp_path):
    small, big = tmp_path / "small.bin", tmp_path / "big.bin"
    small.write_bytes(b"s" * 1000)
    big.write_bytes(b"b" * (SAMPLE_BLOCK * SAMPLE_COUNT + 1))
    fp, content = fingerprint_and_content(small)
    assert content == b"s" * 1000 and fp == fingerprint(small)
    fp, content = fingerprint_and_content(big)
    assert content is None and fp == fingerprint(big)
