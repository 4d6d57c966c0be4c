"""Deleting in batches of 1,000 and restoring archived objects, over HTTP to moto."""

import pytest

from hoist.core.remote.browse import changes
from hoist.core.remote.browse.changes import delete_keys, restore
from hoist.core.remote.errors import S3Error
from hoist.core.remote.s3 import Destination, S3Clients


@pytest.fixture
def remote(s3_server, bucket):
    dest = Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")
    return S3Clients().bucket(dest)


def keys_in(s3, bucket):
    return [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]


def test_delete_goes_in_batches_and_expands_folders(remote, s3, bucket, s3_server):
    for key in ("a", "b", "c", "dir/x", "dir/sub/y", "keep"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"1")
    s3_server.reset()
    done = delete_keys(remote, ["a", "b", "c", "dir/"], batch=2)
    assert sorted(done.deleted) == ["a", "b", "c", "dir/sub/y", "dir/x"]
    assert done.errors == {} and done.requests == 3
    assert s3_server.count("DeleteObjects", bucket) == 3
    assert keys_in(s3, bucket) == ["keep"]


def test_restore_of_an_object_that_is_not_archived_says_no_restore_is_needed(remote, s3, bucket):
    s3.put_object(Bucket=bucket, Key="warm.txt", Body=b"1")
    with pytest.raises(S3Error) as caught:
        restore(remote, "warm.txt", 3, "Bulk")
    assert caught.value.code == "InvalidObjectState"
    assert "no restore needed" in caught.value.message


def test_restore_of_a_glacier_object_is_requested_then_extended(remote, s3, bucket, s3_server):
    s3.put_object(Bucket=bucket, Key="cold.bin", Body=b"1", StorageClass="GLACIER")
    assert restore(remote, "cold.bin", 2, "Expedited") == \
        "cold.bin: restore requested (Expedited, 2 days)"
    [sent] = s3_server.of("RestoreObject", bucket)
    assert "restore" in sent.query
    head = s3.head_object(Bucket=bucket, Key="cold.bin")
    assert "expiry-date" in head["Restore"]          # moto restores at once
    assert "already restored" in restore(remote, "cold.bin", 5, "Bulk")


def test_a_restore_under_way_is_said(remote, altered_s3_server, bucket):
    altered_s3_server.fail_next("RestoreObject", 409, "RestoreAlreadyInProgress")
    with pytest.raises(S3Error) as caught:
        restore(remote, "cold.bin", 1)
    assert "already under way" in caught.value.message


def test_an_unknown_tier_is_refused():
    with pytest.raises(ValueError, match="Standard, Bulk, Expedited"):
        restore(None, "k", 1, "Fast")
    assert changes.TIERS == ("Standard", "Bulk", "Expedited")
