"""`hoist` against each S3 implementation the tests can run: moto and SeaweedFS.

The same uploads, crash and resume, cancel, cleanup and adopt go to both; docs/compatibility.md says how
the two differ and what Hoist does about it. SeaweedFS checks Content-MD5 and
x-amz-checksum-crc32 and returns the object's CRC32; moto checks neither and
returns a CRC32 only for multipart objects.
"""

import base64
import os
import zlib

import pytest

from hoist.core.policy.planner import MiB
from support.cli import hoist, listing, start, wait_for_parts

SIZES = {"empty": 0, "4KiB": 4 * 1024, "17MiB": 17 * MiB}      # 17 MiB: four 5 MiB parts


def store_env(store, data_dir) -> dict:
    env = dict(os.environ)
    env.update(HOIST_DATA_DIR=str(data_dir), AWS_ENDPOINT_URL=store.endpoint_url,
               PYTHONUNBUFFERED="1")
    env.pop("QT_QPA_PLATFORM", None)
    return env


def crc32_b64(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def downloaded(store, key) -> bytes:
    return store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read()


def upload(store, data_dir, path):
    return hoist(store_env(store, data_dir), "upload", path, "--bucket", store.bucket,
                 "--part-size", "5MiB", timeout=120)


def expected_verdict(store_name: str, multipart: bool) -> str:
    """How `hoist list` must say the object was verified, from what each store returns.

    Measured (tests/support/probe_store.py): SeaweedFS returns the object's CRC32
    to HeadObject(ChecksumMode=ENABLED) for single and multipart objects; moto
    returns it only for multipart ones, so a small file there is proved by its
    plain-MD5 ETag.
    """
    if store_name == "moto" and not multipart:
        return "verified (MD5)"
    return "verified (CRC32)"


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_upload_round_trip(any_store, data_dir, make_file, size):
    path = make_file(f"round-{size}.bin", size)
    result = upload(any_store, data_dir, path)
    assert result.returncode == 0, result.stderr
    assert downloaded(any_store, path.name) == path.read_bytes()
    head = any_store.client.head_object(Bucket=any_store.bucket, Key=path.name)
    assert head["ContentLength"] == size
    if size > 5 * MiB:
        assert head["ETag"].endswith('-4"'), f"17 MiB in 5 MiB parts is 4 parts: {head['ETag']}"
    # SeaweedFS keeps (and checks) the CRC32 Hoist sends; moto keeps none for a PutObject.
    crc = any_store.client.head_object(Bucket=any_store.bucket, Key=path.name,
                                       ChecksumMode="ENABLED").get("ChecksumCRC32")
    if any_store.name == "seaweedfs":
        assert crc, "the store holds no CRC32: Hoist did not send one"
    if crc and size <= 5 * MiB:
        assert crc == crc32_b64(path.read_bytes())
    [row] = listing(store_env(any_store, data_dir))
    assert row["state"] == "completed" and row["bytes_done"] == size


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_list_says_how_it_was_verified(any_store, data_dir, make_file, size):
    path = make_file(f"verified-{size}.bin", size)
    env = store_env(any_store, data_dir)
    assert upload(any_store, data_dir, path).returncode == 0
    shown = hoist(env, "list")
    assert shown.returncode == 0, shown.stderr
    want = expected_verdict(any_store.name, multipart=size > 5 * MiB)
    assert want in shown.stdout, f"`hoist list` should say {want!r}:\n{shown.stdout}"


def kill_mid_upload(store, data_dir, path) -> str:
    """Start an upload, kill -9 it after two parts; the upload id the server then holds."""
    proc = start(store_env(store, data_dir), "upload", path, "--bucket", store.bucket,
                 "--part-size", "5MiB", "--concurrency", "1", "--bwlimit", "5MiB/s", "--quiet")
    try:
        wait_for_parts(data_dir, 2, proc)
    finally:
        proc.kill()                                  # SIGKILL: no clean-up at all
        proc.communicate(timeout=30)
    [pending] = store.client.list_multipart_uploads(Bucket=store.bucket)["Uploads"]
    parts = store.client.list_parts(Bucket=store.bucket, Key=path.name,
                                    UploadId=pending["UploadId"]).get("Parts", [])
    assert len(parts) >= 2, f"the store lists {len(parts)} parts of the killed upload"
    return pending["UploadId"]


def test_kill_9_mid_upload_then_resume(any_store, data_dir, make_file):
    path = make_file("crash.bin", 25 * MiB)                        # 5 parts
    upload_id = kill_mid_upload(any_store, data_dir, path)
    env = store_env(any_store, data_dir)

    result = hoist(env, "resume", "--quiet", timeout=120)
    assert result.returncode == 0, result.stderr
    assert downloaded(any_store, "crash.bin") == path.read_bytes()
    head = any_store.client.head_object(Bucket=any_store.bucket, Key="crash.bin")
    assert head["ETag"].endswith('-5"'), head["ETag"]
    uploads = any_store.client.list_multipart_uploads(Bucket=any_store.bucket)
    assert uploads.get("Uploads", []) == [], "the resumed upload was left open on the store"
    [row] = listing(env)
    assert row["state"] == "completed"
    message = (row["message"] or "").lower()
    assert "new one" not in message and "restarted" not in message, \
        f"resume started over instead of continuing {upload_id}: {row['message']}"


def test_resumed_upload_says_how_it_was_verified(any_store, data_dir, make_file):
    path = make_file("crash-verified.bin", 25 * MiB)
    kill_mid_upload(any_store, data_dir, path)
    env = store_env(any_store, data_dir)
    assert hoist(env, "resume", "--quiet", timeout=120).returncode == 0
    shown = hoist(env, "list")
    want = expected_verdict(any_store.name, multipart=True)
    assert want in shown.stdout, f"`hoist list` should say {want!r}:\n{shown.stdout}"


def test_cancel_aborts_the_upload_on_the_store(any_store, data_dir, make_file):
    kill_mid_upload(any_store, data_dir, make_file("cancel.bin", 25 * MiB))
    env = store_env(any_store, data_dir)
    [row] = listing(env)
    result = hoist(env, "cancel", row["id"])
    assert result.returncode == 0, result.stderr
    assert listing(env) == []
    assert any_store.client.list_multipart_uploads(Bucket=any_store.bucket).get("Uploads", []) == []


def test_cleanup_aborts_orphans_and_keeps_resumable_uploads(any_store, data_dir, make_file):
    client, bucket = any_store.client, any_store.bucket
    orphan = client.create_multipart_upload(Bucket=bucket, Key="orphan.bin")["UploadId"]
    path = make_file("mine.bin", 25 * MiB)
    proc = start(store_env(any_store, data_dir), "upload", path, "--bucket", bucket,
                 "--part-size", "5MiB", "--concurrency", "1", "--bwlimit", "5MiB/s", "--quiet")
    try:
        wait_for_parts(data_dir, 1, proc)
    finally:
        proc.kill()
        proc.communicate(timeout=30)
    env = store_env(any_store, data_dir)
    result = hoist(env, "cleanup", "--bucket", bucket, "--older-than", "0s")
    assert result.returncode == 0, result.stderr
    left = [u["UploadId"] for u in client.list_multipart_uploads(Bucket=bucket)["Uploads"]]
    assert orphan not in left and len(left) == 1, result.stdout
    assert hoist(env, "resume", "--quiet", timeout=120).returncode == 0
    assert downloaded(any_store, "mine.bin") == path.read_bytes()


def test_adopt_continues_an_upload_another_tool_started(any_store, data_dir, make_file):
    client, bucket = any_store.client, any_store.bucket
    path = make_file("adopt.bin", 18 * MiB)                        # 4 parts of 5 MiB
    data = path.read_bytes()
    upload_id = client.create_multipart_upload(Bucket=bucket, Key="adopt.bin")["UploadId"]
    for number in (1, 2):
        client.upload_part(Bucket=bucket, Key="adopt.bin", UploadId=upload_id, PartNumber=number,
                           Body=data[(number - 1) * 5 * MiB:number * 5 * MiB])
    result = hoist(store_env(any_store, data_dir), "upload", path, "--bucket", bucket,
                   "--part-size", "5MiB", "--adopt", timeout=120)
    assert result.returncode == 0, result.stderr
    log = (data_dir / "hoist.log").read_text()
    assert "adopted upload" in log and upload_id in log
    assert downloaded(any_store, "adopt.bin") == data
    assert client.list_multipart_uploads(Bucket=bucket).get("Uploads", []) == []
