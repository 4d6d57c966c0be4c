"""Sizes, rates and durations as people write and read them."""

import math

import pytest

from hoist.core.local.units import (
    format_duration,
    format_rate,
    format_size,
    parse_duration,
    parse_rate,
    parse_size,
)

KiB, MiB, GiB, TiB = 1024, 1024**2, 1024**3, 1024**4


@pytest.mark.parametrize("text, expected", [
    ("0", 0),
    ("16777216", 16777216),
    (16777216, 16777216),
    ("512b", 512), ("512 B", 512),
    ("1k", KiB), ("1K", KiB), ("1KiB", KiB), ("1kib", KiB), ("1KB", 1000), ("1kb", 1000),
    ("8MiB", 8 * MiB), ("8 MiB", 8 * MiB), ("8m", 8 * MiB), ("5MB", 5_000_000),
    ("2GiB", 2 * GiB), ("2g", 2 * GiB), ("2GB", 2_000_000_000),
    ("3TiB", 3 * TiB), ("3t", 3 * TiB), ("3TB", 3 * 10**12),
    ("1.5GiB", 3 * GiB // 2), ("0.5k", 512), ("  64 KiB  ", 64 * KiB),
    ("2.01MB", 2_010_000), ("2.05GB", 2_050_000_000), ("0.57KB", 570),   # exact, no float drift
    ("1.0000001", 1),                                                 # fractions of a byte dropped
])
def test_parse_size_accepts_documented_forms(text, expected):
    assert parse_size(text) == expected


@pytest.mark.parametrize("text", [
    "", "   ", "MiB", "abc", "-5", "-5MiB", "5 XB", "5 PiB", "5MiB/s", "1e6", "1,000", "5 M iB",
    "1..5M", ".5M", "5.M", "nan", "inf", None, "5MiBs", "8 MiB extra", "1" * 400 + "x",
])
def test_parse_size_rejects_garbage(text):
    with pytest.raises(ValueError, match="not a size"):
        parse_size(text)


def test_parse_size_of_a_huge_number_is_exact():
    assert parse_size("1" * 400) == int("1" * 400)


@pytest.mark.parametrize("text, expected", [
    ("20MiB/s", 20 * MiB), ("20MiB", 20 * MiB), ("20 MiB/S", 20 * MiB), ("1.5MB/s", 1_500_000),
    ("100/s", 100), ("0", 0), (" 512 KiB/s ", 512 * KiB),
])
def test_parse_rate_accepts_documented_forms(text, expected):
    assert parse_rate(text) == expected


@pytest.mark.parametrize("text", ["", "/s", "fast", "-1MiB/s", "20MiB/h", "20MiB/s/s", "20 mbps"])
def test_parse_rate_rejects_garbage(text):
    with pytest.raises(ValueError, match="not a rate"):
        parse_rate(text)


@pytest.mark.parametrize("text, expected", [
    ("30", 30.0), ("30s", 30.0), ("90m", 5400.0), ("90min", 5400.0), ("24h", 86400.0),
    ("7d", 604800.0), ("2w", 1209600.0), ("1.5h", 5400.0), ("0.5", 0.5), (" 24 H ", 86400.0),
])
def test_parse_duration_accepts_documented_forms(text, expected):
    value = parse_duration(text)
    assert value == expected and isinstance(value, float)


@pytest.mark.parametrize("text", ["", "soon", "-1h", "24 hours", "1y", "1ms", "h", "1h30m",
                                  "1" * 400, "nan"])
def test_parse_duration_rejects_garbage(text):
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(text)


@pytest.mark.parametrize("n, text", [
    (0, "0 B"), (1, "1 B"), (1023, "1023 B"), (1023.9, "1023 B"),
    (1024, "1.0 KiB"), (1536, "1.5 KiB"), (99 * KiB, "99.0 KiB"), (100 * KiB, "100 KiB"),
    (8 * MiB, "8.0 MiB"), (int(2.5 * GiB), "2.5 GiB"), (500 * GiB, "500 GiB"),
    (3 * TiB, "3.0 TiB"), (2048 * TiB, "2.0 PiB"), (5000 * 1024 * TiB, "5000 PiB"),
])
def test_format_size(n, text):
    assert format_size(n) == text


def test_format_size_round_trips_through_parse_size():
    for n in (0, 1, 1000, 5 * MiB, 3 * GiB, 7 * TiB):
        shown = format_size(n).replace(" ", "")
        assert abs(parse_size(shown) - n) <= 0.05 * n


def test_format_rate():
    assert format_rate(0) == "0 B/s"
    assert format_rate(20 * MiB) == "20.0 MiB/s"
    assert format_rate(1536.7) == "1.5 KiB/s"


@pytest.mark.parametrize("seconds, text", [
    (0, "0 s"), (9, "9 s"), (9.4, "9 s"), (59.4, "59 s"), (59.6, "1 min"),
    (60, "1 min"), (72, "1 min 12 s"), (3599, "59 min 59 s"), (3600, "1 h"),
    (3725, "1 h 2 min"), (86399, "23 h 59 min"), (86400, "1 d"), (90000, "1 d 1 h"),
    (30 * 86400, "30 d"),
])
def test_format_duration(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("value", [None, math.nan, math.inf])
def test_format_duration_of_an_unknown_eta(value):
    assert format_duration(value) == "—"
