"""Which keys of a drop exist: found by listing the folder's prefix, not a HEAD per key."""

from urllib.parse import unquote

import pytest

from hoist.core.remote import existing
from hoist.core.remote.existing import existing_keys, existing_objects
from hoist.core.remote.s3 import Destination, S3Clients


@pytest.fixture
def remote(s3_server, bucket):
    dest = Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")
    return S3Clients().bucket(dest)


def put(s3, bucket, keys) -> None:
    for key in keys:
        s3.put_object(Bucket=bucket, Key=key, Body=b"x")


def test_a_big_drop_is_checked_by_listing_its_folder(remote, s3, bucket, s3_server):
    keys = [f"photos/2026/IMG_{i:05}.jpg" for i in range(3000)]
    there = keys[::20]
    put(s3, bucket, there + ["photos/2025/old.jpg", "elsewhere/IMG_00000.jpg"])
    s3_server.reset()
    assert existing_keys(remote, keys) == set(there)
    assert s3_server.count("HeadObject", bucket=bucket) == 0
    assert s3_server.count("ListObjects", bucket=bucket) == 1     # 150 keys: one page
    [listing] = s3_server.of("ListObjects", bucket=bucket)
    assert listing.query["prefix"] == ["photos/2026/"]               # the folder, not the bucket


def test_a_prefix_far_bigger_than_the_drop_is_listed_only_so_far(
        remote, s3, bucket, s3_server, monkeypatch):
    monkeypatch.setattr(existing, "PAGE", 10)          # budget: max(5, 2 × 3) = 6 pages of 10
    crowd = [f"root/a{i:04}" for i in range(100)]
    keys = ["root/a0003", "root/a0041", "root/a0099", "root/z-new"] + [f"root/b{i}" for i in range(21)]
    put(s3, bucket, crowd)
    s3_server.reset()
    assert existing_keys(remote, keys) == {"root/a0003", "root/a0041", "root/a0099"}
    assert s3_server.count("ListObjects", bucket=bucket) == 6
    # the first 60 keys were listed; each drop key after the last listed one is asked for
    heads = sorted(unquote(r.path.split("/", 2)[2]) for r in s3_server.of("HeadObject", bucket=bucket))
    assert heads == sorted(k for k in keys if k > "root/a0059")


def test_a_store_that_refuses_listing_is_asked_key_by_key(remote, s3, bucket, s3_server):
    keys = [f"docs/f{i:03}.txt" for i in range(30)]
    put(s3, bucket, keys[:3])
    s3_server.reset()
    s3_server.fail_next("ListObjects", status=403, code="AccessDenied")
    assert existing_keys(remote, keys) == set(keys[:3])
    assert s3_server.count("HeadObject", bucket=bucket) == 30


def test_a_few_keys_are_listed_too_and_one_key_is_its_own_prefix(remote, s3, bucket, s3_server):
    put(s3, bucket, ["one.txt"])
    s3_server.reset()
    found = existing_objects(remote, ["one.txt", "two.txt"])
    assert set(found) == {"one.txt"} and found["one.txt"].size == 1
    assert found["one.txt"].etag and found["one.txt"].last_modified is not None
    assert existing_keys(remote, ["one.txt"]) == {"one.txt"}
    assert s3_server.count("HeadObject", bucket=bucket) == 0
    assert [r.query["prefix"] for r in s3_server.of("ListObjects", bucket=bucket)] == [[""], ["one.txt"]]
