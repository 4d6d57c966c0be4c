"""A real full file system for tests: a 1 MiB tmpfs, and a filler that takes its last byte."""

import errno
import os
import subprocess

import pytest

SKIP_WHY = "the SQLITE_FULL tests (tests/engine/test_disk_full.py) cover the engine without it"


@pytest.fixture
def tiny_disk(tmp_path):
    """A 1 MiB tmpfs at tmp_path/disk, unmounted afterwards; skipped where mounting is refused."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip(f"mounting a tmpfs needs root; {SKIP_WHY}")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode:
        pytest.skip(f"this machine does not allow mounting a tmpfs ({done.stderr.strip()}); "
                    f"{SKIP_WHY}")
    yield mount
    if subprocess.run(["umount", str(mount)], capture_output=True).returncode:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def fill(directory):
    """Write a filler file until the file system has not one byte left; its path."""
    filler = directory / "filler"
    with open(filler, "wb", buffering=0) as f:
        for chunk in (1 << 16, 4096, 1):
            try:
                while True:
                    f.write(b"\0" * chunk)
            except OSError as e:
                assert e.errno == errno.ENOSPC, e
    return filler
