"""The engine against stores that refuse ListParts or AbortMultipartUpload, and how a
verdict outlives a restart."""

import hashlib
import logging
import re

import pytest

from hoist.core.checkpoint.states import TaskState
from hoist.core.policy.planner import MiB


@pytest.fixture
def server(altered_s3_server):
    return altered_s3_server


@pytest.fixture
def dest(s3_server, bucket):
    from hoist.core.remote.s3 import Destination
    return Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")


def _plain_md5(server, etag):
    def head(status, headers, body):
        return status, [(k, f'"{etag}"' if k.lower() == "etag" else v) for k, v in headers
                        if not k.lower().startswith("x-amz-checksum")], body

    def complete(status, headers, body):
        body = re.sub(rb"<ETag>[^<]*</ETag>", f"<ETag>&quot;{etag}&quot;</ETag>".encode(), body)
        return head(status, headers, body)
    server.rewrite("HeadObject", head)
    server.rewrite("CompleteMultipartUpload", complete)


def test_verdict_outlives_a_restart(engine, server, dest, make_file):
    path = make_file("md5.bin", 12 * MiB)
    _plain_md5(server, hashlib.md5(path.read_bytes()).hexdigest())
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    assert engine.manager.task(task_id).state is TaskState.COMPLETED
    engine.stop()
    engine.start()                       # a new store connection, as after a restart
    record = engine.store.get_task(task_id)
    assert record.verified == "MD5" and "verified (MD5)" in record.message


def test_cancel_when_the_store_will_not_abort(engine, server, dest, make_file, s3, qtbot):
    engine.manager.set_limits(1, 1, 1, 4 * MiB)
    [task_id] = engine.manager.add(make_file("keep.bin", 20 * MiB), dest)
    qtbot.waitUntil(lambda: engine.manager.task(task_id).parts_done >= 1, timeout=20_000)
    server.fail_next("AbortMultipartUpload", status=405, code="MethodNotAllowed", times=50)
    with qtbot.waitSignal(engine.manager.task_finished, timeout=10_000):
        engine.manager.cancel(task_id)
    info = engine.manager.task(task_id)
    assert info.message.startswith("Cancelled · the store would not discard the uploaded parts")
    assert server.count("AbortMultipartUpload", bucket=dest.bucket) == 1
    assert engine.store.get_task(task_id) is None          # `hoist cleanup` sees an orphan
    assert [u["Key"] for u in s3.list_multipart_uploads(Bucket=dest.bucket)["Uploads"]] == ["keep.bin"]


def test_resume_without_list_parts_says_so_once(engine, server, dest, make_file, qtbot, caplog,
                                                download_sha256, sha256_file):
    engine.manager.set_limits(2, 1, 2, 8 * MiB)
    paths = [make_file(f"r{i}.bin", 12 * MiB) for i in range(2)]
    ids = [engine.manager.add(p, dest)[0] for p in paths]
    qtbot.waitUntil(lambda: all(engine.manager.task(i).parts_done >= 1 for i in ids),
                    timeout=20_000)
    engine.stop()                                           # both paused with parts recorded
    server.fail_next("ListParts", status=501, code="NotImplemented", times=50)
    caplog.set_level(logging.WARNING, logger="hoist")
    manager = engine.start()
    manager.restore()
    for i in ids:
        manager.resume(i)
    engine.wait_idle()
    for i, p in zip(ids, paths):
        assert manager.task(i).state is TaskState.COMPLETED, manager.task(i).message
        assert download_sha256(dest.bucket, p.name) == sha256_file(p)
    said = [r for r in caplog.records if "does not support ListParts" in r.getMessage()]
    assert len(said) == 1
    assert server.count("ListParts", bucket=dest.bucket) == 2     # asked once per task, no loop


def test_a_small_file_is_proven_by_its_put_alone(engine, server, dest, make_file):
    """The PUT's ETag is the MD5 of what was sent: no HeadObject, one request per small file."""
    path = make_file("small.jpg", 100 * 1024)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED and "verified (MD5)" in info.message
    assert server.count("PutObject", bucket=dest.bucket) == 1
    assert server.count("HeadObject", bucket=dest.bucket) == 0


def test_a_put_answer_that_proves_nothing_is_checked_by_head(engine, server, dest, make_file):
    """An opaque ETag in the PUT's answer (a gateway, encryption): the object is asked for."""
    def opaque(status, headers, body):
        return status, [(k, '"gateway-7f3a"' if k.lower() == "etag" else v)
                        for k, v in headers], body
    server.rewrite("PutObject", opaque)
    path = make_file("small2.jpg", 100 * 1024)
    [task_id] = engine.manager.add(path, dest)
    engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED and "verified (MD5)" in info.message
    assert server.count("HeadObject", bucket=dest.bucket) == 1


def test_a_plain_md5_store_is_hashed_while_sending_after_the_first_upload(
        engine, server, dest, make_file, caplog):
    """The first multipart upload to a plain-MD5 store reads the file again; later ones hash it
    as the parts go up, and a wrong MD5 still fails."""
    caplog.set_level(logging.INFO, logger="hoist")
    first, second, third = (make_file(f"m{i}.bin", 12 * MiB) for i in range(3))
    ids = []
    for path, md5 in ((first, hashlib.md5(first.read_bytes()).hexdigest()),
                      (second, hashlib.md5(second.read_bytes()).hexdigest()),
                      (third, "0" * 32)):
        _plain_md5(server, md5)
        ids += engine.manager.add(path, dest)
        engine.wait_idle()
    assert [r.getMessage() for r in caplog.records if "again for its MD5" in r.getMessage()] == [
        f"task {ids[0]}: reading {first} again for its MD5"]
    assert "verified (MD5)" in engine.manager.task(ids[1]).message
    failed = engine.manager.task(ids[2])
    assert failed.state is TaskState.FAILED and "does not match what was sent" in failed.message
