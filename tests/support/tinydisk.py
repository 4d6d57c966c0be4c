"""A full disk for tests: a real one (a 1 MiB tmpfs, and a filler that takes its last byte),
and, everywhere, SQLite's own SQLITE_FULL from a store whose database may not grow."""

import errno
import os
import sqlite3
import subprocess

import pytest

from hoist.core.settings.datadir import STORE_NAME

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


@pytest.fixture
def small_page_store(data_dir):
    """A store on 512-byte pages: a few checkpoints outgrow the last page of the parts table."""
    data_dir.mkdir(parents=True)
    db = sqlite3.connect(data_dir / STORE_NAME)
    db.execute("PRAGMA page_size = 512")
    db.execute("PRAGMA journal_mode = WAL")     # fixes the page size; the store migrates on top
    db.close()
    return data_dir


def pin_size(store, pages: int | None):
    """Let the database grow no more (``pages`` None: let it grow again). Under the store's lock."""
    db = store._db      # the limit is per connection: it must be the store's own
    count = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count = {count if pages is None else pages}")
