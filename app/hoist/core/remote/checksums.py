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
        raw = _crt().crc32c(data).to_bytes(4, "big")
    elif algorithm == "CRC64NVME":
        raw = _crt().crc64nvme(data).to_bytes(8, "big")
    else:
        raise ValueError(f"unknown checksum algorithm {algorithm!r}")
    return base64.b64encode(raw).decode()


NEEDS_AWSCRT = ("CRC32C", "CRC64NVME")
# Read size of the checksum pass. Each pool thread's malloc arena keeps what its last chunks
# took, so reading 1 MiB at a time cost a 1 GiB upload ~8 MiB of peak RSS (issue #24);
# 64 KiB hashes at the same CPU.
READ_CHUNK = 64 * 1024


def unavailable(algorithm: str) -> str:
    """Why this Python cannot compute ``algorithm`` ("" when it can)."""
    if (algorithm or "").upper() not in NEEDS_AWSCRT:
        return ""
    try:
        _crt()
    except ValueError as e:
        return str(e).replace("these checksums", f"{algorithm.upper()} checksums")
    return ""


def _crt():
    """awscrt's checksums, where CRC32C and CRC64NVME come from."""
    try:
        from awscrt import checksums
    except ImportError:
        raise ValueError("these checksums need the awscrt package, which is not installed: "
                         "install it (pip install awscrt), or choose CRC32, SHA1 or SHA256"
                         ) from None
    return checksums


def file_range_checksums(path, offset: int, size: int, algorithm: str,
                         want_md5: bool) -> tuple[str | None, str | None]:
    """(flexible checksum, Content-MD5) of ``size`` bytes at ``offset``, read READ_CHUNK at a time.

    Raises EOFError if the file is shorter than that: it shrank since it was planned.
    """
    crc, sha, md5 = 0, None, hashlib.md5() if want_md5 else None
    algorithm = (algorithm or "").upper()
    if algorithm in ("SHA1", "SHA256"):
        sha = hashlib.new(algorithm.lower())
    elif algorithm not in ("", "CRC32"):
        data = _read_range(path, offset, size)      # rare: CRC32C and CRC64NVME need awscrt anyway
        return part_checksum(data, algorithm), md5_b64(data) if want_md5 else None
    with open(path, "rb") as f:
        f.seek(offset)
        left = size
        while left:
            chunk = f.read(min(left, READ_CHUNK))
            if not chunk:
                raise EOFError(f"{path} ended {left} bytes early")
            left -= len(chunk)
            if algorithm == "CRC32":
                crc = zlib.crc32(chunk, crc)
            elif sha is not None:
                sha.update(chunk)
            if md5 is not None:
                md5.update(chunk)
    checksum = None
    if algorithm == "CRC32":
        checksum = base64.b64encode(crc.to_bytes(4, "big")).decode()
    elif sha is not None:
        checksum = base64.b64encode(sha.digest()).decode()
    return checksum, base64.b64encode(md5.digest()).decode() if md5 else None


def _read_range(path, offset: int, size: int) -> bytes:
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(size)
    if len(data) != size:
        raise EOFError(f"{path} ended {size - len(data)} bytes early")
    return data


def md5_b64(data: bytes) -> str:
    """The value of a Content-MD5 header."""
    return base64.b64encode(hashlib.md5(data).digest()).decode()


def multipart_etag(part_etags: list[str]) -> str:
    """The ETag S3 gives a multipart object: MD5 of the parts' binary MD5s, then ``-N``."""
    digest = hashlib.md5()
    for etag in part_etags:
        digest.update(bytes.fromhex(etag.strip('"')))
    return f'"{digest.hexdigest()}-{len(part_etags)}"'


def file_etag(path, size: int, part_size: int | None = None) -> str:
    """The ETag S3 would give ``path`` (unquoted): its MD5 sent whole, or with ``part_size``
    the multipart ETag of parts that size. Reads the file once; raises EOFError if it is
    shorter than ``size``."""
    if not part_size:
        return base64.b64decode(file_range_checksums(path, 0, size, "", True)[1]).hex()
    etags = [base64.b64decode(file_range_checksums(path, offset, min(part_size, size - offset),
                                                   "", True)[1]).hex()
             for offset in range(0, size, part_size)]
    return multipart_etag(etags).strip('"')


class RunningChecksum:
    """A checksum fed piece by piece (a whole file, or one part of it, read in chunks):
    CRC32, CRC32C, CRC64NVME, SHA1, SHA256 as S3 computes them, or MD5 (an ETag)."""

    def __init__(self, algorithm: str):
        self.algorithm = algorithm.upper()
        self._crc = 0
        self._hash = None
        if self.algorithm in ("SHA1", "SHA256", "MD5"):
            self._hash = hashlib.new(self.algorithm.lower())
        elif self.algorithm in NEEDS_AWSCRT:
            self._crt = _crt()
        elif self.algorithm != "CRC32":
            raise ValueError(f"unknown checksum algorithm {algorithm!r}")

    def update(self, data) -> None:
        if self._hash is not None:
            self._hash.update(data)
        elif self.algorithm == "CRC32":
            self._crc = zlib.crc32(data, self._crc)
        elif self.algorithm == "CRC32C":
            self._crc = self._crt.crc32c(bytes(data), self._crc)
        else:
            self._crc = self._crt.crc64nvme(bytes(data), self._crc)

    def raw(self) -> bytes:
        if self._hash is not None:
            return self._hash.digest()
        return self._crc.to_bytes(8 if self.algorithm == "CRC64NVME" else 4, "big")

    def b64(self) -> str:
        return base64.b64encode(self.raw()).decode()


def composite_checksum(part_raw: list[bytes], algorithm: str) -> str:
    """A multipart object's COMPOSITE checksum: the checksum of its parts' raw checksums
    one after another, then ``-N``."""
    return f"{part_checksum(b''.join(part_raw), algorithm)}-{len(part_raw)}"


# -- crc32_combine (zlib's algorithm): CRC(A‖B) from CRC(A), CRC(B) and len(B) --------------
CRC_POLYS = {"CRC32": 0xEDB88320, "CRC32C": 0x82F63B78}     # reflected polynomials


def _multmodp(a: int, b: int, poly: int) -> int:
    """a × b modulo the polynomial, both in the reflected bit order CRCs use (zlib's multmodp)."""
    m, product = 1 << 31, 0
    while True:
        if a & m:
            product ^= b
            if not a & (m - 1):
                return product
        m >>= 1
        b = (b >> 1) ^ poly if b & 1 else b >> 1


def crc32_shift(nbytes: int, poly: int = CRC_POLYS["CRC32"]) -> int:
    """x^(8·nbytes) modulo the polynomial: what ``crc32_combine`` multiplies by, worth
    computing once for many ranges of one size (zlib's x2nmodp)."""
    power, square, n = 1 << 31, 1 << 30, nbytes * 8     # x^0; x^1
    while n:
        if n & 1:
            power = _multmodp(square, power, poly)
        square = _multmodp(square, square, poly)
        n >>= 1
    return power


def crc32_combine(crc1: int, crc2: int, len2: int, shift: int | None = None,
                  poly: int = CRC_POLYS["CRC32"]) -> int:
    """The CRC of A followed by B from A's, B's and B's length (zlib's crc32_combine), so a
    whole file's CRC comes from its parts' or ranges' without reading it again. ``shift``:
    ``crc32_shift(len2, poly)``, if already known; ``poly``: CRC32's, or CRC32C's."""
    return _multmodp(crc32_shift(len2, poly) if shift is None else shift, crc1, poly) ^ crc2
