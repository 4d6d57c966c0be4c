"""A bucket's folder, a page at a time, over HTTP to moto: folders, objects, continuation."""

import pytest

from hoist.core.remote.browse.listing import Entry, list_page
from hoist.core.remote.errors import S3Error
from hoist.core.remote.s3 import Destination, S3Clients


@pytest.fixture
def remote(s3_server, bucket):
    dest = Destination(bucket=bucket, endpoint_url=s3_server.endpoint_url, region="us-east-1")
    return S3Clients().bucket(dest)


def test_a_page_holds_the_folders_and_objects_of_one_level(remote, s3, bucket):
    for key in ("a.txt", "photos/1.jpg", "photos/2026/2.jpg", "music/x.flac", "b.bin"):
        s3.put_object(Bucket=bucket, Key=key, Body=b"12345")
    s3.put_object(Bucket=bucket, Key="cold.bin", Body=b"x", StorageClass="GLACIER")
    page = list_page(remote, "")
    assert [e.key for e in page.entries] == ["music/", "photos/", "a.txt", "b.bin", "cold.bin"]
    assert page.token is None
    a = page.entries[2]
    assert (a.name, a.size, a.storage_class, a.is_folder) == ("a.txt", 5, "STANDARD", False)
    assert a.modified is not None and a.etag
    assert page.entries[0].name == "music/" and page.entries[0].is_folder
    assert page.entries[4].archived and not a.archived
    inner = list_page(remote, "photos/")
    assert [(e.key, e.name) for e in inner.entries] == [("photos/2026/", "2026/"),
                                                         ("photos/1.jpg", "1.jpg")]


def test_pages_continue_with_the_token(remote, s3, bucket, s3_server):
    for n in range(5):
        s3.put_object(Bucket=bucket, Key=f"k{n}", Body=b"")
    s3_server.reset()
    first = list_page(remote, "", page=3)
    second = list_page(remote, "", first.token, page=3)
    assert [e.key for e in first.entries + second.entries] == [f"k{n}" for n in range(5)]
    assert second.token is None
    assert [r.query.get("delimiter") for r in s3_server.of("ListObjects", bucket)] == [["/"]] * 2


def test_a_refused_listing_says_which_permission_is_missing(remote, altered_s3_server, bucket):
    altered_s3_server.fail_next("ListObjects", 403, "AccessDenied")
    with pytest.raises(S3Error) as caught:
        list_page(remote, "")
    assert caught.value.code == "AccessDenied"
    assert "may not list" in caught.value.message and "s3:ListBucket" in caught.value.message


def test_entry_names():
    assert Entry("a/b/c.txt").name == "c.txt"
    assert Entry("a/b/").name == "b/"
