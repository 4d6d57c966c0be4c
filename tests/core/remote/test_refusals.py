"""A store that refuses an object setting fails the upload once, naming the setting and the remedy."""

import pytest

from hoist.core.remote.errors import ErrorKind, S3Error
from hoist.core.remote.objects import CustomerKey, ObjectSettings
from hoist.core.remote.refusals import setting_refusal
from hoist.core.remote.s3 import Destination, S3Clients


@pytest.fixture
def remote(s3_server, bucket):
    return S3Clients(2).bucket(Destination(bucket, endpoint_url=s3_server.endpoint_url))


def refused(remote, settings, op="CreateMultipartUpload") -> S3Error:
    with pytest.raises(S3Error) as caught:
        if op == "PutObject":
            remote.put_object("k", b"abc", 3, None, None, settings=settings)
        else:
            remote.create_multipart("k", "CRC32", settings)
    return caught.value


def test_acl_on_a_bucket_with_acls_disabled(remote, s3_server):
    s3_server.fail_next("CreateMultipartUpload", 400, "AccessControlListNotSupported",
                        message="The bucket does not allow ACLs")
    error = refused(remote, ObjectSettings(acl="public-read"))
    assert error.kind is ErrorKind.FATAL and error.code == "Refused:acl"
    assert "--acl public-read" in error.message and "bucket policy" in error.message


def test_a_storage_class_the_store_does_not_offer(remote, s3_server, bucket):
    # moto refuses it for real, when the upload is completed
    settings = ObjectSettings(storage_class="FROZEN_SOLID")
    upload_id = remote.create_multipart("k", "", settings)
    etag, _ = remote.upload_part("k", upload_id, 1, b"abc", 3, None, None, settings=settings)
    with pytest.raises(S3Error) as caught:
        remote.complete("k", upload_id, [(1, etag, None)], settings=settings)
    assert caught.value.kind is ErrorKind.FATAL and caught.value.code == "Refused:storage_class"
    assert "storage class FROZEN_SOLID" in caught.value.message
    assert "--storage-class" in caught.value.message


def test_tags_refused_by_name_are_not_taken_for_a_checksum_refusal(remote, s3_server):
    """A store without tagging (R2 says NotImplemented, naming the header) must not make Hoist
    think checksums were refused and try again without them."""
    s3_server.fail_next("PutObject", 501, "NotImplemented",
                        message="Header 'x-amz-tagging' with value 'a=b' not implemented")
    error = refused(remote, ObjectSettings(tags={"a": "b"}), "PutObject")
    assert error.kind is ErrorKind.FATAL and error.code == "Refused:tags"
    assert "--tag" in error.message
    assert remote.checksum_supported
    assert s3_server.count("PutObject") >= 1


def test_access_denied_names_the_settings_that_may_cause_it(remote, s3_server):
    key = CustomerKey(bytes(32))
    s3_server.fail_next("CreateMultipartUpload", 403, "AccessDenied")
    error = refused(remote, ObjectSettings(sse_c_key_md5=key.md5, tags={"a": "b"}))
    assert error.kind is ErrorKind.FATAL
    assert "block SSE-C" in error.message and "s3:PutObjectTagging" in error.message
    # without such settings it stays the plain credentials-or-policy message
    s3_server.fail_next("CreateMultipartUpload", 403, "AccessDenied")
    assert "may be why" not in refused(remote, ObjectSettings()).message


def test_a_refusal_of_a_setting_not_asked_for_is_left_alone():
    error = S3Error(ErrorKind.FATAL, "InvalidArgument", "x-amz-acl is not supported")
    assert setting_refusal(error, "", "PutObject", ObjectSettings(), "b", None) is None
    assert setting_refusal(error, "", "PutObject", None, "b", None) is None
    assert setting_refusal(error, "", "ListParts", ObjectSettings(acl="private"), "b",
                           None) is None
    said = setting_refusal(error, "", "PutObject", ObjectSettings(acl="private"), "b", None)
    assert said.code == "Refused:acl"
