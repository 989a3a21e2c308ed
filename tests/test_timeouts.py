"""promoter.timeouts: every PROMOTER_*_TIMEOUT variable is read the same way."""

from __future__ import annotations

import pytest

from promoter.errors import ExitCode, UsageError
from promoter.timeouts import seconds_from_env


def test_unset_or_blank_is_the_default() -> None:
    assert seconds_from_env("X_TIMEOUT", 7.0, "it", {}) == 7.0
    assert seconds_from_env("X_TIMEOUT", 7.0, "it", {"X_TIMEOUT": "  "}) == 7.0


def test_a_positive_number() -> None:
    assert seconds_from_env("X_TIMEOUT", 7.0, "it", {"X_TIMEOUT": "0.25"}) == 0.25


@pytest.mark.parametrize("value", ["nan", "inf", "-inf", "0", "-1", "abc", "1e999", "\x1b[31m5"])
def test_anything_else_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        seconds_from_env("X_TIMEOUT", 7.0, "one render", {"X_TIMEOUT": value})
    assert caught.value.exit_code == ExitCode.USAGE
    assert "X_TIMEOUT" in caught.value.message and "\x1b" not in str(caught.value)
