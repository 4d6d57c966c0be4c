"""Watched folders on real temporary folders with inotify, against moto over HTTP (issue #27).

The settle time is scaled down to 0.2 s; everything else is as a user has it.
"""

import errno
import os
import time

import pytest

from hoist.core.checkpoint.watches import Watch
from hoist.engine.watching.folder import MISSING, WATCHING
from support.engine import Engine, small_config

SETTLE = 0.2


@pytest.fixture
def watched(qtbot, data_dir, tmp_path, s3_server, bucket):
    """An engine that watches; ``watch(folder, **changes)`` adds a watch to the test bucket."""
    engine = Engine(qtbot, data_dir, small_config())
    engine.manager.start_watching()

    def watch(folder, **changes):
        settings = dict(folder=str(folder), bucket=bucket, endpoint_url=s3_server.endpoint_url,
                        settle=SETTLE)
        settings.update(changes)
        return engine.manager.save_watch(Watch(**settings)).watch

    engine.watch = watch
    yield engine
    engine.stop()


def sends(s3_server, bucket, key) -> int:
    """PutObject and CreateMultipartUpload requests for ``key``: how often it was sent."""
    return sum(1 for op in ("PutObject", "CreateMultipartUpload")
               for r in s3_server.of(op, bucket) if r.path.endswith("/" + key))


def object_bytes(s3, bucket, key):
    try:
        return s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None


def wait_quiet(qtbot, engine, watch_id, timeout=10_000):
    """Until the watch has nothing settling or waiting, and the engine nothing to send."""
    def quiet():
        info = next(i for i in engine.manager.watches() if i.watch.id == watch_id)
        return info.state == WATCHING and engine.manager.is_idle()
    qtbot.waitUntil(quiet, timeout=timeout)


def test_a_file_appended_for_several_settle_times_is_sent_once(qtbot, watched, tmp_path, s3,
                                                              s3_server, bucket):
    folder = tmp_path / "frames"
    folder.mkdir()
    watch = watched.watch(folder, settle=0.3)
    path = folder / "dump.sql"
    chunks = [os.urandom(1000) for _ in range(12)]
    with open(path, "wb") as f:
        for chunk in chunks:          # 12 writes 0.1 s apart: four settle times
            f.write(chunk)
            f.flush()
            qtbot.wait(100)
    key = "frames/dump.sql"
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, key) is not None, timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    assert object_bytes(s3, bucket, key) == b"".join(chunks)
    assert sends(s3_server, bucket, key) == 1
    info = watched.manager.watches()[0]
    assert info.watch.last_upload == key


def test_an_atomic_save_counts_as_a_new_file_and_its_temporary_is_never_sent(
        qtbot, watched, tmp_path, s3, s3_server, bucket):
    folder = tmp_path / "docs"
    (folder / "sub").mkdir(parents=True)
    watch = watched.watch(folder, rules=(("exclude", "**/*.log"), ("include", "keep.log")))
    (folder / "sub" / "report.txt.tmp").write_bytes(b"new version")
    os.rename(folder / "sub" / "report.txt.tmp", folder / "sub" / "report.txt")
    (folder / "movie.mkv.hoist-partial").write_bytes(b"half")
    (folder / "~$report.docx").write_bytes(b"lock")
    (folder / "debug.log").write_bytes(b"noise")
    (folder / "keep.log").write_bytes(b"kept")
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "docs/keep.log") is not None, timeout=10_000)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "docs/sub/report.txt") == b"new version",
                    timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])}
    assert keys == {"docs/keep.log", "docs/sub/report.txt"}


def test_files_added_or_changed_while_stopped_are_caught_up_and_unchanged_ones_cost_nothing(
        qtbot, watched, tmp_path, s3, s3_server, bucket):
    folder = tmp_path / "dumps"
    folder.mkdir()
    (folder / "old.bin").write_bytes(b"old")
    (folder / "edited.bin").write_bytes(b"first")
    (folder / "gone.bin").write_bytes(b"deleted while closed")
    watch = watched.watch(folder, delete=True)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/gone.bin") is not None,
                    timeout=10_000)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/edited.bin") == b"first",
                    timeout=10_000)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/old.bin") == b"old", timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    watched.stop()                           # Hoist closed
    (folder / "new.bin").write_bytes(b"new")
    (folder / "edited.bin").write_bytes(b"second")
    (folder / "gone.bin").unlink()
    past = time.time() - 60                  # changed long ago: no settle time to wait
    os.utime(folder / "edited.bin", (past, past))
    os.utime(folder / "new.bin", (past, past))
    s3_server.reset()
    watched.start()
    [info] = watched.manager.start_watching()    # restored from the store
    assert info.watch.id == watch.id
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/new.bin") == b"new", timeout=10_000)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/edited.bin") == b"second",
                    timeout=10_000)
    # --delete: what was sent from a file deleted meanwhile goes too
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/gone.bin") is None, timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    assert sends(s3_server, bucket, "dumps/old.bin") == 0
    assert s3_server.count("ListObjects", bucket) == 0 and s3_server.count("HeadObject") == 0


def test_a_folder_removed_and_restored_is_reported_deletes_nothing_and_resumes(
        qtbot, watched, tmp_path, s3, s3_server, bucket):
    folder = tmp_path / "camera"
    folder.mkdir()
    (folder / "a.jpg").write_bytes(b"a")
    watch = watched.watch(folder, delete=True)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "camera/a.jpg") == b"a", timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    os.rename(folder, tmp_path / "unplugged")
    qtbot.waitUntil(lambda: watched.manager.watches()[0].state == MISSING, timeout=10_000)
    assert "folder missing" in watched.manager.watches()[0].text
    os.rename(tmp_path / "unplugged", folder)
    (folder / "b.jpg").write_bytes(b"b")
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "camera/b.jpg") == b"b", timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    assert object_bytes(s3, bucket, "camera/a.jpg") == b"a"      # never deleted meanwhile
    # and with the folder here, a file deleted here is deleted there (--delete)
    (folder / "a.jpg").unlink()
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "camera/a.jpg") is None, timeout=10_000)


def test_a_burst_of_10000_files_is_queued_in_batches_with_no_duplicate_tasks(
        qtbot, watched, tmp_path, altered_s3_server, bucket):
    watched.manager.set_limits(1, 1, 1, 0)        # one file at a time, and that one held:
    release = altered_s3_server.stall_next("PutObject")     # the rest wait in the queue
    folder = tmp_path / "renders"
    folder.mkdir()
    watch = watched.watch(folder)
    try:
        for n in range(100):
            sub = folder / f"shot{n:03}"
            sub.mkdir()
            for m in range(100):
                (sub / f"frame{m:03}.exr").touch()
        def all_queued():
            info = watched.manager.watches()[0]
            return info.state == WATCHING and len(watched.store.tasks()) >= 10_000
        qtbot.waitUntil(all_queued, timeout=30_000)
        keys = [record.key for record in watched.store.tasks()]
        assert len(keys) == len(set(keys)) == 10_000
        assert all(key.startswith("renders/shot") for key in keys)
        assert watch.id == watched.manager.watches()[0].watch.id
    finally:
        release.set()


def test_a_file_changed_during_its_upload_goes_again_once_still_without_counting_a_restart(
        qtbot, watched, tmp_path, s3, altered_s3_server, bucket, caplog):
    caplog.set_level("INFO", logger="hoist.watch")
    folder = tmp_path / "db"
    folder.mkdir()
    path = folder / "nightly.dump"
    path.write_bytes(os.urandom(11 * 1024 * 1024))        # three parts of 5 MiB
    old = time.time() - 60
    os.utime(path, (old, old))                             # still: sent at once
    release = altered_s3_server.stall_next("UploadPart")
    watch = watched.watch(folder)
    try:
        qtbot.waitUntil(altered_s3_server.holding.is_set, timeout=10_000)
        with open(path, "ab") as f:                        # the dump goes on meanwhile
            f.write(b"the last rows")
    finally:
        release.set()
    final = path.read_bytes()
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "db/nightly.dump") == final,
                    timeout=20_000)
    wait_quiet(qtbot, watched, watch.id)
    [record] = watched.store.tasks()
    assert record.state.value == "completed"
    assert altered_s3_server.count("CreateMultipartUpload", bucket) == 2
    # paused until still again, not restarted at once (nor counted among MAX_RESTARTS)
    assert "changed during its upload; sent again once it settles" in caplog.text


class NoWatchesLeft:
    """An observer on a system whose inotify watches are used up (max_user_watches): the
    limit is the machine's, shared with every other process, so it is not lowered here."""

    def schedule(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    def start(self):
        pass

    def stop(self):
        pass


def test_with_no_inotify_watches_left_it_says_so_and_rescans_instead(
        qtbot, data_dir, tmp_path, s3, s3_server, bucket, monkeypatch):
    monkeypatch.setenv("HOIST_WATCH_RESCAN_MIN", "0.3")
    engine = Engine(qtbot, data_dir, small_config())
    try:
        engine.manager.start_watching(observer_factory=NoWatchesLeft)
        folder = tmp_path / "nfs"
        folder.mkdir()
        engine.manager.save_watch(Watch(folder=str(folder), bucket=bucket, settle=SETTLE,
                                        endpoint_url=s3_server.endpoint_url))
        qtbot.waitUntil(lambda: engine.manager.watches()[0].state == WATCHING, timeout=10_000)
        text = engine.manager.watches()[0].text
        assert "too many folders for inotify" in text and "max_user_watches" in text
        assert "rescanning every" in text
        (folder / "late.txt").write_bytes(b"found by a rescan")
        qtbot.waitUntil(lambda: object_bytes(s3, bucket, "nfs/late.txt") is not None,
                        timeout=10_000)
    finally:
        engine.stop()
