"""The Bucket pane's engine calls: on the manager itself, and through ThreadedManager from a
thread other than the engine's (the window asks from a pool thread)."""

import threading

import pytest

from hoist.core.remote.errors import S3Error
from hoist.core.remote.s3 import Destination
from hoist.engine.hosting.threaded import ThreadedManager


@pytest.fixture
def dest(s3_server, bucket):
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1",
                       path_style=True)


def test_list_delete_restore_on_the_manager(engine, dest, s3, bucket):
    for key in ("a.txt", "b.txt", "dir/c.txt"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"abc")
    s3.put_object(Bucket=bucket, Key="cold", Body=b"1", StorageClass="DEEP_ARCHIVE")
    manager = engine.manager
    page = manager.list_folder(dest, "")
    assert [e.key for e in page.entries] == ["dir/", "a.txt", "b.txt", "cold"]
    said = manager.restore_objects(dest, ["cold", "a.txt"], 2, "Standard")
    assert said["cold"] == "cold: restore requested (Standard, 2 days)"
    assert "no restore needed" in said["a.txt"]
    done = manager.delete_objects(dest, ["a.txt", "dir/"])
    assert sorted(done.deleted) == ["a.txt", "dir/c.txt"] and not done.errors
    assert [e.key for e in manager.list_folder(dest, "").entries] == ["b.txt", "cold"]


def test_threaded_manager_answers_on_the_callers_thread(qtbot, engine, dest, s3, bucket,
                                                        altered_s3_server):
    s3.put_object(Bucket=bucket, Key="x", Body=b"1")
    proxy = ThreadedManager(engine.manager)
    try:
        found = {}

        def ask():
            found["page"] = proxy.list_folder(dest, "")
            altered_s3_server.fail_next("ListObjects", 403, "AccessDenied")
            try:
                proxy.list_folder(dest, "")
            except S3Error as error:
                found["error"] = error
        worker = threading.Thread(target=ask)
        worker.start()
        qtbot.waitUntil(lambda: not worker.is_alive(), timeout=10_000)
        assert [e.key for e in found["page"].entries] == ["x"]
        assert "s3:ListBucket" in found["error"].message
    finally:
        proxy.shutdown()
