"""Parsing and formatting of sizes, rates and durations for people.

Binary units (KiB, MiB, GiB) are 1024-based; decimal ones (KB, MB, GB) are
1000-based, as their names say. A bare number is bytes (or seconds).
"""

import math
import os
import re
from fractions import Fraction

_SIZE_UNITS = {
    "": 1, "b": 1,
    "k": 1024, "kib": 1024, "kb": 1000,
    "m": 1024**2, "mib": 1024**2, "mb": 1000**2,
    "g": 1024**3, "gib": 1024**3, "gb": 1000**3,
    "t": 1024**4, "tib": 1024**4, "tb": 1000**4,
}
_DURATION_UNITS = {"": 1, "s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400, "w": 604800}
_NUMBER_AND_UNIT = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$")


def parse_size(text: str) -> int:
    """``"8MiB"`` → 8388608; ``"5MB"`` → 5000000; ``"16777216"`` → 16777216."""
    match = _NUMBER_AND_UNIT.match(str(text))
    unit = match.group(2).lower() if match else None
    if not match or unit not in _SIZE_UNITS:
        raise ValueError(f"not a size: {text!r} (try 8MiB, 5MB or a number of bytes)")
    # Fraction, not float: "2.01MB" is 2,010,000 bytes, not 2,009,999.
    return int(Fraction(match.group(1)) * _SIZE_UNITS[unit])


def parse_rate(text: str) -> int:
    """``"20MiB/s"`` → bytes per second; the ``/s`` is optional."""
    body = str(text).strip()
    if body.lower().endswith("/s"):
        body = body[:-2]
    try:
        return parse_size(body)
    except ValueError:
        raise ValueError(f"not a rate: {text!r} (try 20MiB/s)") from None


def parse_duration(text: str) -> float:
    """``"24h"`` → 86400.0; ``"7d"``, ``"90m"``, ``"30s"``; a bare number is seconds."""
    match = _NUMBER_AND_UNIT.match(str(text))
    unit = match.group(2).lower() if match else None
    if not match or unit not in _DURATION_UNITS:
        raise ValueError(f"not a duration: {text!r} (try 24h or 7d)")
    seconds = float(match.group(1)) * _DURATION_UNITS[unit]
    if math.isinf(seconds):             # hundreds of digits overflow a float
        raise ValueError(f"not a duration: {text!r} (too long)")
    return seconds


def format_size(n: float) -> str:
    """``1536`` → ``"1.5 KiB"``; whole bytes below 1 KiB."""
    if n < 1024:
        return f"{int(n)} B"
    for unit in ("KiB", "MiB", "GiB", "TiB", "PiB"):
        n /= 1024
        text = f"{n:.1f}" if n < 99.95 else f"{n:.0f}"
        if float(text) < 1024 or unit == "PiB":   # 1,048,575 B is "1.0 MiB", not "1024 KiB"
            return f"{text} {unit}"
    raise AssertionError("unreachable")


def format_rate(bytes_per_second: float) -> str:
    return f"{format_size(bytes_per_second)}/s"


def format_duration(seconds: float) -> str:
    """``72`` → ``"1 min 12 s"``; ``3725`` → ``"1 h 2 min"``; ``9`` → ``"9 s"``."""
    if seconds is None or math.isnan(seconds) or math.isinf(seconds):
        return "—"
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


def format_path(path: str) -> str:
    """``path`` with the home folder said as "~" (most files are under it)."""
    home = os.path.expanduser("~").rstrip("/\\")
    if home and (path == home or path.startswith(home + os.sep)):
        return "~" + path[len(home):]
    return path
