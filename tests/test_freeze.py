"""promoter.freeze: `freeze:` in promoter.yaml (file:line errors) and which window is open when."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from promoter.config import parse_config
from promoter.errors import ConfigError, ExitCode
from promoter.freeze import FreezeWindow, open_window

TOKYO = ZoneInfo("Asia/Tokyo")
NEW_YORK = ZoneInfo("America/New_York")
WEEKEND = FreezeWindow("0 17 * * FRI", timedelta(hours=64), "Asia/Tokyo", "weekend freeze",
                       "promoter.yaml:5")


def config(window: str) -> str:
    """promoter.yaml with one environment whose freeze list is `window` (indented items)."""
    return ("environments:\n"
            "  - name: production\n"
            "    freeze:\n" + window)


def test_windows_are_read_with_their_defaults() -> None:
    cfg = parse_config(config(
        "      - cron: '0 17 * * FRI'\n"
        "        duration: 64h\n"
        "        timezone: Asia/Tokyo\n"
        "        reason: weekend   freeze\n"
        "      - cron: '@daily'\n"
        "        duration: 1h30m\n"))
    weekend, nightly = cfg.environment("production").freeze
    assert weekend == FreezeWindow("0 17 * * FRI", timedelta(hours=64), "Asia/Tokyo",
                                   "weekend freeze", "promoter.yaml:4")
    assert nightly == FreezeWindow("@daily", timedelta(hours=1, minutes=30), "UTC", None,
                                   "promoter.yaml:8")


def test_no_freeze_key_and_an_empty_one_mean_no_window() -> None:
    assert parse_config("environments:\n  - name: a\n").environment("a").freeze == ()
    assert parse_config(config("")).environment("production").freeze == ()


@pytest.mark.parametrize(("window", "line", "words"), [
    ("      colour: red\n", 3, "'freeze' must be a list"),
    ("      - 0 17 * * FRI\n", 4, "must be a mapping"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        colour: red\n", 6,
     "unknown key 'colour' in a freeze window"),
    ("      - duration: 1h\n", 4, "needs 'cron'"),
    ("      - cron: '0 17 * * FRI'\n", 4, "needs 'duration'"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1w\n", 5, "'1w' is not a duration"),
    ("      - cron: '0 17 * * FRI'\n        duration: 30\n", 5, "a number with a unit"),
    ("      - cron: '0 17 * * FRI'\n        duration: 0m\n", 5, "longer than 0"),
    ("      - cron: '0 17 * * FRI'\n        duration: -5m\n", 5, "negative"),
    ("      - cron: '0 25 * * *'\n        duration: 1h\n", 4, "not a cron expression"),
    ("      - cron: 'every friday'\n        duration: 1h\n", 4, "has 2 field(s)"),
    ("      - cron: '0 0 17 * * FRI'\n        duration: 1h\n", 4, "has 6 field(s)"),
    ("      - cron: '0 0 30 2 *'\n        duration: 1h\n", 4, "never fires"),
    ("      - cron: 'H 17 * * FRI'\n        duration: 1h\n", 4, "not a cron expression"),
    ("      - cron: 17\n        duration: 1h\n", 4, "non-empty string"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        timezone: Mars/Olympus\n", 6,
     "unknown time zone 'Mars/Olympus'"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        timezone: asia/tokyo\n", 6,
     "unknown time zone"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        timezone: ../../etc/passwd\n",
     6, "unknown time zone"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        timezone: localtime\n", 6,
     "unknown time zone"),
    ("      - cron: '0 17 * * FRI'\n        duration: 1h\n        reason: ''\n", 6,
     "non-empty string"),
])
def test_a_malformed_window_names_its_line(window: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(config(window), source="promoter.yaml")
    assert f"promoter.yaml:{line}:" in str(caught.value)
    assert words in str(caught.value)
    assert caught.value.exit_code is ExitCode.USAGE


# ----------------------------------------------------------------------------- open windows


def at(zone: ZoneInfo, *fields: int) -> datetime:
    return datetime(*fields, tzinfo=zone)  # type: ignore[misc]


def test_a_window_is_open_from_its_firing_for_its_duration_in_its_time_zone() -> None:
    friday_5pm = at(TOKYO, 2026, 11, 27, 17, 0)  # a Friday
    open_ = WEEKEND.open_at(at(TOKYO, 2026, 11, 28, 10, 0))
    assert open_ is not None
    assert (open_.start, open_.end) == (friday_5pm, at(TOKYO, 2026, 11, 30, 9, 0))
    assert open_.start.tzinfo == TOKYO and open_.end.tzinfo == TOKYO
    assert open_.left == timedelta(days=1, hours=23)
    assert open_.to_json() == {"reason": "weekend freeze", "cron": "0 17 * * FRI",
                               "timezone": "Asia/Tokyo",
                               "start": "2026-11-27T17:00:00+09:00",
                               "end": "2026-11-30T09:00:00+09:00"}


@pytest.mark.parametrize(("moment", "is_open"), [
    (at(TOKYO, 2026, 11, 27, 16, 59, 59), False),  # the second before it fires
    (at(TOKYO, 2026, 11, 27, 17, 0, 0), True),  # the instant it fires
    (at(TOKYO, 2026, 11, 27, 17, 0, 0) + timedelta(microseconds=1), True),
    (at(TOKYO, 2026, 11, 30, 8, 59, 59), True),
    (at(TOKYO, 2026, 11, 30, 9, 0, 0), False),  # the end is not inside
    (at(UTC, 2026, 11, 27, 8, 30), True),  # 17:30 in Tokyo, said in UTC
    (at(UTC, 2026, 11, 27, 7, 30), False),  # Friday 16:30 in Tokyo: not yet
    (at(TOKYO, 2026, 12, 2, 12, 0), False),  # a Wednesday
])
def test_window_bounds(moment: datetime, is_open: bool) -> None:
    assert (WEEKEND.open_at(moment) is not None) is is_open


def test_the_duration_is_elapsed_time_across_a_daylight_saving_change() -> None:
    # New York leaves daylight saving time on Sunday 2026-11-01 at 02:00 (back to 01:00).
    window = FreezeWindow("0 18 * * SAT", timedelta(hours=24), "America/New_York")
    open_ = window.open_at(at(NEW_YORK, 2026, 11, 1, 12, 0))
    assert open_ is not None
    assert open_.start == at(NEW_YORK, 2026, 10, 31, 18, 0)
    assert open_.end.astimezone(UTC) - open_.start.astimezone(UTC) == timedelta(hours=24)
    assert (open_.end.hour, open_.end.utcoffset()) == (17, timedelta(hours=-5))  # wall clock
    assert window.open_at(at(NEW_YORK, 2026, 11, 1, 16, 59)) is not None
    assert window.open_at(at(NEW_YORK, 2026, 11, 1, 17, 0)) is None


def test_only_the_most_recent_firing_counts() -> None:
    hourly = FreezeWindow("0 * * * *", timedelta(minutes=10), "UTC")
    assert hourly.open_at(at(UTC, 2026, 1, 1, 5, 9)) is not None
    assert hourly.open_at(at(UTC, 2026, 1, 1, 5, 10)) is None


def test_of_several_open_windows_the_one_ending_last_is_named() -> None:
    short = FreezeWindow("0 17 * * FRI", timedelta(hours=1), "Asia/Tokyo", "short")
    moment = at(TOKYO, 2026, 11, 27, 17, 30)
    found = open_window((short, WEEKEND), moment)
    assert found is not None and found.window is WEEKEND
    assert open_window((), moment) is None
    assert open_window((short,), at(TOKYO, 2026, 11, 28, 17, 30)) is None


def test_describe_names_the_reason_cron_and_time_zone() -> None:
    assert WEEKEND.describe() == "freeze window 'weekend freeze' (cron 0 17 * * FRI, Asia/Tokyo)"
    assert FreezeWindow("@daily", timedelta(hours=1)).describe() == (
        "freeze window (cron @daily, UTC)")
