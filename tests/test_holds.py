"""promoter.holds: the hold record's file, written and read back; malformed files are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.errors import ContentError, ExitCode
from promoter.holds import Hold, hold_path, hold_text, parse_hold, read_hold

HOLD = Hold("production", "incident 4711: bad migration", "alice",
            "2026-11-27T18:30:00+09:00", "https://circleci.com/gh/acme/web/102")


def test_the_file_is_commented_yaml_that_reads_back() -> None:
    text = hold_text(HOLD)
    assert text.splitlines()[0].startswith("# promoter: production is held.")
    assert "promoter release production" in text
    assert 'reason: "incident 4711: bad migration"\n' in text
    assert parse_hold(text, environment="production") == HOLD
    assert HOLD.path == hold_path("production") == ".promoter/holds/production.yaml"


@pytest.mark.parametrize("reason", ['say "no"', "back\\slash", "# not a comment", "日本語の理由",
                                    "key: value", "- item", "@at", "'quoted'", "{flow}",
                                    "yes", "null", "1e3", "  padded  "])
def test_any_reason_survives_the_round_trip(reason: str) -> None:
    hold = Hold("staging", reason.strip(), None, None, None)
    assert parse_hold(hold_text(hold), environment="staging") == hold


def test_a_hand_written_hold_needs_only_a_reason() -> None:
    held = parse_hold("reason: deploy freeze for the audit\n", environment="production")
    assert held == Hold("production", "deploy freeze for the audit")
    assert held.describe() == "held: deploy freeze for the audit"
    unquoted = parse_hold("reason: x\nsince: 2026-11-27T18:30:00+09:00\nby: bob\n",
                          environment="production")
    assert (unquoted.since, unquoted.by) == ("2026-11-27T18:30:00+09:00", "bob")


def test_describe_and_json() -> None:
    assert HOLD.describe() == ("held by alice since 2026-11-27T18:30:00+09:00: incident 4711: "
                               "bad migration")
    assert HOLD.to_json() == {"reason": HOLD.reason, "by": "alice", "since": HOLD.since,
                              "build_url": HOLD.build_url,
                              "path": ".promoter/holds/production.yaml"}


@pytest.mark.parametrize(("text", "words"), [
    ("", "must be a mapping with a reason"),
    ("- reason: x\n", "must be a mapping with a reason"),
    ("just text\n", "must be a mapping with a reason"),
    ("by: alice\n", ":1: a hold file needs a reason"),
    ("reason: x\ncolour: red\n", ":2: unknown key 'colour'"),
    ("reason: ''\n", ":1: 'reason' must be a non-empty string"),
    ("reason: [a, b]\n", ":1: 'reason' must be a non-empty string"),
    ("reason: x\nsince: yesterday\n", ":2: 'since' must be an ISO 8601"),
    ("reason: x\nsince: '2026-11-27T18:30:00'\n", ":2: 'since' must be an ISO 8601"),
    ("reason: x\nenvironment: staging\n", ":2: this is the hold file of production"),
    ("reason: [unclosed\n", "malformed YAML"),
    ("reason: x\nreason: y\n", "malformed YAML"),
])
def test_a_malformed_hold_file_is_invalid_content(text: str, words: str) -> None:
    with pytest.raises(ContentError) as caught:
        parse_hold(text, environment="production")
    assert str(caught.value).startswith(".promoter/holds/production.yaml")
    assert words in str(caught.value)
    assert caught.value.exit_code is ExitCode.INVALID
    assert "promoter release ENV" in str(caught.value)


# ----------------------------------------------------------------------------- in a checkout


def test_read_hold_finds_the_file_or_none(tmp_path: Path) -> None:
    assert read_hold(tmp_path, "production") is None
    path = tmp_path / ".promoter" / "holds" / "production.yaml"
    path.parent.mkdir(parents=True)
    path.write_text(hold_text(HOLD))
    assert read_hold(tmp_path, "production") == HOLD
    assert read_hold(tmp_path, "staging") is None


@pytest.mark.parametrize("make", ["directory", "link-out", "dangling", "not-utf8", "huge"])
def test_a_hold_that_cannot_be_read_is_invalid_content(tmp_path: Path, make: str) -> None:
    root = tmp_path / "repo"
    holds = root / ".promoter" / "holds"
    holds.mkdir(parents=True)
    path = holds / "production.yaml"
    outside = tmp_path / "outside.yaml"
    outside.write_text(hold_text(HOLD))
    if make == "directory":
        path.mkdir()
    elif make == "link-out":
        path.symlink_to("../../../outside.yaml")
    elif make == "dangling":
        path.symlink_to("missing.yaml")
    elif make == "not-utf8":
        path.write_bytes(b"reason: \xff\n")
    else:
        path.write_text("reason: " + "x" * (2 << 20) + "\n")
    with pytest.raises(ContentError) as caught:
        read_hold(root, "production")
    assert ".promoter/holds/production.yaml" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)


def test_a_link_inside_the_repository_is_read_through(tmp_path: Path) -> None:
    holds = tmp_path / ".promoter" / "holds"
    holds.mkdir(parents=True)
    (holds / "real.yaml").write_text(hold_text(HOLD))
    (holds / "production.yaml").symlink_to("real.yaml")
    assert read_hold(tmp_path, "production") == HOLD
