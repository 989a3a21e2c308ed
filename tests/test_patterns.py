"""promoter.patterns: RE2 compiles or says why, quietly; matching is linear in the text."""

from __future__ import annotations

import time

import pytest

from promoter.patterns import PatternError, compile_linear


def test_search_and_fullmatch() -> None:
    pattern = compile_linear("[0-9a-f]{7}")
    assert pattern.search("x abc1234 y")
    assert not pattern.fullmatch("x abc1234 y")
    assert pattern.fullmatch("abc1234")
    assert pattern.source == "[0-9a-f]{7}"


@pytest.mark.parametrize("pattern", [r"(a)\1", r"(?=a)a", r"(?<=a)b", r"(?!a)", "(", "a{1001}"])
def test_what_re2_cannot_compile_is_a_pattern_error_and_prints_nothing(
        pattern: str, capfd: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(PatternError) as caught:
        compile_linear(pattern)
    assert str(caught.value) and "\n" not in str(caught.value)
    assert capfd.readouterr() == ("", "")  # RE2 logs its errors unless told not to


def test_backtracking_patterns_are_linear() -> None:
    started = time.monotonic()
    for pattern in ("^(a+)+$", "^(a|aa)+$", "^(a*)*b$", "^(.*a){20}$"):
        assert not compile_linear(pattern).search("a" * 5000 + "!")
    assert time.monotonic() - started < 2.0
