"""What the object looks like: `hoist upload` sets Content-Type and the other object settings,
on moto and on SeaweedFS, and keeps them exactly across a kill -9 and `hoist resume`."""

import pytest

from hoist.core.policy.planner import MiB
from support.cli import hoist, listing
from test_stores import store_env

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
    assert head["Metadata"] == {"owner": "ops", "run": "7", "stage": "test"}
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
