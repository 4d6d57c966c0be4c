"""`hoist upload` against stores that answer unlike moto: other ETags, no checksums, no
ListParts or AbortMultipartUpload. The server's answers are rewritten on the wire."""

import hashlib
import re

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.datadir import LOG_NAME
from support.cli import hoist, listing, start, wait_for_parts

_CHECKSUM_HEADER = re.compile(r"x-amz-checksum-", re.I)


@pytest.fixture
def store(altered_s3_server):
    return altered_s3_server


def answer_etag(server, etag: str) -> None:
    """Complete and HeadObject say ``etag`` and give no checksum, as some stores do."""
    def head(status, headers, body):
        headers = [(k, f'"{etag}"' if k.lower() == "etag" else v) for k, v in headers
                   if not _CHECKSUM_HEADER.match(k) and k.lower() != "x-amz-checksum-type"]
        return status, headers, body

    def complete(status, headers, body):
        body = re.sub(rb"<ETag>[^<]*</ETag>", f"<ETag>&quot;{etag}&quot;</ETag>".encode(), body)
        body = re.sub(rb"<Checksum\w+>[^<]*</Checksum\w+>", b"", body)
        return head(status, headers, body)

    server.rewrite("HeadObject", head)
    server.rewrite("CompleteMultipartUpload", complete)


def upload(env, path, bucket):
    return hoist(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB")


def test_plain_md5_etag_of_a_multipart_upload_is_verified(cli_env, store, bucket, make_file):
    path = make_file("plain.bin", 17 * MiB)
    answer_etag(store, hashlib.md5(path.read_bytes()).hexdigest())
    result = upload(cli_env, path, bucket)
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = listing(cli_env)
    assert row["verified"] == "MD5" and "verified (MD5)" in row["message"]
    assert "verified (MD5)" in hoist(cli_env, "list").stdout


def test_opaque_etag_leaves_the_size(cli_env, store, bucket, make_file):
    answer_etag(store, "kms-" + "0" * 20)
    result = upload(cli_env, make_file("opaque.bin", 17 * MiB), bucket)
    assert result.returncode == 0, result.stdout + result.stderr
    [row] = listing(cli_env)
    assert row["verified"] == "size"
    assert "size checked only — this store gives no checksum" in row["message"]


def test_a_wrong_plain_md5_fails_the_upload(cli_env, store, bucket, make_file):
    answer_etag(store, "0123456789abcdef" * 2)
    result = upload(cli_env, make_file("corrupt.bin", 17 * MiB), bucket)
    assert result.returncode == 1
    assert "does not match what was sent" in result.stdout + result.stderr
    [row] = listing(cli_env)
    assert row["state"] == "failed" and row["verified"] is None


def test_moto_multipart_upload_is_verified_by_a_checksum_or_md5(cli_env, bucket, make_file):
    result = upload(cli_env, make_file("moto.bin", 11 * MiB), bucket)
    assert result.returncode == 0, result.stderr
    [row] = listing(cli_env)
    assert row["verified"] in ("CRC32", "MD5"), row


def _killed_upload(cli_env, data_dir, path, bucket):
    proc = start(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "1", "--bwlimit", "5MiB/s", "--quiet")
    wait_for_parts(data_dir, 1, proc)
    proc.kill()
    proc.wait()


def test_resume_without_list_parts_trusts_the_checkpoint(cli_env, data_dir, store, bucket,
                                                         make_file, download_sha256, sha256_file):
    path = make_file("nolist.bin", 17 * MiB)                     # 4 parts
    _killed_upload(cli_env, data_dir, path, bucket)
    done = listing(cli_env)[0]["parts_done"]
    sent = store.count("UploadPart", bucket=bucket)
    store.fail_next("ListParts", status=501, code="NotImplemented", times=50)
    result = hoist(cli_env, "resume", "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert download_sha256(bucket, "nolist.bin") == sha256_file(path)
    assert store.count("UploadPart", bucket=bucket) - sent <= 4 - done + 1   # + the one in flight
    assert store.count("ListParts", bucket=bucket) == 1
    log_text = (data_dir / LOG_NAME).read_text()
    assert log_text.count("does not support ListParts") == 1


def test_cancel_when_the_store_will_not_abort(cli_env, data_dir, store, bucket, make_file):
    _killed_upload(cli_env, data_dir, make_file("noabort.bin", 17 * MiB), bucket)
    [row] = listing(cli_env)
    store.fail_next("AbortMultipartUpload", status=501, code="NotImplemented", times=50)
    result = hoist(cli_env, "cancel", str(row["id"]))
    assert result.returncode == 0, result.stderr
    assert "the store would not discard the uploaded parts" in result.stdout
    assert store.count("AbortMultipartUpload", bucket=bucket) == 1       # asked once, no loop
    assert listing(cli_env) == []
    cleanup = hoist(cli_env, "cleanup", "--bucket", bucket, "--dry-run", "--older-than", "0s")
    assert cleanup.returncode == 0, cleanup.stderr
    assert f"Would abort s3://{bucket}/noabort.bin" in cleanup.stdout
