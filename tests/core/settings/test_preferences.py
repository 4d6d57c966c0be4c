"""Preferences: round trip, damaged files, and the TransferConfig they make."""

import os

import pytest

from hoist.core.policy.planner import MIN_PART_SIZE, MiB
from hoist.core.settings.config import TransferConfig
from hoist.core.settings.preferences import FIXED_PARTS_TOTAL, Preferences


def test_preferences_round_trip(tmp_path):
    prefs = Preferences(files_at_once=5, parts_per_file=12, part_size=16 * MiB,
                        bandwidth_limit=2 * MiB, auto_resume=True, close_to_tray=True,
                        ask_before_quit=False)
    prefs.save(tmp_path / "dir" / "p.json")
    assert Preferences.load(tmp_path / "dir" / "p.json") == prefs
    assert [p.name for p in (tmp_path / "dir").iterdir()] == ["p.json"]   # no temp file left


@pytest.mark.skipif(os.name == "nt", reason="POSIX modes")
@pytest.mark.usefixtures("umask_022")
def test_preferences_are_saved_owner_only(tmp_path):
    Preferences(files_at_once=2).save(tmp_path / "data" / "preferences.json")
    assert (tmp_path / "data").stat().st_mode & 0o777 == 0o700
    assert (tmp_path / "data" / "preferences.json").stat().st_mode & 0o777 == 0o600


def test_damaged_or_missing_preferences_give_defaults(tmp_path):
    (tmp_path / "p.json").write_text("[1, 2")
    assert Preferences.load(tmp_path / "p.json") == Preferences()
    (tmp_path / "list.json").write_text("[1, 2]")
    assert Preferences.load(tmp_path / "list.json") == Preferences()
    assert Preferences.load(tmp_path / "missing.json") == Preferences()


def test_unknown_keys_are_ignored(tmp_path):
    (tmp_path / "p.json").write_text('{"files_at_once": 7, "theme": "dark"}')
    assert Preferences.load(tmp_path / "p.json") == Preferences(files_at_once=7)


def test_transfer_config_carries_the_preferences():
    config = Preferences(files_at_once=5, parts_per_file=6, part_size=16 * MiB,
                         bandwidth_limit=2 * MiB, auto_resume=True).transfer_config()
    assert (config.files_at_once, config.parts_per_file, config.part_size,
            config.bandwidth_limit, config.auto_resume) == (5, 6, 16 * MiB, 2 * MiB, True)


def test_parts_in_flight_in_total_stay_at_the_default_unless_one_file_wants_more():
    default_total = FIXED_PARTS_TOTAL
    assert Preferences(files_at_once=10, parts_per_file=4).transfer_config().parts_total == (
        default_total)
    assert Preferences(parts_per_file=default_total + 4).transfer_config().parts_total == (
        default_total + 4)


def test_transfer_config_is_clamped():
    config = Preferences(files_at_once=0, parts_per_file=-3, part_size=MiB,
                         bandwidth_limit=-1).transfer_config()
    assert (config.files_at_once, config.parts_per_file, config.part_size,
            config.bandwidth_limit) == (1, 1, MIN_PART_SIZE, 0)


def test_automatic_part_size_and_parts_by_default():
    config = Preferences().transfer_config()
    assert (config.part_size, config.parts_per_file, config.parts_total) == (None, None, None)
    assert config == TransferConfig(files_at_once=3)


def test_automatic_survives_a_round_trip(tmp_path):
    Preferences(files_at_once=4).save(tmp_path / "p.json")
    assert Preferences.load(tmp_path / "p.json") == Preferences(files_at_once=4)


def test_old_files_saved_defaults_become_automatic_but_keep_real_choices(tmp_path):
    # format 1 saved every field, defaults included: 8 MiB and 4 parts were never chosen
    (tmp_path / "old.json").write_text(
        '{"files_at_once": 2, "parts_per_file": 4, "part_size": 8388608}')
    assert Preferences.load(tmp_path / "old.json") == Preferences(files_at_once=2)
    (tmp_path / "chosen.json").write_text('{"parts_per_file": 6, "part_size": 16777216}')
    assert Preferences.load(tmp_path / "chosen.json") == Preferences(parts_per_file=6,
                                                                     part_size=16 * MiB)
    # from format 2 on, 8 MiB and 4 are kept as chosen
    Preferences(parts_per_file=4, part_size=8 * MiB).save(tmp_path / "new.json")
    assert Preferences.load(tmp_path / "new.json") == Preferences(parts_per_file=4,
                                                                  part_size=8 * MiB)
