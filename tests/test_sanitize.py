"""promoter.sanitize: foreign text made safe to show, in linear time."""

from __future__ import annotations

import pytest

from promoter.sanitize import cap, foreign, one_line, redact, strip_control


@pytest.mark.parametrize(("raw", "clean"), [
    ("https://user:tok3n@github.com/o/r", "https://github.com/o/r"),
    ("ssh://git@host/o/r and http://a:b@c/", "ssh://host/o/r and http://c/"),
    ("git@github.com:o/r.git", "git@github.com:o/r.git"),  # scp-like: no secret to hide
    ("no url here", "no url here"),
])
def test_redact(raw: str, clean: str) -> None:
    assert redact(raw) == clean


@pytest.mark.parametrize(("raw", "clean"), [
    ("\x1b[1;31mred\x1b[0m", "red"),
    ("\x1b]0;window title\x07text", "text"),
    ("\x1b]8;;https://evil\x1b\\link\x1b]8;;\x1b\\", "link"),
    ("over\rwrite", "overwrite"),
    ("bell\x07 nul\x00 del\x7f c1\x9b", "bell nul del c1"),
    ("tab\tand\nnewline", "tab\tand\nnewline"),
    ("unterminated \x1b[", "unterminated "),
])
def test_strip_control(raw: str, clean: str) -> None:
    assert strip_control(raw) == clean


def test_cap_says_how_much_more() -> None:
    assert cap("x" * 10, 4) == "xxxx… 6 characters more"
    assert cap("short", 10) == "short"


def test_foreign_is_clean_capped_and_linear_on_hostile_input() -> None:
    hostile = "://" * 1_000_000 + "\x1b" * 1_000_000 + "a" * 3_000_000 + "https://u:p@h/"
    shown = foreign(hostile)
    assert len(shown) < 4200 and "\x1b" not in shown
    assert foreign("see https://u:secret@h/x\x1b[0m") == "see https://h/x"


def test_one_line() -> None:
    assert one_line(" a\n b\r\n\tc ") == "a b c"
