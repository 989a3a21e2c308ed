"""Human output (promoter.display): tables that stay readable at 80 columns, the 160-column
default in logs, the change lines."""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from rich.console import Console
from typer.testing import CliRunner

from promoter import display, promotion
from promoter.circleci_lint.report import Finding, GuardedJob, PipelineReport, UnverifiedStep
from promoter.cli import app
from promoter.display import (
    CleanConsole,
    Display,
    build_link,
    short,
    short_date,
    short_ref,
    short_source,
)
from promoter.forge.base import PullRequest, PullRequestStatus
from promoter.history import HistoryEntry, ImageTrailer, Record
from promoter.kustomize.entries import ImageDelta, ImageEntry
from promoter.promotion import ChangeResult, EnvironmentStatus
from promoter.promotion.queries import Validation
from promoter.pullrequest.status import PullRequestReport

SHA_A = "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8"
SHA_B = "e9d71f5ee7c92d6dc9e92ffdad17b8bd49418f98"
SHA_C = "84a516841ba77a5b4648de2cd0dfcb30ea46dbb4"
DIGEST = "sha256:" + hashlib.sha256(b"web").hexdigest()
BUILD = "https://circleci.com/gh/example-org/web/102"


def screen(width: int) -> tuple[Display, io.StringIO, io.StringIO]:
    out, err = io.StringIO(), io.StringIO()
    return (Display(CleanConsole(file=out, width=width, highlight=False, soft_wrap=True),
                    CleanConsole(file=err, width=width, highlight=False, soft_wrap=True)), out, err)


def entries() -> list[HistoryEntry]:
    return [
        HistoryEntry(SHA_A, "2026-11-29T03:14:15+01:00", "Template Author <t@example.com>",
                     Record("promote", "production", (ImageTrailer("web", SHA_B),),
                            source=f"staging@{SHA_C}", build_url=BUILD)),
        HistoryEntry(SHA_B, "2026-11-28T23:59:00+00:00", "alice <a@example.com>",
                     Record("set-image", "production", (ImageTrailer("web", "v1.2.3", DIGEST),
                                                        ImageTrailer("worker", SHA_C)))),
        HistoryEntry(SHA_C, "2026-11-28T20:00:00-05:00", "promoter[bot] <b@example.com>",
                     Record("manual", "production", (ImageTrailer("web", "v1.2.2"),))),
    ]


def environments() -> list[EnvironmentStatus]:
    registry = "123456789012.dkr.ecr.us-east-1.amazonaws.com/web"
    return [
        EnvironmentStatus("staging", "overlays/staging", None,
                          (ImageEntry("web", registry, SHA_A),), None),
        EnvironmentStatus("production", "overlays/production", "staging",
                          (ImageEntry("web", None, SHA_B, DIGEST),
                           ImageEntry("worker", None, "v1")), False),
    ]


def lines(text: str) -> list[str]:
    return text.splitlines()


def folded(text: str, value: str) -> bool:
    """Whether a piece from inside `value` starts a line's text without `value`'s beginning."""
    for line in lines(text):
        for start in range(1, len(value) - 8):
            if value[start:start + 8] in line and value[:start + 8] not in line:
                return True
    return False


# --------------------------------------------------------------------------- tables at 80 columns


@pytest.mark.parametrize("width", [80, 100, 160])
def test_history_keeps_commit_ids_whole_and_shows_the_time_zone(width: int) -> None:
    shown, out, _ = screen(width)
    shown.history({"environment": "production", "entries": entries()})
    text = out.getvalue()
    assert max(len(line) for line in lines(text)) <= width
    for entry in entries():
        assert entry.commit[:12] in text  # on one line
        assert entry.commit[:13] not in text  # shortened to 12
    for zone in ("+01:00", "+00:00", "-05:00"):
        assert zone in text
    assert "2026-11-29" in text and "03:14" in text  # the zone may go on a second line
    assert "#102" in text and BUILD not in text
    assert f"{SHA_B[:12]}…" in text  # a long tag: 12 characters and an ellipsis
    assert SHA_C[:12] in text  # the source commit
    assert "promote from" in text
    assert "v1.2.3" in text and "v1.2.2" in text  # short tags whole


def test_history_at_160_columns_has_one_line_per_single_image_entry() -> None:
    shown, out, _ = screen(160)
    shown.history({"environment": "production", "entries": entries()})
    rows = [line for line in lines(out.getvalue()) if re.match(r"\d{4}-\d\d-\d\d", line)]
    assert len(rows) == 3
    assert "2026-11-29 03:14 +01:00" in rows[0]
    assert "Template Author" in rows[0]
    assert f"promote from staging at {SHA_C[:12]}" in rows[0]


@pytest.mark.parametrize("width", [80, 100])
def test_status_never_folds_a_hash(width: int) -> None:
    shown, out, _ = screen(width)
    shown.status({"environments": environments()})
    text = out.getvalue()
    assert max(len(line) for line in lines(text)) <= width
    assert SHA_A[:12] in text and SHA_B[:12] in text
    assert DIGEST[:16] in text
    assert "tag, digest" in text
    for value in (SHA_A, SHA_B, DIGEST):
        assert not folded(text, value)


def test_status_at_160_columns_shows_whole_tags() -> None:
    shown, out, _ = screen(160)
    shown.status({"environments": environments()[:1]})
    assert SHA_A in out.getvalue()


def test_status_lists_an_unreadable_environment_and_its_error_on_stderr() -> None:
    shown, out, err = screen(80)
    broken = EnvironmentStatus("qa", "overlays/qa", None, (), None, error="bad YAML")
    shown.status({"environments": [*environments(), broken]})
    assert "unreadable (below)" in " ".join(out.getvalue().split())
    assert "qa (overlays/qa): bad YAML" in err.getvalue()


# --------------------------------------------------------------------------- through the CLI


def test_history_command_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "history", lambda *_, **__: entries())
    result = CliRunner().invoke(app, ["history", "production"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in lines(result.stdout)) <= 80
    assert all(entry.commit[:12] in result.stdout for entry in entries())
    assert "+01:00" in result.stdout


def test_status_command_at_80_columns(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", lambda *_: environments())
    result = CliRunner().invoke(app, ["status"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert max(len(line) for line in lines(result.stdout)) <= 80
    assert SHA_A[:12] in result.stdout and SHA_B[:12] in result.stdout


def test_history_json_keeps_the_full_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "history", lambda *_, **__: entries())
    result = CliRunner().invoke(app, ["history", "production", "--json"], env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.stderr
    assert SHA_A in result.stdout and SHA_C in result.stdout and BUILD in result.stdout
    assert "2026-11-29T03:14:15+01:00" in result.stdout


def test_a_log_is_160_columns_wide_unless_columns_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS", raising=False)
    out, _ = display.consoles()
    assert not out.is_terminal and out.width == display.LOG_WIDTH == 160
    monkeypatch.setenv("COLUMNS", "100")
    out, _ = display.consoles()
    assert out.width == 100


# --------------------------------------------------------------------------- helpers and lines


@pytest.mark.parametrize(("iso", "shown"), [
    ("2026-11-29T03:14:15+00:00", "2026-11-29 03:14 +00:00"),
    ("2026-11-29T03:14:15-05:30", "2026-11-29 03:14 -05:30"),
    ("2026-11-29T03:14:15", "2026-11-29 03:14"),
    ("not a date", "not a date"),
])
def test_short_date_keeps_the_zone(iso: str, shown: str) -> None:
    assert short_date(iso) == shown


def test_short_values() -> None:
    assert short(SHA_A) == f"{SHA_A[:12]}…"
    assert short("v1.2.3") == "v1.2.3"
    assert short("0123456789abc") == "0123456789abc"  # one more character is not worth an ellipsis
    assert short_ref("v1", DIGEST) == f"v1 {DIGEST[:19]}…"
    assert short_ref(None, None) == "(no tag)"
    assert short_source(f"staging@{SHA_C}") == f"staging at {SHA_C[:12]}"
    assert short_source("staging") == "staging"
    assert short_source(None) == ""


@pytest.mark.parametrize(("url", "text"), [
    (BUILD, "#102"),
    ("https://ci.example.com/job/web/42/", "#42"),
    ("https://ci.example.com/builds/abcdef-very-long-build-id", "ci.example.com/builds/ab…"),
    (None, ""),
])
def test_build_link(url: str | None, text: str) -> None:
    link = build_link(url)
    assert Console().render_str(link).plain == text
    if url:
        assert f"[link={url}]" in link


def change(**overrides: Any) -> ChangeResult:
    values: dict[str, Any] = {
        "environment": "staging", "action": "set-image", "changed": True, "commit": SHA_A,
        "pushed": True, "images": (ImageDelta("web", "v1", "v2", None, None),),
        "diff": "-old\n+new\n", "path": "overlays/staging/kustomization.yaml"}
    return ChangeResult(**{**values, **overrides})


def test_change_lines() -> None:
    shown, out, err = screen(160)
    shown.change(change())
    assert out.getvalue() == (f"  web  v1 → v2\n✔ deploy(staging): commit {SHA_A[:12]}, pushed\n")
    assert err.getvalue() == ""


def test_change_not_pushed_warns_on_stderr() -> None:
    shown, out, err = screen(160)
    shown.change(change(pushed=False, attempts=2))
    assert "committed locally, not pushed after 2 attempts" in out.getvalue()
    assert "promoter: warning: the commit was not pushed" in err.getvalue()


def test_change_dry_run_prints_the_diff() -> None:
    shown, out, _ = screen(160)
    shown.change(change(dry_run=True, commit=None, pushed=False))
    assert "dry run: deploy(staging) would change overlays/staging/kustomization.yaml" in (
        out.getvalue())
    assert out.getvalue().endswith("-old\n+new\n")


def test_nothing_to_do() -> None:
    shown, out, _ = screen(160)
    shown.change(change(changed=False, images=(ImageDelta("web", "v2", "v2", None, DIGEST),)))
    assert out.getvalue() == (f"✔ staging already has web v2@{DIGEST[:19]}…: nothing to do, "
                              "no commit\n")


# --------------------------------------------------------------------------- hostile values

EVIL = "\x1b]0;owned\x07\x1b[2J\x1b[31mred\r\x9b1m\x00[/x][bold]"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def hostile_environments() -> list[EnvironmentStatus]:
    return [
        EnvironmentStatus(f"qa{EVIL}", f"overlays/{EVIL}", f"staging{EVIL}",
                          (ImageEntry(f"web{EVIL}", f"reg/{EVIL}", f"v1{EVIL}", DIGEST),), False),
        EnvironmentStatus("dev", "overlays/dev", None, (), None, error=f"bad {EVIL}"),
    ]


def hostile_history() -> list[HistoryEntry]:
    return [HistoryEntry(SHA_A, f"2026-11-29{EVIL}", f"mallory{EVIL} <m@example.com>",
                         Record("set-image", "production", (ImageTrailer(f"web{EVIL}", "v1"),),
                                build_url=f"https://ci.example.com/{EVIL}/7"))]


def hostile_pull_request() -> PullRequestReport:
    pr = PullRequest(7, f"https://github.com/o/r/pull/7{EVIL}", f"promoter/{EVIL}", SHA_A, "main",
                     f"Promote {EVIL}", "open", merged=False, draft=False)
    return PullRequestReport("production", PullRequestStatus(
        pr, approvals=(f"alice{EVIL}",), changes_requested=(f"bob{EVIL}",), mergeable=None,
        mergeable_state=None))


def show_everything(shown: Display) -> None:
    shown.status({"environments": hostile_environments()})
    shown.history({"environment": f"production{EVIL}", "entries": hostile_history()})
    shown.validation({"environments": [Validation(f"qa{EVIL}", f"p{EVIL}", (), None),
                                       Validation("dev", "p", (), f"broken {EVIL}")]})
    shown.change(change(environment=f"qa{EVIL}", source=f"staging{EVIL}", diff=f"+{EVIL}\n",
                        images=(ImageDelta(f"web{EVIL}", f"v1{EVIL}", "v2", None, None),)))
    shown.change(change(dry_run=True, path=f"overlays/{EVIL}", diff=f"-{EVIL}\n"))
    shown.change(change(pull_request={"updated": False, "number": 7, "url": f"u{EVIL}",
                                      "branch": f"b{EVIL}"}))
    shown.change(change(changed=False, images=(ImageDelta(f"web{EVIL}", "v", "v", None, None),)))
    shown.pipeline(PipelineReport(f"ci{EVIL}.yml", [f"checked {EVIL}"],
                                  [Finding(f"job{EVIL}", f"wf{EVIL}", f"no approval {EVIL}")]))
    unseen = UnverifiedStep(f"wf{EVIL}", f"job{EVIL}", f"c{EVIL}:3", f"runs {EVIL}", f"./x{EVIL}",
                            [], None)
    shown.pipeline(PipelineReport(
        f"ci{EVIL}.yml", [], [], [unseen, replace(unseen, reviewed=f"c:1: ok {EVIL}")],
        [GuardedJob(f"wf{EVIL}", f"job{EVIL}", [f"prod{EVIL}"], "promoter", [f"hold{EVIL}"],
                    [f"stage{EVIL}"], f"g{EVIL}")]))
    shown.pr_status(hostile_pull_request())
    shown.warning(f"careful {EVIL}")
    shown.error(f"failed {EVIL}")


def test_no_control_character_from_a_value_reaches_the_output() -> None:
    shown, out, err = screen(100)
    show_everything(shown)
    for text in (out.getvalue(), err.getvalue()):
        assert not CONTROL.search(text.replace("\n", "")), repr(CONTROL.search(text))
        assert "owned" not in text and "[2J" not in text
    assert "[/x][bold]" in out.getvalue() and "[/x][bold]" in err.getvalue()  # shown as written


def test_a_terminal_gets_only_the_colours_promoter_chose() -> None:
    out, err = io.StringIO(), io.StringIO()
    shown = Display(CleanConsole(file=out, width=100, force_terminal=True, color_system="standard"),
                    CleanConsole(file=err, width=100, force_terminal=True, color_system="standard"))
    show_everything(shown)
    for text in (out.getvalue(), err.getvalue()):
        assert "\x1b[" in text  # rich's own colours
        rest = re.sub(r"\x1b\[[0-9;]*m|\x1b\]8;[^\x1b]*\x1b\\", "", text)  # SGR, hyperlinks
        assert not CONTROL.search(rest.replace("\n", "")), repr(CONTROL.search(rest))


def test_status_from_the_cli_is_clean_and_its_json_escapes_control_characters(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", lambda *_: hostile_environments())
    human = CliRunner().invoke(app, ["status"], env={"COLUMNS": "100"})
    assert not CONTROL.search(human.stdout.replace("\n", "") + human.stderr.replace("\n", ""))
    machine = CliRunner().invoke(app, ["status", "--json"])
    assert not CONTROL.search(machine.stdout.replace("\n", ""))
    document = json.loads(machine.stdout)
    assert document["environments"][0]["name"] == f"qa{EVIL}"  # the value itself, escaped
    assert "\\u001b" in machine.stdout
