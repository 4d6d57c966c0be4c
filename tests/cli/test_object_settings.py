"""What the object looks like: `hoist upload` sets Content-Type and the other object settings,
on moto and on SeaweedFS, and keeps them exactly across a kill -9 and `hoist resume`."""

import base64

import pytest
from botocore.exceptions import ClientError

from hoist.core.policy.planner import MiB
from hoist.core.remote.objects import CustomerKey
from support.cli import hoist, listing, parts_done, start, wait_for_parts
from test_stores import downloaded, store_env

pytestmark = pytest.mark.slow


def test_content_type_from_the_file_name(any_store, data_dir, make_file):
    names = {"index.html": "text/html", "photo.jpg": "image/jpeg", "data.csv": "text/csv",
             "backup.tar.gz": "application/gzip", "big.mp4": "video/mp4",
             "noext": "application/octet-stream"}
    paths = [make_file(name, 6 * MiB if name == "big.mp4" else 100) for name in names]
    result = hoist(store_env(any_store, data_dir), "upload", *paths, "--bucket", any_store.bucket,
                   "--part-size", "5MiB", timeout=120)
    assert result.returncode == 0, result.stderr
    for name, content_type in names.items():
        head = any_store.client.head_object(Bucket=any_store.bucket, Key=name)
        assert head["ContentType"] == content_type, name
        assert "ContentEncoding" not in head, name


SETTINGS = ["--cache-control", "max-age=300", "--content-disposition", "attachment",
            "--content-language", "en-GB", "--metadata", "owner=ops,run=7",
            "--metadata", "stage=test", "--tag", "team=data,keep=yes", "--storage-class",
            "STANDARD_IA", "--sse", "AES256", "--checksum-algorithm", "SHA256"]


def assert_settings(store, key, content_type):
    """HEAD and GetObjectTagging show every setting of SETTINGS."""
    head = store.client.head_object(Bucket=store.bucket, Key=key)
    assert head["ContentType"] == content_type
    assert head["CacheControl"] == "max-age=300"
    assert head["ContentDisposition"] == "attachment"
    assert head["ContentLanguage"] == "en-GB"
    # the file's mtime goes with every object (objects.py, with_source_mtime)
    assert head["Metadata"] == {"owner": "ops", "run": "7", "stage": "test",
                                "mtime": head["Metadata"]["mtime"]}
    assert head["StorageClass"] == "STANDARD_IA"
    assert head["ServerSideEncryption"] == "AES256"
    tags = store.client.get_object_tagging(Bucket=store.bucket, Key=key)["TagSet"]
    assert {t["Key"]: t["Value"] for t in tags} == {"team": "data", "keep": "yes"}


@pytest.mark.parametrize("size", [1000, 11 * MiB], ids=["PutObject", "multipart"])
def test_every_setting_reaches_the_object(any_store, data_dir, make_file, size):
    path = make_file(f"styled-{size}.csv", size)
    env = store_env(any_store, data_dir)
    result = hoist(env, "upload", path, "--bucket", any_store.bucket, "--part-size", "5MiB",
                   *SETTINGS, timeout=120)
    assert result.returncode == 0, result.stderr
    assert_settings(any_store, path.name, "text/csv")
    [row] = listing(env)
    assert row["object"]["tags"] == {"team": "data", "keep": "yes"}
    assert row["object"]["checksum_algorithm"] == "SHA256"
    assert row["verified"] in ("SHA256", "MD5"), row


def test_acl_and_content_type_flags(s3_server, cli_env, bucket, s3, make_file):
    path = make_file("page.html", 100)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--acl", "public-read",
                   "--content-type", "text/plain; charset=utf-8")
    assert result.returncode == 0, result.stderr
    assert s3.head_object(Bucket=bucket, Key="page.html")["ContentType"] == \
        "text/plain; charset=utf-8"
    grants = s3.get_object_acl(Bucket=bucket, Key="page.html")["Grants"]
    assert any(g["Grantee"].get("URI", "").endswith("AllUsers") and g["Permission"] == "READ"
               for g in grants), grants
    bare = make_file("bare.html", 100)
    assert hoist(cli_env, "upload", bare, "--bucket", bucket, "--no-guess-mime-type").returncode == 0
    assert s3.head_object(Bucket=bucket, Key="bare.html")["ContentType"] == "binary/octet-stream"
    assert "content-type" not in s3_server.of("PutObject", bucket=bucket)[-1].headers


def test_settings_that_cannot_work_are_usage_errors(cli_env, make_file):
    path = make_file("x.txt", 10)
    for flags, words in [(["--sse-kms-key-id", "k", "--sse", "AES256"], "needs --sse aws:kms"),
                         (["--tag", ",".join(f"k{i}=v" for i in range(11))], "at most 10"),
                         (["--metadata", "bad name=v"], "metadata name"),
                         (["--cache"], "unrecognized arguments: --cache"),      # no prefixes
                         (["--checksum-algorithm", "CRC64NVME"], "awscrt")]:
        result = hoist(cli_env, "upload", path, "--bucket", "b", *flags)
        if "awscrt" in words and "awscrt" not in result.stderr:
            continue                        # awscrt is installed here: CRC64NVME works
        assert result.returncode == 2, (flags, result.stderr)
        assert words in result.stderr, (flags, result.stderr)


def killed_mid_upload(env, data_dir, path, bucket, *flags):
    """`hoist upload` with ``flags``, killed with SIGKILL once two parts are checkpointed."""
    proc = start(env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                 "--concurrency", "2", "--bwlimit", "8MiB/s", "--quiet", *flags)
    wait_for_parts(data_dir, 2, proc)
    proc.kill()                                 # no clean-up at all
    proc.wait()


def test_kill_9_then_resume_without_flags_keeps_every_setting(any_store, data_dir, make_file):
    path = make_file("kept.csv", 30 * MiB)                       # 6 parts of 5 MiB
    env = store_env(any_store, data_dir)
    killed_mid_upload(env, data_dir, path, any_store.bucket, *SETTINGS)
    [row] = listing(env)
    assert row["state"] == "uploading" and row["object"]["storage_class"] == "STANDARD_IA"
    # the upload expires on the server meanwhile: the resume must make it again, from the
    # checkpoint's settings alone
    any_store.client.abort_multipart_upload(Bucket=any_store.bucket, Key="kept.csv",
                                            UploadId=row["upload_id"])
    result = hoist(env, "resume", "--quiet", timeout=120)         # no flags at all
    assert result.returncode == 0, result.stderr
    first_upload = row["upload_id"]
    [row] = listing(env)
    assert row["upload_id"] != first_upload                       # made again
    assert_settings(any_store, "kept.csv", "text/csv")
    assert downloaded(any_store, "kept.csv") == path.read_bytes()
    assert row["state"] == "completed" and row["object"]["checksum_algorithm"] == "SHA256"


def key_file(tmp_path, name: str, seed: int):
    path = tmp_path / name
    path.write_bytes(bytes((seed + i) % 256 for i in range(32)))
    return path, CustomerKey(path.read_bytes())


def test_sse_c_key_is_asked_for_again_and_another_key_is_refused(any_store, data_dir, make_file,
                                                                 tmp_path, s3_server):
    path = make_file("secret.bin", 30 * MiB)
    env = store_env(any_store, data_dir)
    keyfile, key = key_file(tmp_path, "right.key", 1)
    _, wrong = key_file(tmp_path, "wrong.key", 2)
    killed_mid_upload(env, data_dir, path, any_store.bucket, "--sse-c-key-file", keyfile,
                      "--metadata", "kind=secret")
    [row] = listing(env)
    assert row["object"]["sse_c_key_md5"] == key.md5
    store_text = b"".join(p.read_bytes() for p in data_dir.iterdir() if p.is_file())
    assert base64.b64encode(keyfile.read_bytes()) not in store_text
    assert keyfile.read_bytes() not in store_text
    parts_before = parts_done(data_dir)

    refused = hoist(env, "resume")                                 # no key
    assert refused.returncode == 2
    assert "SSE-C key" in refused.stderr and "--sse-c-key-file" in refused.stderr, refused.stderr
    env_wrong = {**env, "HOIST_SSE_C_KEY": base64.b64encode(bytes((2 + i) % 256
                                                                    for i in range(32))).decode()}
    refused = hoist(env_wrong, "resume")
    assert refused.returncode == 2
    assert f"not the one upload {row['id']}" in refused.stderr and wrong.md5 in refused.stderr
    assert parts_done(data_dir) == parts_before                    # nothing was sent

    env_right = {**env, "HOIST_SSE_C_KEY": base64.b64encode(keyfile.read_bytes()).decode()}
    result = hoist(env_right, "resume", "--quiet", timeout=120)
    assert result.returncode == 0, result.stderr
    sse_c = key.params()
    client = any_store.client
    head = client.head_object(Bucket=any_store.bucket, Key="secret.bin",
                              **{k: v for k, v in sse_c.items()})
    assert head["Metadata"] == {"kind": "secret", "mtime": head["Metadata"]["mtime"]}
    body = client.get_object(Bucket=any_store.bucket, Key="secret.bin", **sse_c)["Body"].read()
    assert body == path.read_bytes()
    if any_store.name == "seaweedfs":
        assert key.md5 in head["SSECustomerKeyMD5"]
        with pytest.raises(ClientError):                         # without the key: refused
            client.head_object(Bucket=any_store.bucket, Key="secret.bin")
    else:                    # moto keeps no SSE-C: every request carried the key, as S3 needs
        for op in ("UploadPart", "CompleteMultipartUpload"):
            sent = s3_server.of(op, bucket=any_store.bucket)
            assert sent and all(r.headers.get("x-amz-server-side-encryption-customer-key-md5")
                                == key.md5 for r in sent), op


@pytest.mark.parametrize("size", [1000, 11 * MiB], ids=["PutObject", "multipart"])
def test_a_refused_setting_fails_the_upload_once_with_the_remedy(cli_env, bucket, make_file,
                                                                 s3_server, size):
    path = make_file(f"cold-{size}.bin", size)
    result = hoist(cli_env, "upload", path, "--bucket", bucket, "--part-size", "5MiB",
                   "--storage-class", "FROZEN_SOLID")
    assert result.returncode == 1, result.stderr
    assert "does not offer storage class FROZEN_SOLID" in result.stderr
    assert "--storage-class" in result.stderr
    op = "PutObject" if size < 5 * MiB else "CompleteMultipartUpload"
    assert s3_server.count(op, bucket=bucket) == 1                  # said once: no retries
    [row] = listing(cli_env)
    assert row["state"] == "failed" and "FROZEN_SOLID" in row["message"]
