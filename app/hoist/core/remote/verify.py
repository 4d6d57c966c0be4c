"""Is the object on the server what was sent? A verdict from the strongest evidence the store gives.

Pure functions: the caller passes what the server said (HeadObject) and what
the checkpoint recorded (each part's size, ETag and checksum), and gets back
``Verdict(ok, method, detail)``. The order of evidence:

1. a checksum of the whole object from the server, compared like with like:
   COMPOSITE (``base64(alg(raw part checksums))-N``) or FULL_OBJECT CRC32/CRC32C
   (combined from the part CRCs with crc32_combine math, no re-read);
2. a multipart ETag ``md5(binary part MD5s)-N`` when the part ETags are MD5s;
3. a plain 32-hex ETag: the MD5 of the whole object. On a multipart upload this
   costs one more sequential read of the file (``whole_md5`` is called only then);
4. otherwise the size alone.

Only a real contradiction gives ``ok=False``; evidence that cannot be compared
(an opaque ETag, a checksum of another algorithm, another part count) falls
through to the next form.
"""

import base64
import hashlib
from typing import Callable, NamedTuple

from hoist.core.remote.checksums import CRC_POLYS, crc32_combine, file_range_checksums

SIZE_ONLY = "size"
LABELS = {SIZE_ONLY: "size checked only — this store gives no checksum"}



class Verdict(NamedTuple):
    ok: bool
    method: str        # "CRC32", "SHA256", "MD5", … or SIZE_ONLY
    detail: str        # for a mismatch: what the server has and what was expected


def label(method: str) -> str:
    """How a row says it: "verified (CRC32)", or that only the size was checked."""
    if not method:
        return "verified"
    return LABELS.get(method, f"verified ({method})")


def decide(*, size: int, remote_size: int, etag: str, checksum: str | None,
           checksum_type: str | None, algorithm: str, parts: list[tuple[int, str | None, str | None]],
           multipart: bool, opaque_etag: bool = False,
           whole_md5: Callable[[], str] | None = None) -> Verdict:
    """The verdict on one object.

    ``parts``: (size, ETag, base64 checksum) of each part in order (one entry for
    a single PutObject). ``opaque_etag``: the server said the ETag is no MD5
    (SSE-KMS, SSE-C). ``whole_md5``: returns the file's MD5 as hex, on demand.
    """
    if remote_size != size:
        return Verdict(False, SIZE_ONLY, f"{remote_size:,} bytes on the server, the file has {size:,}")
    verdict = _by_checksum(checksum, checksum_type, algorithm.upper(), parts, multipart)
    if verdict is None:
        verdict = _by_etag(etag.strip('"').lower(), parts, multipart, opaque_etag, whole_md5)
    return verdict or Verdict(True, SIZE_ONLY, "")


def verify_object(head, size: int, algorithm: str, parts, multipart: bool,
                  whole_md5: Callable[[], str] | None = None) -> Verdict:
    """:func:`decide` on a HeadObject answer (core.s3.RemoteObject); a checksum of another
    algorithm than the parts were sent with is not compared."""
    algorithm = algorithm.upper()
    same = (head.checksum_algorithm or "").upper() == algorithm
    return decide(size=size, remote_size=head.size, etag=head.etag,
                  checksum=head.checksum if same else None, checksum_type=head.checksum_type,
                  algorithm=algorithm, parts=parts, multipart=multipart,
                  opaque_etag=head.encrypted_opaque, whole_md5=whole_md5)


def file_md5_hex(path, size: int) -> str:
    """The whole file's MD5, for a store that answers a multipart upload with a plain MD5
    ETag. It costs one more sequential read of the file (mostly from the page cache just
    after the upload); it is done only when that is the evidence the store gives."""
    _, md5 = file_range_checksums(path, 0, size, "", True)
    return base64.b64decode(md5).hex()


def _by_checksum(checksum, checksum_type, algorithm, parts, multipart) -> Verdict | None:
    if not checksum or not algorithm or any(p[2] is None for p in parts):
        return None
    value, _, count = checksum.partition("-")
    kind = (checksum_type or "").upper()
    if count and count != str(len(parts)):
        return None
    composite = _composite(algorithm, [p[2] for p in parts]) if multipart else None
    full = None
    if not multipart:
        full = parts[0][2]
    elif algorithm in CRC_POLYS:                # a full-object SHA cannot be made from part SHAs
        full = _combined_crc(algorithm, parts)
    if count or kind == "COMPOSITE":
        expected = composite
    elif kind == "FULL_OBJECT" or not multipart:
        expected = full
    else:
        # No "-N" and no type (moto, some gateways): either form proves the object, but a
        # value matching neither may be a third form, so it is not taken as a contradiction.
        return Verdict(True, algorithm, "") if value in (composite, full) else None
    if expected is None:
        return None
    suffix = f"-{len(parts)}" if count else ""
    return _compare(algorithm, value, expected, suffix)


def _compare(method: str, got: str, expected: str, suffix: str) -> Verdict:
    if got == expected:
        return Verdict(True, method, "")
    return Verdict(False, method, f"{method} {got}{suffix} on the server, expected {expected}{suffix}")


def _composite(algorithm: str, checksums: list[str]) -> str | None:
    raw = b"".join(base64.b64decode(c) for c in checksums)
    if algorithm in CRC_POLYS:
        if algorithm == "CRC32":
            import zlib
            digest = zlib.crc32(raw).to_bytes(4, "big")
        else:
            digest = _crc32c(raw).to_bytes(4, "big")
    elif algorithm in ("SHA1", "SHA256"):
        digest = hashlib.new(algorithm.lower(), raw).digest()
    else:
        return None
    return base64.b64encode(digest).decode()


def _combined_crc(algorithm: str, parts) -> str:
    poly = CRC_POLYS[algorithm]
    crc = int.from_bytes(base64.b64decode(parts[0][2]), "big")
    for part_size, _, checksum in parts[1:]:
        crc = crc32_combine(crc, int.from_bytes(base64.b64decode(checksum), "big"), part_size,
                            poly=poly)
    return base64.b64encode(crc.to_bytes(4, "big")).decode()


def _by_etag(etag, parts, multipart, opaque, whole_md5) -> Verdict | None:
    body, _, count = etag.partition("-")
    if opaque or not _is_hex32(body):
        return None
    if count:
        part_etags = [(p[1] or "").strip('"').lower() for p in parts]
        if not multipart or count != str(len(parts)) or not all(map(_is_hex32, part_etags)):
            return None
        digest = hashlib.md5(b"".join(bytes.fromhex(e) for e in part_etags)).hexdigest()
        return _compare("MD5", etag, f"{digest}-{len(parts)}", "")
    if not multipart:
        expected = (parts[0][1] or "").strip('"').lower()
        return _compare("MD5", body, expected, "") if _is_hex32(expected) else None
    if whole_md5 is None:
        return None
    return _compare("MD5", body, whole_md5().lower(), "")


def _is_hex32(text: str) -> bool:
    return len(text) == 32 and all(c in "0123456789abcdef" for c in text)


def _crc32c(data: bytes) -> int:
    try:
        from awscrt import checksums
        return checksums.crc32c(data)
    except ImportError:              # the raw part checksums are short: a bitwise loop will do
        crc = 0xFFFFFFFF
        for byte in data:
            crc ^= byte
            for _ in range(8):
                crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
        return crc ^ 0xFFFFFFFF
