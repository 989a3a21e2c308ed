"""promoter.gates: `gates:` of an environment in promoter.yaml, every mistake at its line."""

from __future__ import annotations

from datetime import timedelta

import pytest

from promoter.config import parse_config
from promoter.errors import ConfigError, ExitCode
from promoter.gates import Gates

HEAD = """\
environments:
  - name: staging
  - name: production
    from: staging
"""


def gated(body: str) -> str:
    """HEAD with `gates:` (body indented under it) on production; gates: is line 5."""
    lines = "".join(f"      {line}\n" for line in body.splitlines())
    return HEAD + "    gates:\n" + lines


def test_statuses_and_soak() -> None:
    cfg = parse_config(gated("statuses: [argocd/web-staging, 'build (ubuntu)']\nsoak: 1h30m"))
    assert cfg.environment("production").gates == Gates(
        ("argocd/web-staging", "build (ubuntu)"), timedelta(hours=1, minutes=30))
    assert cfg.environment("staging").gates is None


@pytest.mark.parametrize(("body", "expected"), [
    ("statuses:\n  - flux/web-staging", Gates(("flux/web-staging",), None)),
    ("soak: 30m", Gates((), timedelta(minutes=30))),
    ("soak: 0s", Gates((), timedelta(0))),
])
def test_either_alone(body: str, expected: Gates) -> None:
    assert parse_config(gated(body)).environment("production").gates == expected


@pytest.mark.parametrize(("text", "line", "words"), [
    (gated("statuses: [a]\nsok: 30m"), 7, "unknown key 'sok' in gates (known: statuses, soak)"),
    (gated("soak: 30 minutes"), 6, "'soak': '30 minutes' is not a duration"),
    (gated("soak: -5m"), 6, "negative"),
    (gated("soak: 30"), 6, "'soak' must be a duration"),
    (gated("soak: 1.5h"), 6, "not a duration"),
    (gated("statuses: []"), 6, "non-empty list"),
    (gated("statuses: argocd/web-staging"), 6, "non-empty list"),
    (gated("statuses: [a, '']"), 6, "non-empty string"),
    (gated("statuses: [a, 3]"), 6, "non-empty string"),
    (gated("statuses: [a, A]"), 6, "listed twice"),
    (gated("statuses: [' a']"), 6, "without surrounding spaces"),
    (gated('statuses: ["a\\tb"]'), 6, "printable"),
    (HEAD + "    gates: {}\n", 5, "'gates' is empty"),
    (HEAD + "    gates: [argocd/web-staging]\n", 5, "'gates' must be a mapping"),
    (HEAD + "    gates:\n", 5, "'gates' must be a mapping"),
    ("environments:\n  - name: staging\n    gates:\n      soak: 30m\n", 3, "needs 'from:'"),
])
def test_malformed_gates_name_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="promoter.yaml")
    assert f"promoter.yaml:{line}:" in str(info.value)
    assert words in str(info.value)
    assert info.value.exit_code is ExitCode.USAGE
