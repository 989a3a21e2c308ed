"""promoter.clock: now is the system's time in UTC, unless PROMOTER_NOW fixes it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promoter.clock import NOW_VARIABLE, now
from promoter.errors import UsageError


def test_now_is_the_system_time_in_utc() -> None:
    before = datetime.now(UTC)
    found = now({})
    assert found.tzinfo is not None and found.utcoffset() == timedelta(0)
    assert before <= found <= datetime.now(UTC)


def test_promoter_now_fixes_it_with_its_offset() -> None:
    found = now({NOW_VARIABLE: "2024-05-01T21:30:00+09:00"})
    assert found == datetime(2024, 5, 1, 12, 30, tzinfo=UTC)
    assert found.utcoffset() == timedelta(hours=9)
    assert now({NOW_VARIABLE: "2024-05-01T12:30:00Z"}).tzinfo == UTC


@pytest.mark.parametrize("value", ["2024-05-01T12:30:00", "yesterday", "2024-13-01T00:00:00Z",
                                   "\x1b[31m"])
def test_a_time_without_offset_or_not_a_time_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError, match=NOW_VARIABLE) as caught:
        now({NOW_VARIABLE: value})
    assert "\x1b" not in str(caught.value)
