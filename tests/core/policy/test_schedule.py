"""Bandwidth schedules: rclone's timetable syntax, the limit at a time, and when it changes."""

from datetime import datetime

import pytest

from hoist.core.policy.planner import MiB
from hoist.core.policy.schedule import Schedule, ScheduleError

# 2026-11-23 is a Monday
MON, FRI, SAT, SUN = (datetime(2026, 11, d, 0, 0) for d in (23, 27, 28, 29))
WEEKDAYS = "Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"


def at(day: datetime, hh: int, mm: int = 0) -> datetime:
    return day.replace(hour=hh, minute=mm)


def test_weekday_office_hours_are_limited_and_the_rest_is_not():
    schedule = Schedule.parse(WEEKDAYS)
    assert schedule.limit_at(at(MON, 10)).rate == 2 * MiB
    assert schedule.limit_at(at(FRI, 17, 59)).rate == 2 * MiB
    assert schedule.limit_at(at(FRI, 18)).rate == 0
    assert schedule.limit_at(at(SAT, 12)).rate == 0
    assert schedule.limit_at(at(MON, 8, 59)).rate == 0      # before the week's first slot: Sunday's


def test_limit_says_until_when_in_words():
    schedule = Schedule.parse(WEEKDAYS)
    now = at(MON, 10, 30)
    limit = schedule.limit_at(now)
    assert limit.until == at(MON, 18)
    assert limit.describe(now) == "Limited to 2.0 MiB/s until 18:00"
    friday_night = at(FRI, 20)
    assert schedule.limit_at(friday_night).describe(friday_night) == "Unlimited until Mon 09:00"


def test_same_rate_slots_in_a_row_are_one_stretch():
    # Mon 18:00 off → Tue 09:00: the "until" skips slots that do not change the rate
    schedule = Schedule.parse("Mon-Sun-00:00,1MiB/s 12:00,1MiB/s 20:00,off")
    limit = schedule.limit_at(at(MON, 1))
    assert limit.rate == MiB and limit.until == at(MON, 20)


def test_every_day_entries_and_rclone_units():
    schedule = Schedule.parse("08:00,512k;23:00,off")
    assert schedule.limit_at(at(SUN, 12)).rate == 512 * 1024
    assert schedule.limit_at(at(SUN, 23, 30)).rate == 0
    assert schedule.limit_at(at(MON, 7)).rate == 0


def test_a_single_rate_is_a_constant_limit():
    limit = Schedule.parse("5MiB/s").limit_at(at(SAT, 3))
    assert limit.rate == 5 * MiB and limit.until is None
    assert limit.describe(at(SAT, 3)) == "Limited to 5.0 MiB/s"


def test_day_ranges_wrap_round_the_week():
    schedule = Schedule.parse("Sat-Sun-00:00,1MiB/s Mon-00:00,off")
    assert schedule.limit_at(at(SUN, 22)).rate == MiB
    assert schedule.limit_at(at(MON, 1)).rate == 0
    assert "Sat 00:00 → 1.0 MiB/s" in schedule.describe()


@pytest.mark.parametrize("text, words", [
    ("", "empty"),
    ("9am,2MiB/s", "not an entry"),
    ("25:00,2MiB/s", "not a time"),
    ("Mon-09:61,1M", "not a time"),
    ("Moo-09:00,1M", "not a day"),
    ("09:00,fast", "not a rate"),
    ("09:00,1M 09:00,2M", "second limit"),
])
def test_bad_timetables_say_which_entry_and_why(text, words):
    with pytest.raises(ScheduleError, match=words):
        Schedule.parse(text)
