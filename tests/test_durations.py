"""promoter.durations: `30m`, `64h`, `1h30m`, `45s`, `2d` read and written back."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promoter.durations import format_duration, parse_duration


@pytest.mark.parametrize(("text", "expected"), [
    ("30m", timedelta(minutes=30)),
    ("64h", timedelta(hours=64)),
    ("1h30m", timedelta(hours=1, minutes=30)),
    ("45s", timedelta(seconds=45)),
    ("2d", timedelta(days=2)),
    ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
    ("0s", timedelta(0)),
    (" 15m ", timedelta(minutes=15)),
    ("90m", timedelta(minutes=90)),
])
def test_durations_people_write(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("", "empty"),
    ("30", "not a duration"),
    ("m", "not a duration"),
    ("30x", "not a duration"),
    ("30m1h", "not a duration"),
    ("1.5h", "not a duration"),
    ("1h 30m", "not a duration"),
    ("-5m", "negative"),
    ("99999d", "longer than"),
    ("\uff13\uff10m", "not a duration"),  # fullwidth digits
])
def test_anything_else_is_refused_with_a_reason(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_duration(text)


@pytest.mark.parametrize(("duration", "text"), [
    (timedelta(minutes=47), "47m"),
    (timedelta(hours=1, minutes=5, seconds=30), "1h5m30s"),
    (timedelta(days=2), "2d"),
    (timedelta(seconds=59.9), "59s"),
    (timedelta(0), "0s"),
    (timedelta(seconds=-3), "0s"),
])
def test_format_writes_what_parse_reads(duration: timedelta, text: str) -> None:
    assert format_duration(duration) == text
    assert parse_duration(text) <= max(duration, timedelta(0))
