"""ProgressBody reads exactly its part's byte range, with os.pread (POSIX) and without (Windows)."""

import os

import pytest

from hoist.engine.progress import ProgressBody, SourceShrank


@pytest.fixture(params=["posix", "windows"])
def platform_os(request, monkeypatch):
    if request.param == "windows":          # Windows' os has no pread
        monkeypatch.delattr(os, "pread")
    return request.param


def test_a_part_is_its_range_and_a_rewind_is_counted_back(platform_os, tmp_path):
    data = bytes(range(256)) * 64                  # CR, LF and Ctrl-Z among them
    path = tmp_path / "source.bin"
    path.write_bytes(data)
    counted = []
    body = ProgressBody(str(path), 1000, 5000, counted.append, lambda: False)
    try:
        got = body.read(4096) + body.read()
        assert got == data[1000:6000] and sum(counted) == 5000
        body.seek(0)                                # botocore resends: bytes go back
        assert sum(counted) == 0 and body.read(10) == data[1000:1010]
    finally:
        body.close()


def test_a_file_that_shrank_under_a_part_is_said(platform_os, tmp_path):
    path = tmp_path / "source.bin"
    path.write_bytes(b"x" * 100)
    body = ProgressBody(str(path), 50, 100, lambda n: None, lambda: False)
    try:
        with pytest.raises(SourceShrank):
            body.read()
    finally:
        body.close()
