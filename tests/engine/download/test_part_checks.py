"""A composite object's parts are the download's ranges, each checked as it streams in: a bad
part is fetched again alone, and the proof needs no second read of the file (issue #25)."""

import os
import random
import threading

import boto3
import pytest

import hoist.core.download.proof as proof_module
from hoist.core.checkpoint.states import PartState, TaskState
from hoist.core.remote.s3 import Destination
from support.engine import small_config

MiB = 1024 * 1024
PART = 5 * MiB                   # moto's smallest part


@pytest.fixture
def put_parts(s3, bucket):
    """put_parts(key, sizes, composite=True) -> bytes, uploaded in parts with CRC32; moto's
    HEAD says COMPOSITE only when the upload said so (else today's re-read proof applies)."""
    def make(key: str, sizes, composite: bool = True) -> bytes:
        data = random.Random(key).randbytes(sum(sizes))
        extra = {"ChecksumType": "COMPOSITE"} if composite else {}
        upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32",
                                            **extra)["UploadId"]
        parts, offset = [], 0
        for number, size in enumerate(sizes, 1):
            reply = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number,
                                   Body=data[offset:offset + size], ChecksumAlgorithm="CRC32")
            parts.append({"PartNumber": number, "ETag": reply["ETag"],
                          "ChecksumCRC32": reply["ChecksumCRC32"]})
            offset += size
        s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                     MultipartUpload={"Parts": parts})
        return data
    return make


class Corrupt:
    """Flips a byte of GetObject answers for the bytes starting at ``offset``: the first
    ``times`` of them (None: every one); ``hold``: holds the first one until ``released``
    is set instead."""

    def __init__(self, server, offset: int, times: int | None = 1, hold: bool = False):
        self.server, self.offset, self.left, self.hold = server, offset, times, hold
        self.held, self.released = threading.Event(), threading.Event()

    def __enter__(self):
        self.server.rewrite("GetObject", self)
        return self

    def __exit__(self, *exc):
        self.released.set()
        self.server.rewrite("GetObject", None)

    def __call__(self, status, headers, body):
        where = dict((k.lower(), v) for k, v in headers).get("content-range", "")
        if where.startswith(f"bytes {self.offset}-") and self.left != 0:
            self.left = None if self.left is None else self.left - 1
            if self.hold:
                self.held.set()
                self.released.wait(30)
            else:
                body = bytes([body[0] ^ 0xFF]) + body[1:]
        return status, headers, body


def _gets(server, bucket, start=0):
    """The GETs of objects' bytes in ``bucket`` (GetObjectAttributes is a GET too)."""
    return [r for r in server.requests[start:]
            if r.op == "GetObject" and r.bucket == bucket and "attributes" not in r.query]


def _parts_fetched(server, bucket, start=0) -> list[int]:
    return sorted(int(r.query["partNumber"][0]) for r in _gets(server, bucket, start)
                  if "partNumber" in r.query)


@pytest.fixture
def no_reread(monkeypatch):
    """Fails the test if the proof reads the file again."""
    def reread(*args, **kwargs):
        raise AssertionError("the proof read the file again")
    monkeypatch.setattr(proof_module, "_digest", reread)


def test_parts_are_the_ranges_checked_as_they_stream_and_proved_without_a_reread(
        engine, put_parts, download, s3_server, bucket, tmp_path, no_reread):
    data = put_parts("c.bin", [PART, PART, MiB])
    [task_id] = download(["c.bin"])
    engine.wait_idle()
    assert (tmp_path / "dl" / "c.bin").read_bytes() == data
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED, info.message
    assert "proved by CRC32 composite, checked part by part" in info.message
    assert engine.store.get_task(task_id).verified == "CRC32 composite"
    assert _parts_fetched(s3_server, bucket) == [1, 2, 3]          # one GET a part, by its number
    assert all(r.headers.get("if-match") for r in _gets(s3_server, bucket))


def test_a_corrupted_part_is_fetched_again_alone(engine, put_parts, download, s3_server,
                                                 bucket, tmp_path):
    data = put_parts("c.bin", [PART, PART, MiB])
    with Corrupt(s3_server, offset=PART):
        [task_id] = download(["c.bin"])
        engine.wait_idle()
    assert (tmp_path / "dl" / "c.bin").read_bytes() == data
    assert engine.manager.task(task_id).state is TaskState.COMPLETED
    assert _parts_fetched(s3_server, bucket) == [1, 2, 2, 3]       # part 2 twice, nothing else
    stats = engine.manager._tasks[task_id].stats
    assert stats.retries["checksum"] == 1 and stats.parts_resent == 1
    assert stats.bytes_received == len(data)               # counted once, when committed


@pytest.fixture
def one_at_a_time(engine):
    """Parts one after another, so what is done when a part fails is known."""
    engine.stop()
    engine.start(small_config(parts_per_file=1, parts_total=1))
    return engine


def test_a_part_that_never_matches_fails_naming_it_and_retry_keeps_the_others(
        one_at_a_time, put_parts, download, s3_server, bucket, tmp_path):
    engine = one_at_a_time
    data = put_parts("c.bin", [PART, PART, MiB])
    with Corrupt(s3_server, offset=PART, times=None):
        [task_id] = download(["c.bin"])
        engine.wait_idle()
    info = engine.manager.task(task_id)
    assert info.state is TaskState.FAILED
    assert "part 2" in info.message and "arrived 3 times" in info.message, info.message
    assert not (tmp_path / "dl" / "c.bin").exists()
    states = {p.number: p.state for p in engine.store.parts(task_id)}
    assert states[2] is PartState.PENDING and states[1] is PartState.DONE
    start = len(s3_server.requests)
    engine.manager.retry(task_id)
    engine.wait_idle()
    assert (tmp_path / "dl" / "c.bin").read_bytes() == data
    assert _parts_fetched(s3_server, bucket, start) == [2, 3]       # never part 1 again


def test_a_resumed_composite_download_proves_from_the_stored_checksums(
        one_at_a_time, put_parts, download, s3_server, bucket, tmp_path, no_reread):
    engine = one_at_a_time
    data = put_parts("c.bin", [PART, PART, MiB])
    with Corrupt(s3_server, offset=PART, hold=True) as gate:     # part 2's answer waits
        [task_id] = download(["c.bin"])
        engine.qtbot.waitUntil(gate.held.is_set, timeout=10_000)
        engine.manager.pause(task_id)
        gate.released.set()
        engine.wait_idle()
    assert [p.state for p in engine.store.parts(task_id)] == [PartState.DONE] + [
        PartState.PENDING] * 2
    engine.stop()
    engine.start()
    engine.manager.restore()
    start = len(s3_server.requests)
    engine.manager.resume(task_id)
    engine.wait_idle()
    assert (tmp_path / "dl" / "c.bin").read_bytes() == data
    assert engine.store.get_task(task_id).verified == "CRC32 composite"
    assert _parts_fetched(s3_server, bucket, start) == [2, 3]


def test_a_multipart_object_moto_does_not_call_composite_keeps_ranges_and_the_reread(
        engine, put_parts, download, s3_server, bucket, tmp_path):
    data = put_parts("m.bin", [PART, MiB], composite=False)
    [task_id] = download(["m.bin"])
    engine.wait_idle()
    assert (tmp_path / "dl" / "m.bin").read_bytes() == data
    gets = _gets(s3_server, bucket)
    assert len(gets) == 6 and not any("partNumber" in r.query for r in gets)   # 1 MiB ranges
    assert engine.store.get_task(task_id).verified == "CRC32 composite"        # read again


def test_seaweedfs_lists_part_sizes_alone_its_parts_are_checksummed_as_they_stream(
        engine, seaweedfs_server, tmp_path, no_reread):
    """SeaweedFS 4.48 says COMPOSITE and "-N" and lists part sizes, but no part's checksum:
    the parts are still the ranges, so the proof needs no re-read."""
    client = boto3.client("s3", endpoint_url=seaweedfs_server.endpoint_url,
                          region_name="us-east-1")
    name = f"parts-{os.getpid()}"
    client.create_bucket(Bucket=name)
    data = random.Random(name).randbytes(PART + MiB)
    upload = client.create_multipart_upload(Bucket=name, Key="c.bin",
                                            ChecksumAlgorithm="CRC32")["UploadId"]
    parts = []
    for number, (offset, size) in enumerate([(0, PART), (PART, MiB)], 1):
        reply = client.upload_part(Bucket=name, Key="c.bin", UploadId=upload,
                                   PartNumber=number, Body=data[offset:offset + size],
                                   ChecksumAlgorithm="CRC32")
        parts.append({"PartNumber": number, "ETag": reply["ETag"],
                      "ChecksumCRC32": reply["ChecksumCRC32"]})
    client.complete_multipart_upload(Bucket=name, Key="c.bin", UploadId=upload,
                                     MultipartUpload={"Parts": parts})
    dest = Destination(bucket=name, endpoint_url=seaweedfs_server.endpoint_url,
                       region="us-east-1")
    [task_id] = engine.manager.add_downloads(dest, name, ["c.bin"], str(tmp_path / "dl"),
                                             range_size=MiB)
    engine.wait_idle()
    assert (tmp_path / "dl" / "c.bin").read_bytes() == data
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED, info.message
    assert "proved by CRC32 composite" in info.message
    assert "checked part by part" not in info.message      # no part's checksum to check


def test_a_whole_object_crc32_is_combined_from_its_ranges_without_a_reread(
        engine, put, download, tmp_path, no_reread):
    data = put("w.bin", 3 * MiB + 5)                  # a single PUT with CRC32: 4 ranges
    [task_id] = download(["w.bin"])
    engine.wait_idle()
    assert (tmp_path / "dl" / "w.bin").read_bytes() == data
    info = engine.manager.task(task_id)
    assert info.state is TaskState.COMPLETED and "proved by CRC32" in info.message
