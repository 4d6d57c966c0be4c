"""Splitting a file into S3 multipart parts within the service's limits.

Part size = max(configured size, ceil(file size / 10,000)), rounded up to a
whole MiB, so that any file up to the 48.8 TiB object limit fits in 10,000
parts of at most 5 GiB.
"""

from dataclasses import dataclass

MiB = 1024 * 1024
GiB = 1024 * MiB
TiB = 1024 * GiB

MIN_PART_SIZE = 5 * MiB          # every part but the last
MAX_PART_SIZE = 5 * GiB
MAX_PARTS = 10_000
MAX_OBJECT_SIZE = MAX_PARTS * MAX_PART_SIZE  # 53,687,091,200,000 bytes: AWS's "48.8 TiB"


class PlanError(ValueError):
    """The file cannot be uploaded as one S3 object."""


@dataclass(frozen=True)
class PartPlan:
    """One part: its 1-based number and the byte range ``[offset, offset + size)``."""

    number: int
    offset: int
    size: int

    @property
    def end(self) -> int:
        return self.offset + self.size


def round_up_to_mib(size: int) -> int:
    """``size`` rounded up to a whole MiB."""
    return -(-size // MiB) * MiB


def choose_part_size(file_size: int, configured: int) -> int:
    """The part size for a file: never below 5 MiB, never above 5 GiB, at most 10,000 parts."""
    if file_size > MAX_OBJECT_SIZE:
        raise PlanError(
            f"The file is {file_size:,} bytes; S3 objects can be at most "
            f"{MAX_OBJECT_SIZE:,} bytes (48.8 TiB). Split it before uploading."
        )
    needed = -(-file_size // MAX_PARTS)                       # ceil
    size = max(configured, needed, MIN_PART_SIZE)
    size = round_up_to_mib(size)
    return min(size, MAX_PART_SIZE)


def plan_parts(file_size: int, part_size: int) -> list[PartPlan]:
    """The parts of a file of ``file_size`` bytes, each ``part_size`` but the last.

    ``part_size`` should come from :func:`choose_part_size`; a size that would
    break S3's limits raises :class:`PlanError` rather than failing at the server.
    """
    if part_size < MIN_PART_SIZE or part_size > MAX_PART_SIZE:
        raise PlanError(f"Part size {part_size:,} bytes is outside S3's 5 MiB–5 GiB range.")
    count = max(1, -(-file_size // part_size))
    if count > MAX_PARTS:
        raise PlanError(f"{count:,} parts of {part_size:,} bytes exceed S3's limit of 10,000 parts.")
    return [
        PartPlan(number=i + 1, offset=i * part_size, size=min(part_size, file_size - i * part_size))
        for i in range(count)
    ]
