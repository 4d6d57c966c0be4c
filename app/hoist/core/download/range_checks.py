"""A download's ranges checked as their bytes stream in, so that its proof needs no second
read of the file (issue #25): a composite checksum checked part by part, or a whole-object
CRC32 combined from its ranges'.

**Composite.** When an object's checksum is the composite of its parts' (ChecksumType COMPOSITE, or a value
ending "-N") and its part layout is known, a download's ranges are its parts: each range's
checksum is computed as its bytes stream in and compared with the part's before the range is
committed, and the proof at the end is the composite of the committed parts' checksums, kept
in the store, so it needs no second read of the file (and a resumed download proves too).

Where each part's checksum comes from (what the stores answered when this was written):

- GetObjectAttributes' ObjectParts with ``Checksum<ALG>`` per part (AWS, for an object
  uploaded with checksums): known before the first GET, kept in ``parts.checksum``.
- else the part's own GET, by ``PartNumber`` with ChecksumMode ENABLED, whose answer carries
  the part's checksum (AWS; moto 5.2.6 when the upload said ChecksumType COMPOSITE, the only
  case in which moto's HEAD says COMPOSITE): known as the bytes arrive. One HEAD of part 1
  asks whether the store answers it.
- else none (SeaweedFS 4.48 lists part sizes but no part checksums, and answers none to a
  PartNumber GET or HEAD): the parts are still the ranges and their checksums are still
  computed as they stream and kept, so the proof needs no re-read; but a bad part cannot be
  named before the end, so a mismatch fails the whole download, as a re-read proof would.

**Whole-object CRC32** (a single PUT's, or a multipart upload's FULL_OBJECT): the ranges keep
the configured size, each range's CRC32 is computed as it streams in and kept, and the proof
combines them in order (zlib's crc32_combine, core/remote/checksums.py). A bad range cannot
be named before the end: a mismatch fails the whole download, as a re-read proof would.
CRC32C and CRC64NVME need awscrt; SHA checksums cannot be combined: those are proved by
reading the file again (core/download/proof.py).

One range a part, never a part cut in several ranges: only then is each range checkable on
its own before it is committed, whatever the algorithm (SHA checksums cannot be combined from
pieces), and a bad range costs exactly one part. S3 parts are at most 5 GiB and 10,000, and
uploaders' parts are usually 8–100 MiB; the cost of huge parts is fewer GETs in parallel and
more bytes lost with a range in flight.
"""

import base64
from dataclasses import dataclass

from botocore.exceptions import ClientError

from hoist.core.download.proof import (
    Proof,
    checksum_of,
    part_count,
    part_layout,
    request_params,
)
from hoist.core.download.ranges import Range, plan_ranges
from hoist.core.remote.checksums import (
    composite_checksum,
    crc32_combine,
    crc32_shift,
    unavailable,
)


@dataclass(frozen=True)
class PartChecks:
    """How a composite object's parts are checked: its algorithm and composite value (without
    "-N"), its part sizes, each part's checksum where known before its GET, and whether each
    part is fetched by number (its answer then says its checksum)."""

    algorithm: str
    value: str
    layout: tuple[int, ...]
    expected: tuple[str | None, ...]
    by_part_number: bool = False

    @property
    def checked(self) -> bool:
        """Whether each part is compared with its own checksum before it is committed."""
        return self.by_part_number or all(self.expected)

    def ranges(self, size: int = 0, range_size: int = 0) -> list[Range]:
        """The object's parts, one range each (``size`` and ``range_size`` play no part)."""
        ranges, offset = [], 0
        for number, part_size in enumerate(self.layout, 1):
            ranges.append(Range(number, offset, part_size))
            offset += part_size
        return ranges

    def matches(self, parts) -> bool:
        """Whether a download's stored ranges are these parts (a download begun before
        ranges followed parts has ranges of the configured size)."""
        return [(p.number, p.offset, p.size) for p in parts] == \
            [(r.number, r.offset, r.size) for r in self.ranges()]

    def composite(self, checksums) -> str:
        """The composite (without "-N") of the parts' base64 checksums."""
        raw = [base64.b64decode(c) for c in checksums]
        return composite_checksum(raw, self.algorithm).partition("-")[0]

    def proof(self, parts) -> Proof:
        """The proof from the committed parts' checksums (``parts``: the store's rows, in
        order): no byte of the file is read."""
        method, n = f"{self.algorithm} composite", len(self.layout)
        got = self.composite([p.checksum for p in parts])
        if got == self.value:
            how = ("checked part by part" if self.checked
                   else "each part's checksum computed as it arrived")
            return Proof(method, True, f"{method} of {n} parts matches, {how}")
        return Proof(method, False, f"{method} differs: expected {self.value}-{n}, "
                                    f"got {got}-{n}")


@dataclass(frozen=True)
class WholeCrc32:
    """A whole-object CRC32 (``value``, base64) proved from the ranges' CRC32s, combined."""

    value: str
    algorithm = "CRC32"
    by_part_number = False
    checked = False
    expected = None

    def ranges(self, size: int, range_size: int) -> list[Range]:
        return plan_ranges(size, range_size)

    def matches(self, parts) -> bool:
        """Whether the stored ranges follow one another from byte 0 (any size will do)."""
        offset = 0
        for part in parts:
            if part.offset != offset:
                return False
            offset += part.size
        return True

    def proof(self, parts) -> Proof:
        crc, shifts = 0, {}             # 0: the CRC32 of nothing
        for part in parts:
            if part.size not in shifts:       # every range but the last has one size
                shifts[part.size] = crc32_shift(part.size)
            crc = crc32_combine(crc, int.from_bytes(base64.b64decode(part.checksum), "big"),
                                part.size, shifts[part.size])
        got = base64.b64encode(crc.to_bytes(4, "big")).decode()
        how = f"CRC32 of {len(parts)} ranges, each computed as it arrived, combined"
        if got == self.value:
            return Proof("CRC32", True, f"{how}: matches")
        return Proof("CRC32", False, f"CRC32 differs: expected {self.value}, got {got} ({how})")


RangeChecks = PartChecks | WholeCrc32


def range_checks(client, bucket: str, key: str, head: dict,
                 extra: dict | None = None) -> RangeChecks | None:
    """How the ranges of the object ``head`` describes can be checked as they stream: part by
    part (a composite checksum with a known layout), combined (a whole-object CRC32), or not
    (None: ranges of the configured size, proved by reading the file again)."""
    algorithm, value = checksum_of(head)
    if algorithm is None or unavailable(algorithm):
        return None
    kind = (head.get("ChecksumType") or "").upper()
    if "-" in value or kind == "COMPOSITE":
        return part_checks(client, bucket, key, head, extra)
    if algorithm == "CRC32" and (kind == "FULL_OBJECT" or part_count(head) is None):
        return WholeCrc32(value)
    return None     # moto: a multipart checksum that says neither whole nor composite


def part_checks(client, bucket: str, key: str, head: dict,
                extra: dict | None = None) -> PartChecks | None:
    """How the parts of the object ``head`` describes can be checked, or None: its checksum
    is not a composite this Python can compute, or its part layout is unknown (then the
    download plans ranges of the configured size and proves by reading the file again).
    ``extra``: VersionId, IfMatch and SSE-C parameters. A changed object (412) or a network
    error is raised."""
    algorithm, value = checksum_of(head)
    if algorithm is None or unavailable(algorithm):
        return None
    value, _, count = value.partition("-")
    if not count and (head.get("ChecksumType") or "").upper() != "COMPOSITE":
        return None
    layout = part_layout(client, bucket, key, head, extra)
    if layout is None:
        return None
    none = (None,) * len(layout)
    listed = tuple(p.get(f"Checksum{algorithm}") for p in layout.listed)
    if len(listed) == len(layout) and all(listed):
        checks = PartChecks(algorithm, value, tuple(layout), listed)
        if checks.composite(listed) == value:       # else the listing cannot be trusted
            return checks
    if _answers_part_checksums(client, bucket, key, algorithm, extra):
        return PartChecks(algorithm, value, tuple(layout), none, by_part_number=True)
    if layout.assumed:      # middle parts' sizes guessed: only a part's own answer would tell
        return None
    return PartChecks(algorithm, value, tuple(layout), none)


def _answers_part_checksums(client, bucket, key, algorithm, extra) -> bool:
    """Whether a HEAD of part 1 with ChecksumMode says that part's own checksum."""
    params = request_params(client, "HeadObject", extra, Bucket=bucket, Key=key)
    try:
        reply = client.head_object(**params, PartNumber=1, ChecksumMode="ENABLED")
    except ClientError as error:
        if error.response.get("ResponseMetadata", {}).get("HTTPStatusCode") in (400, 416, 501):
            return False
        raise
    answered = reply.get(f"Checksum{algorithm}") or ""
    return bool(answered) and "-" not in answered and bool(reply.get("PartsCount"))
