"""promoter.circleci_lint.shellwords: simple commands, expanding words, substitutions, lines."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.circleci_lint.shellwords import simple_commands


def words(script: str) -> list[list[str]]:
    return [[w.text for w in c.words] for c in simple_commands(script)]


@pytest.mark.parametrize(("script", "expected"), [
    ("a b; c && d || e | f & g", [["a", "b"], ["c"], ["d"], ["e"], ["f"], ["g"]]),
    ("a 'b c' \"d $E\" f\\ g", [["a", "b c", "d $E", "f g"]]),
    ("a \\\n  b", [["a", "b"]]),
    ("a # b c\nd", [["a"], ["d"]]),
    ("a x#y", [["a", "x#y"]]),
    ("a > out 2>&1 < in", [["a"]]),
    ("a 2>/dev/null b", [["a", "b"]]),
    ("cat <<EOF > f\n./deploy.sh\nEOF\nb", [["cat"], ["b"]]),
    ("cat <<-'X'\n\t./deploy.sh\n\tX\nb", [["cat"], ["b"]]),
    ("echo $'a b'", [["echo", "a b"]]),
    ("x=$(./a.sh \"$(b)\") c", [["x=$(...)", "c"]]),
])
def test_words(script: str, expected: list[list[str]]) -> None:
    assert words(script) == expected


def test_expansions_and_substitutions() -> None:
    [command] = simple_commands("$P promote 'lit $X' \"$(./get.sh)\" `b` ${C}d <(e)")
    assert [w.expands for w in command.words] == [True, False, False, True, True, True]
    assert [s.script for s in command.substitutions] == ["./get.sh", "b", "e"]


def test_lines() -> None:
    script = "a\n\nif x; then\n  b \\\n    c\nfi\necho \"two\nlines\"; d"
    found = [(c.words[0].text, c.line) for c in simple_commands(script)]
    assert found == [("a", 0), ("if", 2), ("then", 2), ("b", 3), ("fi", 5), ("echo", 6),
                     ("d", 7)]


def test_unfilled_circleci_parameter_is_run_time_text() -> None:
    [command] = simple_commands("promoter promote << parameters.env >> --tag x")
    assert command.words[2].text == "<< parameters.env >>" and command.words[2].expands


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab $`'\"\\(){}<>|&;#\n-=EOF")), max_size=60))
def test_any_text_is_split_without_error(script: str) -> None:
    for command in simple_commands(script):
        assert command.words or command.substitutions
