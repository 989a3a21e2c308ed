import time
from pathlib import Path

import pytest

from promoter.config import DEFAULT_TAG_PATTERN, load_config, parse_config
from promoter.errors import ConfigError, ContentError, ExitCode, UsageError
from promoter.yamlbounds import MAX_DEPTH
from tests.hostile_yaml import billion_laughs, just_too_deep, nested, oversized, self_containing

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
  auto_merge: squash
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
    assert cfg.pr.auto_merge == "squash"
    assert cfg.tag_matches("abc1234")


def test_commit_via_is_git_unless_promoter_yaml_says_api() -> None:
    assert parse_config(GOOD).commit_via == "git"
    assert parse_config(GOOD + "commit_via: api\n").commit_via == "api"


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
        ("environments:\n  - name: a\npr:\n  auto_merge: yes-please\n", 4,
         "pr.auto_merge must be one of squash, merge, rebase"),
        ("environments:\n  - name: a\ncommit_via: svn\n", 3, "commit_via must be git or api"),
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
        f"{given or 'promoter.yaml'}: not UTF-8 text at byte offset 24 (invalid start byte)")
    assert info.value.exit_code is ExitCode.USAGE


def test_config_with_windows_newlines_reads_as_before(tmp_path: Path) -> None:
    (tmp_path / "promoter.yaml").write_bytes(GOOD.replace("\n", "\r\n").encode())
    assert load_config(tmp_path).environments == parse_config(GOOD).environments


# --------------------------------------------------------------------------- bounds (exit 2)


@pytest.mark.parametrize(("text", "message"), [
    (GOOD + billion_laughs(), "promoter.yaml: its YAML aliases would expand to more than "
     "100,000 nodes"),
    (GOOD + self_containing(), "promoter.yaml: its YAML aliases would expand"),
    (GOOD + just_too_deep(), f"promoter.yaml:{GOOD.count(chr(10)) + 1}: lists and mappings nested "
     f"more than {MAX_DEPTH} levels deep"),
    (nested(100_000), f"promoter.yaml:1: lists and mappings nested more than {MAX_DEPTH}"),
    (oversized(GOOD), "promoter.yaml is 1,048,577 bytes; promoter reads YAML files of at most "
     "1 MiB"),
], ids=["billion-laughs", "self-containing", "too-deep", "100000-deep", "over-1-MiB"])
def test_a_config_past_the_bounds_is_a_config_error(tmp_path: Path, text: str,
                                                    message: str) -> None:
    (tmp_path / "promoter.yaml").write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.message.startswith(message)
    assert "\n" not in str(caught.value)


def test_an_unreadable_config_is_a_config_error(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "promoter.yaml").write_text(GOOD)

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path)
    assert caught.value.exit_code is ExitCode.USAGE
    assert str(caught.value) == ("cannot read promoter.yaml: Permission denied "
                                 "(check the file's path and permissions)")


def test_ordinary_anchors_in_a_config_are_read() -> None:
    text = "pr:\n  reviewers: &people [alice, bob]\n  team_reviewers: *people\n" + GOOD.split(
        "pr:")[0]
    assert parse_config(text).pr.team_reviewers == ("alice", "bob")


def test_a_config_path_that_cannot_be_looked_at_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path, "x" * 5000)
    assert caught.value.exit_code is ExitCode.USAGE
    assert caught.value.message.endswith(": File name too long")
    assert caught.value.message.startswith("cannot look at xxx")


def test_an_overlays_folder_that_cannot_be_listed_is_a_content_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "overlays" / "staging").mkdir(parents=True)

    def denied(_: Path) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "iterdir", denied)
    with pytest.raises(ContentError) as caught:
        load_config(tmp_path)
    assert caught.value.exit_code is ExitCode.INVALID
    assert caught.value.message == "cannot list the environments under overlays/: Permission denied"


@pytest.mark.parametrize(("pattern", "matches"),
                         [("^a{4294967296}$", False), ("(" * 2000 + ")" * 2000, True)],
                         ids=["repeat-too-large", "groups-too-deep"])
def test_a_tag_pattern_past_python_regex_limits_is_read_by_re2(pattern: str,
                                                              matches: bool) -> None:
    """Patterns that crash Python's re (OverflowError, RecursionError) are plain RE2."""
    cfg = parse_config(GOOD.replace("'^[0-9a-f]{7,40}$'", f"'{pattern}'"))
    assert cfg.tag_matches("abc1234") is matches


@pytest.mark.parametrize("pattern", ["^a{1001}$", "(?P=x)"], ids=["repeat-over-1000", "backref"])
def test_a_tag_pattern_re2_cannot_read_is_a_config_error(pattern: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(GOOD.replace("'^[0-9a-f]{7,40}$'", f"'{pattern}'"))
    assert caught.value.exit_code is ExitCode.USAGE
    assert "is not a regular expression in RE2 syntax" in caught.value.message


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
