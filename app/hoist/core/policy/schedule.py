"""Bandwidth schedules ("quiet hours"): which upload limit applies at a given local time.

The syntax is rclone's ``--bwlimit`` timetable, which many people already know:
space- or semicolon-separated entries ``[DAY-]HH:MM,RATE``. Each entry sets the
limit from its time on, until the next entry; an entry without a day applies
every day. ``off`` means unlimited. One extension: a day range, as in
``Mon-Fri-09:00,2MiB/s``. A single rate without a time is a constant limit.

    "Mon-Fri-09:00,2MiB/s Mon-Fri-18:00,off"   weekdays 09:00–18:00 at 2 MiB/s
    "08:00,512KiB/s 23:00,off"                 every day from 08:00 to 23:00

Rates use Hoist's units (``2MiB/s``, ``512KiB``, ``5MB/s``; rclone's bare ``2M`` works
too and means MiB). Times are the computer's local time; the caller passes it in,
so tests drive the clock, not the wall.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from hoist.core.local.units import format_rate, parse_rate

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MINUTES_A_WEEK = 7 * 24 * 60
_ENTRY = re.compile(r"^(?:(?P<days>[A-Za-z]{3}(?:-[A-Za-z]{3})?)-)?"
                    r"(?P<hh>\d{1,2}):(?P<mm>\d{2}),(?P<rate>\S+)$")


class ScheduleError(ValueError):
    """A timetable that cannot be read; the message says which entry and why."""


@dataclass(frozen=True)
class Slot:
    """From ``minute`` of the week on (0 = Monday 00:00), the limit is ``rate`` (0 = none)."""

    minute: int
    rate: int


@dataclass(frozen=True)
class Limit:
    """The limit in force now, and until when (None: it never changes)."""

    rate: int
    until: datetime | None

    def describe(self, now: datetime) -> str:
        """Status-bar text: "Limited to 2.0 MiB/s until 18:00", "Unlimited until Mon 09:00"."""
        what = f"Limited to {format_rate(self.rate)}" if self.rate else "Unlimited"
        if self.until is None:
            return what
        when = self.until.strftime("%H:%M")
        if self.until.date() != now.date():
            when = f"{DAYS[self.until.weekday()]} {when}"
        return f"{what} until {when}"


@dataclass(frozen=True)
class Schedule:
    """A parsed timetable: slots sorted by minute of the week."""

    slots: tuple[Slot, ...]
    text: str

    @classmethod
    def parse(cls, text: str) -> "Schedule":
        entries = [e for e in re.split(r"[\s;]+", text.strip()) if e]
        if not entries:
            raise ScheduleError("the schedule is empty: give entries like Mon-Fri-09:00,2MiB/s")
        if len(entries) == 1 and "," not in entries[0]:
            return cls((Slot(0, _rate(entries[0], entries[0])),), text.strip())
        slots: dict[int, int] = {}
        for entry in entries:
            match = _ENTRY.match(entry)
            if not match:
                raise ScheduleError(f"{entry!r} is not an entry of the form [DAY-]HH:MM,RATE "
                                    "(for example Mon-09:00,2MiB/s or 18:00,off)")
            hours, minutes = int(match["hh"]), int(match["mm"])
            if hours > 23 or minutes > 59:
                raise ScheduleError(f"{entry!r}: {match['hh']}:{match['mm']} is not a time of day")
            rate = _rate(match["rate"], entry)
            for day in _days(match["days"], entry):
                minute = day * 24 * 60 + hours * 60 + minutes
                if minute in slots and slots[minute] != rate:
                    raise ScheduleError(f"{entry!r} sets a second limit for the same time")
                slots[minute] = rate
        return cls(tuple(Slot(m, r) for m, r in sorted(slots.items())), text.strip())

    def limit_at(self, now: datetime) -> Limit:
        """The limit at local time ``now``, and when it next changes."""
        minute = _minute_of_week(now)
        # the last slot at or before now; before the week's first slot, last week's last one
        current = next((s for s in reversed(self.slots) if s.minute <= minute), self.slots[-1])
        index = self.slots.index(current)
        # the next slot with a different rate, going round the week at most once
        for step in range(1, len(self.slots) + 1):
            following = self.slots[(index + step) % len(self.slots)]
            if following.rate != current.rate:
                ahead = (following.minute - minute) % _MINUTES_A_WEEK or _MINUTES_A_WEEK
                start = now.replace(second=0, microsecond=0)
                return Limit(current.rate, start + timedelta(minutes=ahead))
        return Limit(current.rate, None)

    def describe(self) -> str:
        """The timetable in words, one slot a line: "Mon 09:00 → 2.0 MiB/s"."""
        return "\n".join(f"{DAYS[s.minute // 1440]} {s.minute % 1440 // 60:02d}:"
                         f"{s.minute % 60:02d} → {format_rate(s.rate) if s.rate else 'unlimited'}"
                         for s in self.slots)


def _rate(text: str, entry: str) -> int:
    if text.lower() in ("off", "0", "unlimited"):
        return 0
    if re.fullmatch(r"\d+(\.\d+)?[kKmMgG]", text):       # rclone's bare 2M: binary units
        text += "iB"
    try:
        return parse_rate(text)
    except ValueError:
        raise ScheduleError(f"{entry!r}: {text!r} is not a rate (try 2MiB/s, 512KiB/s or off)") from None


def _days(spec: str | None, entry: str) -> list[int]:
    if spec is None:
        return list(range(7))
    names = [d.capitalize() for d in spec.split("-")]
    for name in names:
        if name not in DAYS:
            raise ScheduleError(f"{entry!r}: {name!r} is not a day (use Mon, Tue, … Sun)")
    first, last = DAYS.index(names[0]), DAYS.index(names[-1])
    return [(first + i) % 7 for i in range((last - first) % 7 + 1)]


def _minute_of_week(now: datetime) -> int:
    return now.weekday() * 24 * 60 + now.hour * 60 + now.minute
