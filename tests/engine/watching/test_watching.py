"""Watched folders on real temporary folders with inotify, against moto over HTTP (issue #27).

The settle time is scaled down to 0.2 s; everything else is as a user has it.
"""

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
    watch = watched.watch(folder)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/edited.bin") == b"first",
                    timeout=10_000)
    qtbot.waitUntil(lambda: object_bytes(s3, bucket, "dumps/old.bin") == b"old", timeout=10_000)
    wait_quiet(qtbot, watched, watch.id)
    watched.stop()                           # Hoist closed
    (folder / "new.bin").write_bytes(b"new")
    (folder / "edited.bin").write_bytes(b"second")
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
