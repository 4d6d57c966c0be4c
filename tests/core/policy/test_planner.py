"""Part planning against S3's limits: 10,000 parts, 5 MiB–5 GiB each, 48.8 TiB in all."""

import pytest

from hoist.core.policy.planner import (
    MAX_OBJECT_SIZE,
    MAX_PART_SIZE,
    MAX_PARTS,
    MIN_PART_SIZE,
    GiB,
    MiB,
    PartPlan,
    PlanError,
    TiB,
    choose_part_size,
    plan_parts,
)


def check_plan(parts: list[PartPlan], file_size: int, part_size: int) -> None:
    """The invariants every plan must keep."""
    assert 1 <= len(parts) <= MAX_PARTS
    assert [p.number for p in parts] == list(range(1, len(parts) + 1))
    offset = 0
    for p in parts:                                     # contiguous, no gap, no overlap
        assert p.offset == offset
        offset = p.end
    assert offset == file_size
    assert sum(p.size for p in parts) == file_size
    for p in parts[:-1]:
        assert p.size == part_size
        assert MIN_PART_SIZE <= p.size <= MAX_PART_SIZE
    assert 0 <= parts[-1].size <= part_size


def plan(file_size: int, configured: int = 8 * MiB) -> list[PartPlan]:
    part_size = choose_part_size(file_size, configured)
    parts = plan_parts(file_size, part_size)
    check_plan(parts, file_size, part_size)
    return parts


def test_limits_are_s3s():
    assert MIN_PART_SIZE == 5 * MiB and MAX_PART_SIZE == 5 * GiB and MAX_PARTS == 10_000
    assert MAX_OBJECT_SIZE == 53_687_091_200_000
    assert MAX_OBJECT_SIZE / TiB == pytest.approx(48.83, abs=0.01)


def test_empty_file_is_one_empty_part():
    assert plan(0) == [PartPlan(number=1, offset=0, size=0)]


def test_one_byte():
    assert plan(1) == [PartPlan(1, 0, 1)]


def test_exactly_five_mib_with_five_mib_parts():
    assert plan(5 * MiB, 5 * MiB) == [PartPlan(1, 0, 5 * MiB)]


def test_five_mib_and_one_byte():
    assert plan(5 * MiB + 1, 5 * MiB) == [PartPlan(1, 0, 5 * MiB), PartPlan(2, 5 * MiB, 1)]


def test_exact_multiple_has_no_empty_tail():
    parts = plan(24 * MiB, 8 * MiB)
    assert [p.size for p in parts] == [8 * MiB] * 3


def test_part_end():
    assert PartPlan(3, 10, 5).end == 15


@pytest.mark.parametrize("configured, expected", [
    (0, 5 * MiB), (1, 5 * MiB), (5 * MiB - 1, 5 * MiB), (5 * MiB, 5 * MiB),
    (8 * MiB, 8 * MiB), (8 * MiB + 1, 9 * MiB), (6 * GiB, 5 * GiB),
])
def test_configured_size_is_clamped_and_rounded_to_a_mib(configured, expected):
    assert choose_part_size(100 * MiB, configured) == expected


def test_big_file_forces_the_part_size_up():
    size = 100 * GiB
    part_size = choose_part_size(size, 8 * MiB)
    assert part_size % MiB == 0
    assert part_size == 11 * MiB                 # ceil(100 GiB / 10,000) = 10.24 MiB, rounded up
    parts = plan(size)
    assert len(parts) <= MAX_PARTS and len(parts) == -(-size // part_size)


def test_the_configured_size_wins_when_it_is_larger():
    assert choose_part_size(100 * GiB, 64 * MiB) == 64 * MiB


@pytest.mark.parametrize("size", [
    10_000 * 8 * MiB,           # exactly 10,000 parts of the configured size
    10_000 * 8 * MiB + 1,       # one byte more: the size must grow
    1 * TiB, 7 * TiB + 12345, 48 * TiB,
])
def test_large_sizes_fit_in_ten_thousand_parts(size):
    part_size = choose_part_size(size, 8 * MiB)
    assert part_size % MiB == 0 and MIN_PART_SIZE <= part_size <= MAX_PART_SIZE
    assert -(-size // part_size) <= MAX_PARTS


def test_ten_thousand_parts_of_the_configured_size_keep_it():
    assert choose_part_size(10_000 * 8 * MiB, 8 * MiB) == 8 * MiB
    assert choose_part_size(10_000 * 8 * MiB + 1, 8 * MiB) == 9 * MiB


def test_largest_object_is_accepted():
    part_size = choose_part_size(MAX_OBJECT_SIZE, 8 * MiB)
    assert part_size == MAX_PART_SIZE
    parts = plan_parts(MAX_OBJECT_SIZE, part_size)
    assert len(parts) == MAX_PARTS
    assert parts[-1] == PartPlan(MAX_PARTS, MAX_OBJECT_SIZE - MAX_PART_SIZE, MAX_PART_SIZE)


def test_one_byte_over_the_largest_object_is_refused():
    with pytest.raises(PlanError, match="48.8 TiB"):
        choose_part_size(MAX_OBJECT_SIZE + 1, 8 * MiB)
    with pytest.raises(PlanError):
        plan_parts(MAX_OBJECT_SIZE + 1, MAX_PART_SIZE)


def test_plan_error_is_a_value_error():
    assert issubclass(PlanError, ValueError)


@pytest.mark.parametrize("part_size", [0, 5 * MiB - 1, 5 * GiB + 1])
def test_part_sizes_outside_s3s_range_are_refused(part_size):
    with pytest.raises(PlanError):
        plan_parts(100 * MiB, part_size)


def test_too_many_parts_are_refused():
    with pytest.raises(PlanError, match="10,000"):
        plan_parts(10_001 * 5 * MiB, 5 * MiB)
    assert len(plan_parts(10_000 * 5 * MiB, 5 * MiB)) == MAX_PARTS


@pytest.mark.parametrize("size", [
    0, 1, 5 * MiB - 1, 5 * MiB, 5 * MiB + 1, 8 * MiB, 8 * MiB + 1, 13 * MiB + 7, 100 * MiB,
    3 * GiB + 5, 100 * GiB + 1,
])
@pytest.mark.parametrize("configured", [5 * MiB, 8 * MiB, 16 * MiB + 3])
def test_every_plan_keeps_the_invariants(size, configured):
    plan(size, configured)
