"""TransferConfig defaults and clamping to what S3 and the machine can take."""

import dataclasses

import pytest

from hoist.core.policy.planner import MAX_PART_SIZE, MIN_PART_SIZE, GiB, MiB
from hoist.core.settings.config import (
    AUTO_PARTS_IN_FLIGHT,
    MAX_FILES_AT_ONCE,
    MAX_PARTS_IN_FLIGHT,
    TransferConfig,
)


def test_documented_defaults():
    c = TransferConfig()
    assert (c.part_size, c.multipart_threshold) == (None, 8 * MiB)       # None: automatic
    assert (c.files_at_once, c.parts_per_file, c.parts_total) == (3, None, None)
    assert c.max_parts_in_flight == AUTO_PARTS_IN_FLIGHT
    assert (c.bandwidth_limit, c.checksum_algorithm, c.max_attempts, c.auto_resume) == (0, "CRC32", 10, False)
    assert c.retry_window == 600            # a refused request fails after 10 tries *and* 10 minutes


def test_defaults_are_already_clamped():
    assert TransferConfig().clamped() == TransferConfig()


def test_is_immutable_and_clamped_returns_a_copy():
    c = TransferConfig(part_size=1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        c.part_size = 2
    assert c.clamped() is not c and c.part_size == 1


def test_low_values_are_raised():
    c = TransferConfig(part_size=0, multipart_threshold=-1, files_at_once=0, parts_per_file=-3,
                       parts_total=0, bandwidth_limit=-100, max_attempts=0).clamped()
    assert c.part_size == MIN_PART_SIZE
    assert c.multipart_threshold == 0
    assert (c.files_at_once, c.parts_per_file, c.parts_total) == (1, 1, 1)
    assert c.bandwidth_limit == 0
    assert c.max_attempts == 1


def test_high_values_are_lowered():
    c = TransferConfig(part_size=6 * GiB, files_at_once=10_000, parts_per_file=10_000,
                       parts_total=10_000).clamped()
    assert c.part_size == MAX_PART_SIZE
    assert c.files_at_once == MAX_FILES_AT_ONCE
    assert c.parts_per_file == c.parts_total == MAX_PARTS_IN_FLIGHT


def test_multipart_threshold_never_sends_more_than_one_put_object_can_take():
    # PutObject takes at most 5 GiB; the engine sends files below the threshold that way.
    assert TransferConfig(multipart_threshold=100 * GiB).clamped().multipart_threshold == 5 * GiB
    assert TransferConfig(multipart_threshold=5 * GiB).clamped().multipart_threshold == 5 * GiB
    assert TransferConfig(multipart_threshold=0).clamped().multipart_threshold == 0


def test_values_within_range_are_kept():
    c = TransferConfig(part_size=64 * MiB, multipart_threshold=1, files_at_once=MAX_FILES_AT_ONCE,
                       parts_per_file=7, parts_total=MAX_PARTS_IN_FLIGHT, bandwidth_limit=20 * MiB,
                       checksum_algorithm="SHA256", max_attempts=50, auto_resume=True)
    assert c.clamped() == c


def test_clamping_is_idempotent():
    c = TransferConfig(part_size=1, multipart_threshold=10 * GiB, files_at_once=0, parts_total=999,
                       bandwidth_limit=-1, max_attempts=-1).clamped()
    assert c.clamped() == c


def test_a_part_size_is_not_rounded_here():
    # Rounding to a MiB and growing for big files is the planner's job (choose_part_size).
    assert TransferConfig(part_size=8 * MiB + 1).clamped().part_size == 8 * MiB + 1


def test_automatic_values_stay_automatic_and_set_ones_size_the_pools():
    c = TransferConfig(part_size=None, parts_per_file=None, parts_total=None).clamped()
    assert (c.part_size, c.parts_per_file, c.parts_total) == (None, None, None)
    assert TransferConfig(parts_total=5).max_parts_in_flight == 5
