"""How a composite object's parts are checked: by the parts' listed checksums (AWS's
GetObjectAttributes, stubbed), by each part's own GET (moto), computed only (a store that
lists sizes alone), or not at all (today's ranges and re-read)."""

import base64
import zlib
from collections import namedtuple

import boto3
from botocore.stub import Stubber

from hoist.core.download.range_checks import PartChecks, WholeCrc32, part_checks, range_checks
from hoist.core.remote.checksums import composite_checksum

PART = 5 * 1024 * 1024
Row = namedtuple("Row", "offset size checksum")     # what the proof reads of a stored range


def _rows(pieces, sums=None) -> list[Row]:
    rows, offset = [], 0
    for i, piece in enumerate(pieces):
        rows.append(Row(offset, len(piece), (sums or {}).get(i) or _crc(piece)))
        offset += len(piece)
    return rows


def _crc(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def _upload(s3, bucket, key, parts, **extra) -> dict:
    upload = s3.create_multipart_upload(Bucket=bucket, Key=key, ChecksumAlgorithm="CRC32",
                                        **extra)["UploadId"]
    done = []
    for number, data in enumerate(parts, 1):
        reply = s3.upload_part(Bucket=bucket, Key=key, UploadId=upload, PartNumber=number,
                               Body=data, ChecksumAlgorithm="CRC32")
        done.append({"PartNumber": number, "ETag": reply["ETag"],
                     "ChecksumCRC32": reply["ChecksumCRC32"]})
    s3.complete_multipart_upload(Bucket=bucket, Key=key, UploadId=upload,
                                 MultipartUpload={"Parts": done})
    return s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")


def test_moto_answers_each_parts_checksum_to_its_own_get_when_the_upload_said_composite(
        s3, bucket):
    parts = [b"a" * PART, b"b" * 10]
    head = _upload(s3, bucket, "c", parts, ChecksumType="COMPOSITE")
    checks = part_checks(s3, bucket, "c", head, {"IfMatch": head["ETag"]})
    assert checks.by_part_number and checks.checked and checks.layout == (PART, 10)
    assert [(r.offset, r.size) for r in checks.ranges()] == [(0, PART), (PART, 10)]
    assert checks.proof(_rows(parts)).ok
    bad = checks.proof(_rows(parts, {0: _crc(b"x")}))
    assert not bad.ok and "CRC32 composite differs" in bad.detail


def test_a_multipart_checksum_moto_does_not_call_composite_keeps_todays_plan(s3, bucket):
    head = _upload(s3, bucket, "m", [b"a" * PART, b"b"])       # moto: no "-2", no type
    assert part_checks(s3, bucket, "m", head) is None


def _stubbed():
    client = boto3.client("s3", region_name="us-east-1", aws_access_key_id="test",
                          aws_secret_access_key="test")
    return client, Stubber(client)


def _listing(sums):
    return {"ObjectParts": {"TotalPartsCount": 2, "IsTruncated": False, "Parts": [
        {"PartNumber": 1, "Size": 8, "ChecksumCRC32": sums[0]},
        {"PartNumber": 2, "Size": 3, "ChecksumCRC32": sums[1]}]}}


def test_listed_part_checksums_are_known_before_the_first_get():
    sums = [_crc(b"12345678"), _crc(b"abc")]
    value = composite_checksum([base64.b64decode(s) for s in sums], "CRC32")
    head = {"ETag": '"0123456789abcdef0123456789abcdef-2"', "ContentLength": 11,
            "ChecksumCRC32": value, "ChecksumType": "COMPOSITE"}
    client, stub = _stubbed()
    stub.add_response("get_object_attributes", _listing(sums))
    with stub:
        checks = part_checks(client, "b", "k", head)
    assert checks == PartChecks("CRC32", value.partition("-")[0], (8, 3), tuple(sums))
    assert checks.checked and not checks.by_part_number


def test_a_store_that_lists_no_trustworthy_checksums_gets_parts_checksummed_not_checked():
    sums = [_crc(b"12345678"), _crc(b"abc")]
    value = composite_checksum([base64.b64decode(s) for s in sums], "CRC32")    # "…-2"
    head = {"ETag": '"0123456789abcdef0123456789abcdef-2"', "ContentLength": 11,
            "ChecksumCRC32": value}
    client, stub = _stubbed()
    stub.add_response("get_object_attributes", _listing([_crc(b"x"), _crc(b"y")]))  # wrong
    stub.add_response("head_object", {"ContentLength": 8, "PartsCount": 2})         # no sum
    with stub:
        checks = part_checks(client, "b", "k", head)
    assert checks.expected == (None, None) and not checks.checked
    proof = checks.proof(_rows([b"12345678", b"abc"]))
    assert proof.ok and proof.detail.endswith("each part's checksum computed as it arrived")


def test_an_unknown_layout_keeps_todays_plan():
    client, stub = _stubbed()
    whole = {"ETag": '"0123456789abcdef0123456789abcdef-2"', "ContentLength": 11,
             "ChecksumCRC32": "AAAAAA==", "ChecksumType": "FULL_OBJECT"}
    assert part_checks(client, "b", "k", whole) is None                   # not a request
    stub.add_client_error("get_object_attributes", "NotImplemented", http_status_code=501)
    stub.add_client_error("head_object", "BadRequest", http_status_code=400)
    with stub:
        assert part_checks(client, "b", "k", dict(whole, ChecksumType="COMPOSITE")) is None


def test_a_whole_object_crc32_is_combined_from_its_ranges_without_a_request():
    data = bytes(range(256)) * 40_000                     # ranges of 1 MiB and a short one
    head = {"ETag": '"0123456789abcdef0123456789abcdef"', "ContentLength": len(data),
            "ChecksumCRC32": _crc(data)}
    client, stub = _stubbed()
    with stub:                                            # no request at all
        checks = range_checks(client, "b", "k", head)
    assert checks == WholeCrc32(_crc(data)) and not checks.checked
    ranges = checks.ranges(len(data), 1 << 20)
    pieces = [data[r.offset:r.end] for r in ranges]
    assert len(pieces) == 10 and checks.matches(ranges)
    proof = checks.proof(_rows(pieces))
    assert proof.ok and proof.method == "CRC32" and "10 ranges" in proof.detail
    assert not checks.proof(_rows(pieces, {3: _crc(b"other")})).ok
    assert WholeCrc32(_crc(b"")).proof([]).ok              # an empty object


def test_sha_and_ambiguous_checksums_keep_the_reread():
    client, _ = _stubbed()
    sha = {"ETag": '"0123456789abcdef0123456789abcdef"', "ContentLength": 3,
           "ChecksumSHA256": "x" * 44}
    moto_multipart = {"ETag": '"0123456789abcdef0123456789abcdef-2"', "ContentLength": 3,
                      "ChecksumCRC32": "AAAAAA=="}          # neither "-2" nor a type
    assert range_checks(client, "b", "k", sha) is None
    assert range_checks(client, "b", "k", moto_multipart) is None
