"""Presets: what each sets, and that explicit values still win."""

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.presets import DEFAULT, PRESETS


def test_balanced_is_the_automatic_default():
    config = PRESETS[DEFAULT].apply(TransferConfig())
    assert (config.part_size, config.parts_total, config.parts_per_file) == (None, None, None)
    assert config == TransferConfig().clamped()


def test_poor_network_is_small_and_patient_fast_is_big_and_brief():
    poor = PRESETS["poor-network"].apply(TransferConfig())
    fast = PRESETS["fast"].apply(TransferConfig())
    assert poor.part_size == 5 * MiB and poor.parts_total == 2 and poor.files_at_once == 1
    assert fast.part_size == 32 * MiB and fast.parts_total == 16 and fast.files_at_once == 6
    assert poor.max_attempts > TransferConfig().max_attempts > fast.max_attempts


@pytest.mark.parametrize("name, words", [
    ("balanced", "automatic part size, parts in flight from the measured link, 3 files at once"),
    ("poor-network", "5.0 MiB parts, 2 parts in flight, 1 file at once, a refused request "
                     "retried 12 times over at least 30 min"),
])
def test_describe_says_what_it_sets(name, words):
    assert PRESETS[name].describe().startswith(words)


def test_presets_stay_within_s3s_limits():
    for preset in PRESETS.values():
        config = preset.apply(TransferConfig())
        assert config == config.clamped()
