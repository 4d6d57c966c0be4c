"""Checksums as S3 computes them: known vectors, botocore's own implementation, and moto's ETag."""

import base64
import hashlib
import os
import sys
import zlib

import pytest
from botocore.httpchecksum import Crc32Checksum, Sha1Checksum, Sha256Checksum

from hoist.core.remote.checksums import (
    RunningChecksum,
    composite_checksum,
    crc32_combine,
    crc32_shift,
    file_range_checksums,
    md5_b64,
    multipart_etag,
    part_checksum,
)

MiB = 1024 * 1024


def test_crc32_of_the_standard_check_string():
    # CRC-32 of "123456789" is 0xCBF43926, sent big-endian and base64-encoded
    assert part_checksum(b"123456789", "CRC32") == base64.b64encode(bytes.fromhex("cbf43926")).decode()


@pytest.mark.parametrize("algorithm, reference", [
    ("CRC32", Crc32Checksum), ("SHA1", Sha1Checksum), ("SHA256", Sha256Checksum)])
@pytest.mark.parametrize("data", [b"", b"a", bytes(range(256)) * 1000])
def test_matches_botocores_own_checksums(algorithm, reference, data):
    expected = reference()
    expected.update(data)
    assert part_checksum(data, algorithm) == expected.b64digest()


def test_algorithm_names_are_case_insensitive():
    assert part_checksum(b"x", "crc32") == part_checksum(b"x", "CRC32")


def test_crc32c_without_awscrt_says_what_to_do(monkeypatch):
    monkeypatch.setitem(sys.modules, "awscrt", None)     # import fails, as without the package
    with pytest.raises(ValueError, match="awscrt"):
        part_checksum(b"123456789", "CRC32C")


def test_crc32c_with_awscrt():
    pytest.importorskip("awscrt")
    assert part_checksum(b"123456789", "CRC32C") == base64.b64encode(bytes.fromhex("e3069283")).decode()


def test_unknown_algorithm():
    with pytest.raises(ValueError, match="unknown checksum algorithm"):
        part_checksum(b"x", "MD4")


def test_md5_b64_is_the_content_md5_header():
    assert md5_b64(b"hello") == "XUFAKrxLKna5cZ2REBfFkg=="


def test_multipart_etag_formula():
    parts = [hashlib.md5(b"one").hexdigest(), hashlib.md5(b"two").hexdigest()]
    joined = hashlib.md5(hashlib.md5(b"one").digest() + hashlib.md5(b"two").digest()).hexdigest()
    assert multipart_etag([f'"{p}"' for p in parts]) == f'"{joined}-2"'
    assert multipart_etag(parts) == f'"{joined}-2"'          # quotes or not


def test_multipart_etag_matches_the_servers(s3, bucket):
    first, last = b"\x01" * (5 * MiB), b"tail" * 100
    upload = s3.create_multipart_upload(Bucket=bucket, Key="obj")["UploadId"]
    etags = [s3.upload_part(Bucket=bucket, Key="obj", UploadId=upload, PartNumber=n,
                            Body=body)["ETag"] for n, body in ((1, first), (2, last))]
    done = s3.complete_multipart_upload(
        Bucket=bucket, Key="obj", UploadId=upload,
        MultipartUpload={"Parts": [{"PartNumber": n, "ETag": e} for n, e in enumerate(etags, 1)]})
    assert done["ETag"] == multipart_etag(etags)
    assert s3.head_object(Bucket=bucket, Key="obj")["ETag"] == multipart_etag(etags)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256", ""])
def test_file_range_checksums_match_the_slice(tmp_path, algorithm):
    data = bytes(range(256)) * 9000                              # a little over 2 MiB
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    offset, size = 1000, len(data) - 5000
    checksum, md5 = file_range_checksums(path, offset, size, algorithm, want_md5=True)
    piece = data[offset:offset + size]
    assert checksum == (part_checksum(piece, algorithm) if algorithm else None)
    assert md5 == md5_b64(piece)
    assert file_range_checksums(path, offset, size, algorithm, want_md5=False)[1] is None


def test_file_range_checksums_notice_a_file_that_shrank(tmp_path):
    path = tmp_path / "f.bin"
    path.write_bytes(b"x" * 100)
    with pytest.raises(EOFError):
        file_range_checksums(path, 50, 100, "CRC32", want_md5=True)


@pytest.mark.parametrize("algorithm", ["CRC32", "SHA1", "SHA256"])
def test_a_running_checksum_fed_in_pieces_equals_the_whole(algorithm):
    data = bytes(range(256)) * 1000
    running = RunningChecksum(algorithm)
    for start in range(0, len(data), 7777):
        running.update(data[start:start + 7777])
    assert running.b64() == part_checksum(data, algorithm)
    md5 = RunningChecksum("MD5")
    md5.update(data)
    assert base64.b64encode(md5.raw()).decode() == md5_b64(data)


def test_a_composite_checksum_is_the_checksum_of_the_parts_checksums():
    parts = [b"a" * 10, b"b" * 3]
    raw = [base64.b64decode(part_checksum(p, "CRC32")) for p in parts]
    assert composite_checksum(raw, "CRC32") == part_checksum(b"".join(raw), "CRC32") + "-2"


@pytest.mark.parametrize("first, second", [(0, 0), (1, 0), (0, 5), (7, 13), (1000, 1 << 20)])
def test_crc32_combine_gives_the_crc32_of_both_pieces_from_each_ones(first, second):
    a, b = os.urandom(first), os.urandom(second)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), second) == zlib.crc32(a + b)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), second,
                         crc32_shift(second)) == zlib.crc32(a + b)
