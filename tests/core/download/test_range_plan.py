"""The range plan: contiguous ranges of whole MiBs, never more than 10,000."""

import pytest

from hoist.core.download.ranges import Range, choose_range_size, plan_ranges
from hoist.core.policy.planner import MAX_OBJECT_SIZE, MAX_PARTS, MiB, TiB


def test_an_empty_object_has_no_ranges():
    assert plan_ranges(0, 8 * MiB) == []


def test_ranges_cover_the_object_the_last_one_shorter():
    assert plan_ranges(1, 8 * MiB) == [Range(1, 0, 1)]
    assert plan_ranges(10 * MiB, 4 * MiB) == [Range(1, 0, 4 * MiB), Range(2, 4 * MiB, 4 * MiB),
                                              Range(3, 8 * MiB, 2 * MiB)]
    assert plan_ranges(2 * MiB, 1 * MiB)[-1].header == f"bytes={MiB}-{2 * MiB - 1}"


def test_a_range_size_is_rounded_up_to_a_mib_with_no_5_mib_floor():
    assert choose_range_size(100 * MiB, 3_000_000) == 3 * MiB
    assert choose_range_size(100 * MiB, 1) == MiB


@pytest.mark.parametrize("size", [10 * TiB + 12345, MAX_OBJECT_SIZE])
def test_a_huge_object_gets_at_most_10000_ranges(size):
    ranges = plan_ranges(size, 8 * MiB)
    assert len(ranges) <= MAX_PARTS
    assert ranges[0].size % MiB == 0 and ranges[0].size >= -(-size // MAX_PARTS)
    assert all(a.end == b.offset for a, b in zip(ranges, ranges[1:]))
    assert ranges[-1].end == size and [r.number for r in ranges[:2]] == [1, 2]


def test_nonsense_sizes_are_refused():
    with pytest.raises(ValueError):
        plan_ranges(-1, MiB)
    with pytest.raises(ValueError):
        plan_ranges(MiB, 0)
