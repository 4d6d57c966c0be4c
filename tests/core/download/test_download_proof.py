"""Proving a downloaded file against moto's objects: checksum, composite, MD5, multipart ETag,
size; a file with one byte changed is refused by each."""

import importlib.util
import os
import random

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.stub import Stubber

from hoist.core.download.proof import Proof, part_layout, prove
from hoist.core.policy.planner import MiB

SSE_C = {"SSECustomerAlgorithm": "AES256", "SSECustomerKey": "k" * 32}
# name: (part sizes, or one size for a single PUT; PUT/upload parameters)
OBJECTS = {
    "single-crc": ([1000], {"ChecksumAlgorithm": "CRC32"}),
    "single-plain": ([1000], {}),
    "single-kms": ([1000], {"ServerSideEncryption": "aws:kms"}),
    "single-ssec": ([1000], SSE_C),
    "mp-crc": ([5 * MiB, 5 * MiB, 100], {"ChecksumAlgorithm": "CRC32"}),
    "mp-plain": ([5 * MiB, 5 * MiB, 100], {}),
    "mp-two": ([5 * MiB, 7], {}),
    "mp-unequal": ([5 * MiB, 5 * MiB + 1, 1], {}),
    # parts 2 and 3 are not the size of part 1, though the sizes add up as if they were
    "mp-uneven-middle": ([6 * MiB, 5 * MiB, 7 * MiB, 1], {}),
}


def _client(endpoint):
    # As the app's clients: no checksum unless one is asked for (botocore adds CRC32 otherwise)
    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required"))


@pytest.fixture(scope="module")
def store(s3_server, tmp_path_factory):
    """The objects, uploaded once for the module, and a local copy of each: (client, bucket,
    folder of copies)."""
    client, name = _client(s3_server.endpoint_url), f"proof-{os.getpid()}"
    client.create_bucket(Bucket=name)
    folder = tmp_path_factory.mktemp("proof")
    rng = random.Random(25)
    for key, (sizes, params) in OBJECTS.items():
        chunks = [rng.randbytes(size) for size in sizes]
        (folder / key).write_bytes(b"".join(chunks))
        if len(sizes) == 1:
            client.put_object(Bucket=name, Key=key, Body=chunks[0], **params)
            continue
        upload = client.create_multipart_upload(Bucket=name, Key=key, **params)["UploadId"]
        parts = []
        for number, chunk in enumerate(chunks, 1):
            sent = client.upload_part(Bucket=name, Key=key, UploadId=upload, PartNumber=number,
                                      Body=chunk, **params)
            parts.append({"PartNumber": number, "ETag": sent["ETag"],
                          **{k: v for k, v in sent.items() if k == "ChecksumCRC32"}})
        client.complete_multipart_upload(Bucket=name, Key=key, UploadId=upload,
                                         MultipartUpload={"Parts": parts})
    return client, name, folder


def _head(client, bucket, key, extra=None):
    return client.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED", **(extra or {}))


def _prove(store, key, path=None, head=None, extra=None) -> Proof:
    client, bucket, folder = store
    path = path or folder / key
    head = head or _head(client, bucket, key, extra)
    return prove(path, os.path.getsize(path), head, client, bucket, key, extra)


@pytest.fixture
def changed(store, tmp_path):
    """A copy of an object's file with one byte changed in its middle (in part 2, if any)."""
    def change(key):
        data = bytearray((store[2] / key).read_bytes())
        data[len(data) // 2] ^= 0x40
        path = tmp_path / key
        path.write_bytes(bytes(data))
        return path
    return change


def test_a_single_put_with_crc32_is_proved_by_it_and_a_changed_byte_is_refused(store, changed):
    assert _prove(store, "single-crc") == Proof("CRC32", True, "CRC32 matches")
    refused = _prove(store, "single-crc", changed("single-crc"))
    assert (refused.method, refused.ok) == ("CRC32", False)
    assert refused.detail.startswith("CRC32 differs: expected ")


def test_a_single_put_without_a_checksum_is_proved_by_its_md5(store, changed):
    assert "ChecksumCRC32" not in _head(store[0], store[1], "single-plain")
    assert _prove(store, "single-plain") == Proof("MD5", True, "MD5 matches")
    refused = _prove(store, "single-plain", changed("single-plain"))
    assert (refused.method, refused.ok) == ("MD5", False) and "MD5 differs" in refused.detail


def test_a_multipart_crc32_object_is_proved_by_its_composite_checksum(store, changed):
    client, bucket, _ = store
    head = _head(client, bucket, "mp-crc")
    # moto: the composite value without "-3", and no ChecksumType
    assert "-" not in head["ChecksumCRC32"] and "ChecksumType" not in head
    assumed = " (part 2 assumed as large as part 1: the store does not list its parts)"
    assert _prove(store, "mp-crc") == Proof(
        "CRC32 composite", True, "CRC32 composite of 3 parts matches" + assumed)
    aws_head = dict(head, ChecksumCRC32=head["ChecksumCRC32"] + "-3", ChecksumType="COMPOSITE")
    assert _prove(store, "mp-crc", head=aws_head).ok
    for refused in (_prove(store, "mp-crc", changed("mp-crc")),
                    _prove(store, "mp-crc", changed("mp-crc"), head=aws_head)):
        assert not refused.ok and refused.detail.startswith("CRC32")
    assert "-3, got " in refused.detail


def test_a_multipart_object_without_checksums_is_proved_by_its_multipart_etag(store, changed):
    proof = _prove(store, "mp-plain")
    assert (proof.method, proof.ok) == ("multipart ETag", True)
    assert proof.detail.startswith("multipart ETag of 3 parts matches (part 2 assumed")
    assert _prove(store, "mp-two") == Proof("multipart ETag", True,
                                            "multipart ETag of 2 parts matches")
    refused = _prove(store, "mp-plain", changed("mp-plain"))
    assert (refused.method, refused.ok) == ("multipart ETag", False)
    assert refused.detail.startswith("multipart ETag differs: expected ")


def test_moto_lists_no_parts_so_the_layout_comes_from_head_with_part_number(store, s3_server):
    client, bucket, _ = store
    attributes = client.get_object_attributes(Bucket=bucket, Key="mp-plain",
                                              ObjectAttributes=["ObjectParts"], MaxParts=1000)
    assert "ObjectParts" not in attributes                   # moto 5.2.6 leaves them out
    first = client.head_object(Bucket=bucket, Key="mp-plain", PartNumber=1)
    assert (first["PartsCount"], first["ContentLength"]) == (3, 5 * MiB)
    head = _head(client, bucket, "mp-plain")
    s3_server.reset()
    layout = part_layout(client, bucket, "mp-plain", head)
    assert layout == [5 * MiB, 5 * MiB, 100] and layout.assumed
    heads = s3_server.of("HeadObject", bucket)
    assert [r.query.get("partNumber") for r in heads] == [["1"], ["3"]]
    assert part_layout(client, bucket, "single-plain", _head(client, bucket, "single-plain")) \
        is None


def test_parts_of_unequal_size_leave_the_size_alone(store):
    proof = _prove(store, "mp-unequal")
    assert (proof.method, proof.ok) == ("size", True)
    assert proof.detail == (f"size only: {10 * MiB + 2:,} bytes, as expected (no checksum; its "
                            "part sizes are unknown, so its multipart ETag cannot be recomputed)")


def test_a_layout_assumed_wrongly_is_asked_part_by_part_before_any_refusal(store, changed):
    proof = _prove(store, "mp-uneven-middle")
    assert proof == Proof("multipart ETag", True, "multipart ETag of 4 parts matches"), proof
    refused = _prove(store, "mp-uneven-middle", changed("mp-uneven-middle"))
    assert (refused.method, refused.ok) == ("multipart ETag", False)
    assert "assumed" not in refused.detail


def test_encrypted_objects_are_proved_by_size(store):
    assert _prove(store, "single-kms") == Proof(
        "size", True, "size only: 1,000 bytes, as expected (no checksum; the ETag of an "
                      "SSE-KMS object is no MD5)")
    extra = dict(SSE_C, IfMatch=_head(store[0], store[1], "single-ssec", SSE_C)["ETag"])
    proof = _prove(store, "single-ssec", extra=extra)
    assert (proof.method, proof.ok) == ("size", True) and "SSE-C" in proof.detail


def test_a_size_that_differs_is_refused(store, tmp_path):
    short = tmp_path / "short"
    short.write_bytes((store[2] / "single-plain").read_bytes()[:-1])
    assert _prove(store, "single-plain", short) == Proof(
        "size", False, "size differs: expected 1,000 bytes, got 999")


@pytest.mark.skipif(importlib.util.find_spec("awscrt") is not None,
                    reason="with awscrt, CRC32C is computed")
def test_a_checksum_this_python_cannot_compute_passes_to_the_etag(store):
    head = dict(_head(store[0], store[1], "single-plain"), ChecksumCRC32C="AAAAAA==")
    assert _prove(store, "single-plain", head=head) == Proof(
        "MD5", True, "MD5 matches (CRC32C checksums need the awscrt package, which is not "
                     "installed)")


def _stubbed():
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    return client, Stubber(client)


def test_listed_parts_are_read_page_by_page_without_if_match():
    client, stub = _stubbed()
    asked = {"Bucket": "b", "Key": "k", "ObjectAttributes": ["ObjectParts"], "MaxParts": 1000,
             "VersionId": "v1"}
    stub.add_response("get_object_attributes", {"ObjectParts": {
        "TotalPartsCount": 3, "IsTruncated": True, "NextPartNumberMarker": 2,
        "Parts": [{"PartNumber": 1, "Size": 8}, {"PartNumber": 2, "Size": 6}]}}, asked)
    stub.add_response("get_object_attributes", {"ObjectParts": {
        "TotalPartsCount": 3, "IsTruncated": False,
        "Parts": [{"PartNumber": 3, "Size": 1}]}}, dict(asked, PartNumberMarker=2))
    head = {"ETag": '"0123456789abcdef0123456789abcdef-3"', "ContentLength": 15}
    with stub:
        layout = part_layout(client, "b", "k", head, {"VersionId": "v1", "IfMatch": '"e"'})
    assert layout == [8, 6, 1] and not layout.assumed


def test_a_store_without_object_attributes_is_asked_by_head_with_if_match_and_the_key():
    client, stub = _stubbed()
    extra = dict(SSE_C, IfMatch='"e"')
    stub.add_client_error("get_object_attributes", "NotImplemented", http_status_code=501,
                          expected_params={"Bucket": "b", "Key": "k", "MaxParts": 1000,
                                           "ObjectAttributes": ["ObjectParts"], **SSE_C})
    for number, size in ((1, 8), (4, 3)):
        stub.add_response("head_object", {"ContentLength": size, "PartsCount": 4},
                          {"Bucket": "b", "Key": "k", "PartNumber": number, **extra})
    head = {"ETag": '"0123456789abcdef0123456789abcdef-4"', "ContentLength": 27}
    with stub:
        layout = part_layout(client, "b", "k", head, extra)
    assert layout == [8, 8, 8, 3] and layout.assumed


def test_a_changed_object_is_not_taken_for_a_store_without_part_numbers():
    client, stub = _stubbed()
    stub.add_client_error("get_object_attributes", "AccessDenied", http_status_code=403)
    stub.add_client_error("head_object", "PreconditionFailed", http_status_code=412)
    head = {"ETag": '"0123456789abcdef0123456789abcdef-2"', "ContentLength": 11}
    with stub, pytest.raises(ClientError, match="PreconditionFailed"):
        part_layout(client, "b", "k", head, {"IfMatch": '"e"'})
