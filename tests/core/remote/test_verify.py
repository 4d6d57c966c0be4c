"""The verdict on an uploaded object, from every form of evidence a store may give."""

import base64
import hashlib
import os
import zlib

import pytest

from hoist.core.remote.checksums import crc32_combine
from hoist.core.remote.verify import SIZE_ONLY, decide, label

PART = 5 * 1024 * 1024


def b64crc(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


@pytest.fixture(scope="module")
def upload():
    """Three parts of a 12 MiB object and what a store would record of them."""
    data = os.urandom(2 * PART + 2 * 1024 * 1024)
    chunks = [data[i:i + PART] for i in range(0, len(data), PART)]
    parts = [(len(c), f'"{hashlib.md5(c).hexdigest()}"', b64crc(c)) for c in chunks]
    return data, chunks, parts


def verdict(upload, **server):
    data, _, parts = upload
    args = dict(size=len(data), remote_size=len(data), etag='"opaque"', checksum=None,
                checksum_type=None, algorithm="CRC32", parts=parts, multipart=True)
    args.update(server)
    return decide(**args)


def test_composite_crc32_matches_and_mismatches(upload):
    _, chunks, _ = upload
    raw = b"".join(zlib.crc32(c).to_bytes(4, "big") for c in chunks)
    composite = b64crc(raw) + "-3"
    assert verdict(upload, checksum=composite, checksum_type="COMPOSITE") == (True, "CRC32", "")
    bad = verdict(upload, checksum=b64crc(b"x") + "-3")
    assert not bad.ok and bad.method == "CRC32" and "-3" in bad.detail


def test_composite_with_another_part_count_is_not_compared(upload):
    raw = b64crc(b"whatever") + "-7"
    assert verdict(upload, checksum=raw) == (True, SIZE_ONLY, "")


def test_full_object_crc32_is_combined_from_the_parts(upload):
    data, _, _ = upload
    assert verdict(upload, checksum=b64crc(data), checksum_type="FULL_OBJECT") == (True, "CRC32", "")
    assert not verdict(upload, checksum=b64crc(data[:-1] + b"?"), checksum_type="FULL_OBJECT").ok


def test_crc32_combine_agrees_with_zlib():
    a, b = os.urandom(1000), os.urandom(70_001)
    assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_multipart_md5_etag(upload):
    _, chunks, _ = upload
    etag = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert verdict(upload, etag=f'"{etag}-3"') == (True, "MD5", "")
    wrong = verdict(upload, etag=f'"{"0" * 32}-3"')
    assert not wrong.ok and wrong.method == "MD5"


def test_plain_md5_etag_on_a_multipart_upload_is_the_whole_file(upload):
    data, _, _ = upload
    whole = hashlib.md5(data).hexdigest()
    assert verdict(upload, etag=f'"{whole}"', whole_md5=lambda: whole) == (True, "MD5", "")
    wrong = verdict(upload, etag=f'"{"a" * 32}"', whole_md5=lambda: whole)
    assert not wrong.ok and "a" * 32 in wrong.detail and whole in wrong.detail


def test_the_whole_file_is_read_only_when_needed(upload):
    def never():
        raise AssertionError("the file was read again")
    _, chunks, _ = upload
    etag = hashlib.md5(b"".join(hashlib.md5(c).digest() for c in chunks)).hexdigest()
    assert verdict(upload, etag=f'"{etag}-3"', whole_md5=never).ok


def test_opaque_etags_leave_the_size(upload):
    assert verdict(upload, etag='"kms-whatever"') == (True, SIZE_ONLY, "")
    # a 32-hex ETag under SSE-KMS is no MD5: not a mismatch
    assert verdict(upload, etag=f'"{"b" * 32}"', opaque_etag=True,
                   whole_md5=lambda: "c" * 32) == (True, SIZE_ONLY, "")


def test_size_mismatch_fails_whatever_else(upload):
    data, _, _ = upload
    bad = verdict(upload, remote_size=len(data) - 1, checksum=b64crc(data))
    assert not bad.ok and f"{len(data) - 1:,}" in bad.detail


def test_a_checksum_of_another_algorithm_is_not_compared(upload):
    data, _, _ = upload
    assert verdict(upload, checksum=b64crc(data), algorithm="SHA256").method != "CRC32"


def test_single_put(upload):
    data = upload[0][:1000]
    md5 = hashlib.md5(data).hexdigest()
    sent = [(len(data), md5, b64crc(data))]
    common = dict(size=1000, remote_size=1000, checksum_type=None, algorithm="CRC32",
                  parts=sent, multipart=False)
    assert decide(etag="x", checksum=b64crc(data), **common) == (True, "CRC32", "")
    assert decide(etag=f'"{md5}"', checksum=None, **common) == (True, "MD5", "")
    assert not decide(etag=f'"{"d" * 32}"', checksum=None, **common).ok


def test_labels():
    assert label("CRC32") == "verified (CRC32)"
    assert label("MD5") == "verified (MD5)"
    assert label(SIZE_ONLY) == "size checked only — this store gives no checksum"


def test_a_checksum_without_suffix_or_type_is_either_form_or_not_evidence(upload):
    data, chunks, _ = upload
    raw = b"".join(zlib.crc32(c).to_bytes(4, "big") for c in chunks)
    assert verdict(upload, checksum=b64crc(raw)) == (True, "CRC32", "")      # moto's answer
    assert verdict(upload, checksum=b64crc(data)) == (True, "CRC32", "")
    assert verdict(upload, checksum=b64crc(b"a third form")) == (True, SIZE_ONLY, "")
