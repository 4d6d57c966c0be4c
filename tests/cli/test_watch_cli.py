"""`hoist watch` as a service runs it: a real process, stopped with SIGTERM (issue #27)."""

import os
import signal
import sqlite3
import time

from hoist.core.settings.datadir import STORE_NAME
from support.cli import hoist, listing, start


def wait_for_object(s3, bucket, key, proc, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
        except s3.exceptions.NoSuchKey:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, f"{key} was not sent in time"
            time.sleep(0.05)


def test_hoist_watch_sends_new_files_and_exits_0_on_sigterm(cli_env, data_dir, tmp_path, s3,
                                                           bucket):
    folder = tmp_path / "tether"
    folder.mkdir()
    (folder / "IMG_0001.CR3").write_bytes(b"raw photo")
    proc = start(cli_env, "watch", folder, "--bucket", bucket, "--prefix", "shoot/",
                 "--settle", "0.2")
    try:
        assert wait_for_object(s3, bucket, "shoot/tether/IMG_0001.CR3", proc) == b"raw photo"
        (folder / "IMG_0002.CR3").write_bytes(b"another")
        assert wait_for_object(s3, bucket, "shoot/tether/IMG_0002.CR3", proc) == b"another"
        # one writer at a time: a second watcher is told which process holds the store
        second = hoist(cli_env, "watch", folder, "--bucket", bucket)
        assert second.returncode == 2
        assert f"pid {proc.pid}" in second.stderr
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "Watching" in out and "IMG_0002.CR3" in out
    assert {row["state"] for row in listing(cli_env)} == {"completed"}
    with sqlite3.connect(data_dir / STORE_NAME) as db:      # kept for the next start
        assert db.execute("SELECT folder, bucket, prefix FROM watches").fetchall() == [
            (os.fspath(folder), bucket, "shoot/")]


def test_two_folders_of_the_same_name_need_different_prefixes(cli_env, tmp_path, bucket):
    for parent in ("a", "b"):
        (tmp_path / parent / "photos").mkdir(parents=True)
    result = hoist(cli_env, "watch", tmp_path / "a" / "photos", tmp_path / "b" / "photos",
                   "--bucket", bucket)
    assert result.returncode == 2
    assert "same name" in result.stderr and "--prefix" in result.stderr
