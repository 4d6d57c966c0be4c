"""A download's range plan: the byte ranges its GETs fetch, within the upload planner's limits.

Range size = max(the configured size, ceil(object size / 10,000)), rounded up to a MiB, as for
parts, so a download never has more than 10,000 ranges to checkpoint. Unlike a part, a range
has no 5 MiB floor: S3 serves any range, and small ones let tests act mid-file.
"""

from dataclasses import dataclass

from hoist.core.policy.planner import MAX_PARTS, PartPlan, round_up_to_mib


@dataclass(frozen=True)
class Range(PartPlan):
    """One ranged GET: a part's number and bytes ``[offset, offset + size)``, and its header."""

    @property
    def header(self) -> str:
        """The value of the GET's ``Range`` header (both ends included)."""
        return f"bytes={self.offset}-{self.end - 1}"


def choose_range_size(size: int, range_size: int) -> int:
    """The range size for an object of ``size`` bytes: at most 10,000 ranges, whole MiBs."""
    if range_size <= 0:
        raise ValueError(f"a range size must be positive, not {range_size}")
    return round_up_to_mib(max(range_size, -(-size // MAX_PARTS)))


def plan_ranges(size: int, range_size: int) -> list[Range]:
    """The ranges of an object of ``size`` bytes; an empty object has none (its file is
    written empty)."""
    if size < 0:
        raise ValueError(f"an object's size cannot be negative ({size})")
    step = choose_range_size(size, range_size)
    return [Range(number=i + 1, offset=offset, size=min(step, size - offset))
            for i, offset in enumerate(range(0, size, step))]
