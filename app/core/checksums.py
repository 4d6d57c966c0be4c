"""Checksums S3 understands: per-part flexible checksums, Content-MD5, multipart ETags."""

import base64
import hashlib
import zlib


def part_checksum(data: bytes, algorithm: str) -> str:
    """The base64 checksum S3 expects in ``x-amz-checksum-<algorithm>``."""
    algorithm = algorithm.upper()
    if algorithm == "CRC32":
        raw = zlib.crc32(data).to_bytes(4, "big")
    elif algorithm == "SHA1":
        raw = hashlib.sha1(data).digest()
    elif algorithm == "SHA256":
        raw = hashlib.sha256(data).digest()
    elif algorithm == "CRC32C":
        try:
            from awscrt import checksums
        except ImportError:
            raise ValueError("CRC32C needs the awscrt package; use CRC32 instead") from None
        raw = checksums.crc32c(data).to_bytes(4, "big")
    else:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return base64.b64encode(raw).decode()


def md5_b64(data: bytes) -> str:
    """The value of a Content-MD5 header."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def multipart_etag(part_etags: list[str]) -> str:
    """The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, then ``-N``."""
    digest = hashlib.md5()
    for etag in part_etags:
        digest.update(bytes.fromhex(etag.strip('"')))
    return f'"{digest.hexdigest()}-{len(part_etags)}"'
