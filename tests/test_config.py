import time
from pathlib import Path

import pytest

from promoter.config import DEFAULT_TAG_PATTERN, load_config, parse_config
from promoter.errors import ConfigError, ExitCode, UsageError

GOOD = """\
environments:
  - name: staging
    path: overlays/staging
  - name: production
    path: overlays/production
    from: staging
tag_pattern: '^[0-9a-f]{7,40}$'
pr:
  labels: [promotion, prod]
  reviewers: [alice]
  repository: acme/gitops
"""


def test_parses_environments_sources_and_pr() -> None:
    cfg = parse_config(GOOD)
    assert [(e.name, e.path, e.source) for e in cfg.environments] == [
        ("staging", "overlays/staging", None),
        ("production", "overlays/production", "staging"),
    ]
    assert cfg.pr.labels == ("promotion", "prod")
    assert cfg.pr.reviewers == ("alice",)
    assert cfg.pr.repository == "acme/gitops"
    assert cfg.tag_matches("abc1234")


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("environments:\n  - name: a\n    from: nowhere\n", 3, "unknown environment"),
        ("environments:\n  - name: a\n  - name: a\n", 3, "declared twice"),
        ("environments:\n  - name: a\n    colour: red\n", 3, "unknown key"),
        ("environments:\n  - name: a\n tag_pattern: x\n", 3, "malformed YAML"),
        ("environments: []\n", 1, "non-empty list"),
        ("environments:\n  - name: prod..eu\n", 2, "names a git branch"),
        ("environments:\n  - name: a\ntag_pattern: '('\n", 3, "regular expression"),
        ("environments:\n  - name: a\n    path: /etc\n", 3, "inside the repository"),
        ("environments:\n  - name: a\n    from: b\n  - name: b\n    from: a\n", 3, "cycle"),
        ("environments:\n  - name: a\n  - name: a\n    name: b\n", 4, "malformed YAML"),
        ("environments:\n  - name: a\n    path: o/x\n  - name: b\n    path: o/x/\n", 5,
         "share the overlay"),
    ],
)
def test_malformed_config_names_the_line(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="promoter.yaml")
    assert f"promoter.yaml:{line}" in str(info.value)
    assert words in str(info.value)
    assert info.value.exit_code is ExitCode.USAGE


def test_convention_without_file(tmp_path: Path) -> None:
    for name in ("base", "staging", "production", "notes"):
        (tmp_path / "overlays" / name).mkdir(parents=True)
    for name in ("base", "staging", "production"):
        (tmp_path / "overlays" / name / "kustomization.yaml").write_text("resources: []\n")
    cfg = load_config(tmp_path)
    assert [(e.name, e.source) for e in cfg.environments] == [
        ("production", "staging"),
        ("staging", None),
    ]
    assert cfg.tag_pattern == DEFAULT_TAG_PATTERN
    assert cfg.path is None


def test_unknown_environment_lists_known(tmp_path: Path) -> None:
    cfg = parse_config(GOOD)
    with pytest.raises(UsageError, match=r"known from promoter\.yaml: staging, production"):
        cfg.environment("prod")


def test_explicit_config_path_missing(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path, "deploy/promoter.yaml")


@pytest.mark.parametrize("given", [None, "deploy/promoter.yaml"])
def test_config_that_is_not_utf8_names_file_and_offset(tmp_path: Path, given: str | None) -> None:
    path = tmp_path / (given or "promoter.yaml")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"environments:\n  - name: \xff\n")
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path, given)
    assert info.value.message == (
        f"{given or 'promoter.yaml'}: not UTF-8 text at byte offset 24 (0xff: invalid start byte)")
    assert info.value.exit_code is ExitCode.USAGE


def test_config_with_windows_newlines_reads_as_before(tmp_path: Path) -> None:
    (tmp_path / "promoter.yaml").write_bytes(GOOD.replace("\n", "\r\n").encode())
    assert load_config(tmp_path).environments == parse_config(GOOD).environments


# --------------------------------------------------------------------------- RE2 patterns

ENVS = "environments:\n  - name: a\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (ENVS + "tag_pattern: '^(a)\\1$'\n", 3, "invalid escape sequence"),
        (ENVS + "tag_pattern: '^(?=v)v1$'\n", 3, "invalid perl operator"),
        (ENVS + "tag_pattern: '^(?<!x)v$'\n", 3, "RE2 syntax"),
        (ENVS + "allowed_names: ghcr.io/.*\n", 3, "must be a list of regular expressions"),
        (ENVS + "allowed_names: [ok, 3]\n", 3, "must be a list of regular expressions"),
        (ENVS + "allowed_names:\n  - 'ghcr\\.io/.*'\n  - '(x)\\1'\n", 5, "allowed_names entry"),
    ],
)
def test_patterns_must_be_re2(text: str, line: int, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(text, source="promoter.yaml")
    message = str(info.value)
    assert message.startswith(f"promoter.yaml:{line}: ")
    assert words in message
    assert info.value.exit_code is ExitCode.USAGE


def test_a_pattern_re2_refuses_says_why() -> None:
    with pytest.raises(ConfigError) as info:
        parse_config(ENVS + "tag_pattern: '^(a)\\1$'\n", source="promoter.yaml")
    assert "not a regular expression in RE2 syntax" in info.value.message
    assert "backreferences and lookaround are not available" in info.value.message
    assert "github.com/google/re2/wiki/Syntax" in str(info.value)


def test_catastrophic_pattern_returns_at_once() -> None:
    cfg = parse_config(ENVS + "tag_pattern: '^(a+)+$'\n")
    started = time.monotonic()
    assert cfg.tag_matches("a" * 99 + "b") is False
    assert cfg.tag_matches("a" * 100) is True
    assert time.monotonic() - started < 1.0


def test_tags_over_128_characters_never_match() -> None:
    cfg = parse_config(ENVS + "tag_pattern: '.*'\n")
    assert cfg.tag_matches("a" * 128)
    assert not cfg.tag_matches("a" * 129)


def test_tag_pattern_dollar_does_not_match_before_a_newline() -> None:
    assert not parse_config(GOOD).tag_matches("abc1234\n")


def test_allowed_names_match_the_whole_name() -> None:
    cfg = parse_config(ENVS + "allowed_names: ['ghcr\\.io/acme/.*', 'registry\\.local/web']\n")
    assert cfg.allowed_names == ("ghcr\\.io/acme/.*", "registry\\.local/web")
    assert cfg.name_allowed("ghcr.io/acme/web")
    assert cfg.name_allowed("registry.local/web")
    assert not cfg.name_allowed("registry.local/web2")
    assert not cfg.name_allowed("evil.example/ghcr.io/acme/web")


def test_without_allowed_names_any_name_is_allowed_and_an_empty_list_allows_none() -> None:
    assert parse_config(GOOD).allowed_names is None
    assert parse_config(GOOD).name_allowed("evil.example/web")
    empty = parse_config(ENVS + "allowed_names: []\n")
    assert not empty.name_allowed("ghcr.io/acme/web")
