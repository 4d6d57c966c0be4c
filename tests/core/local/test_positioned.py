"""Positioned reads and writes, with os.pread/os.pwrite (POSIX) and without them (Windows)."""

import os

import pytest

from hoist.core.local.positioned import BINARY, read_at, write_at


@pytest.fixture(params=["posix", "windows"])
def fd(request, monkeypatch, tmp_path):
    if request.param == "windows":          # Windows' os has neither
        monkeypatch.delattr(os, "pread")
        monkeypatch.delattr(os, "pwrite")
    path = tmp_path / "file"
    path.write_bytes(b"0123456789\r\n\x1aend")
    fd = os.open(path, os.O_RDWR | BINARY)
    yield fd
    os.close(fd)


def test_reads_and_writes_land_at_their_offset(fd):
    assert read_at(fd, 4, 3) == b"3456"
    assert read_at(fd, 100, 10) == b"\r\n\x1aend"          # short only at the end; bytes as is
    write_at(fd, b"AB", 1)
    assert read_at(fd, 4, 0) == b"0AB3"
    assert read_at(fd, 4, 100) == b""
