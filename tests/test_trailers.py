"""trailers: commit messages with Promoter-* trailers, checked with the real git interpret-trailers,
and read back leniently."""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.trailers import (
    GateTrailer,
    ImageTrailer,
    Record,
    ci_metadata,
    format_message,
    parse_record,
    parse_records,
    subject_for,
    trailers,
)

DIGEST = "sha256:" + "0123456789abcdef" * 4
_clock = itertools.count()


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    second = next(_clock)
    date = f"2024-03-01T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          input=stdin, env=env)
    return done.stdout.strip()


def interpret_trailers(message: str, tmp_path: Path) -> list[str]:
    return git(tmp_path, "interpret-trailers", "--parse", stdin=message).splitlines()


def staging(tag: str, **extra: Any) -> Record:
    return Record("set-image", "staging", (ImageTrailer("web", tag, None),), **extra)


FULL = Record(
    action="promote",
    environment="production",
    images=(ImageTrailer("web", "abc1234", None), ImageTrailer("ghcr.io/org/api", None, DIGEST)),
    source="staging@" + "f" * 40,
    build_url="https://circleci.com/gh/org/app/77",
    workflow_id="6f1c0e1a-2b3c-4d5e-8f90-123456789abc",
    triggered_by="alice",
)


# --- writing ------------------------------------------------------------------------------


def test_subjects() -> None:
    assert subject_for(staging("abc1234")) == "deploy(staging): web abc1234"
    assert subject_for(FULL) == (
        "promote(production): web abc1234, ghcr.io/org/api sha256:0123456789ab"
    )
    rollback = Record("rollback", "production", (ImageTrailer("web", "v1", DIGEST),))
    assert subject_for(rollback) == "rollback(production): web v1@sha256:0123456789ab"


def test_format_message_layout() -> None:
    assert format_message(FULL) == (
        "promote(production): web abc1234, ghcr.io/org/api sha256:0123456789ab\n"
        "\n"
        f"Promote web abc1234, ghcr.io/org/api sha256:0123456789ab to production from "
        f"staging@{'f' * 40}.\n"
        "\n"
        "Promoter-Action: promote\n"
        "Promoter-Environment: production\n"
        "Promoter-Image: web=abc1234\n"
        f"Promoter-Image: ghcr.io/org/api@{DIGEST}\n"
        f"Promoter-Source: staging@{'f' * 40}\n"
        "Promoter-Build-URL: https://circleci.com/gh/org/app/77\n"
        "Promoter-Workflow-ID: 6f1c0e1a-2b3c-4d5e-8f90-123456789abc\n"
        "Promoter-Triggered-By: alice\n"
    )


def test_format_message_options() -> None:
    message = format_message(staging("v2"), body="Why: hotfix.\n", skip_ci=True,
                             subject="custom subject")
    assert message.startswith("custom subject [skip ci]\n\nWhy: hotfix.\n\nPromoter-Action: ")
    again = format_message(staging("v2"), skip_ci=True, subject="already [skip ci]")
    assert again.splitlines()[0] == "already [skip ci]"
    assert format_message(staging("v2")).splitlines()[2] == "Set web to v2 in staging."
    assert "Promoter-Source" not in format_message(staging("v2"))


def test_format_message_keeps_trailers_on_one_line_and_redacts_urls() -> None:
    record = staging("v2", build_url="https://user:token@ci.example.com/1",
                     triggered_by="line\nbreak")
    lines = format_message(record).splitlines()
    assert "Promoter-Build-URL: https://ci.example.com/1" in lines
    assert "Promoter-Triggered-By: line break" in lines


def test_git_interpret_trailers_reads_every_trailer(tmp_path: Path) -> None:
    message = format_message(FULL, body="Note: a body line with a colon.\nSecond line.")
    expected = [f"{key}: {value}" for key, value in trailers(FULL)]
    assert interpret_trailers(message, tmp_path) == expected
    assert len(expected) == 8


names = st.from_regex(r"[a-z0-9]([a-z0-9.-]{0,10}[a-z0-9])?(:[0-9]{2,5})?(/[a-z0-9_-]{1,8}){0,2}",
                      fullmatch=True)
tags = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
digests = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)
words = st.from_regex(r"[A-Za-z0-9_.:/-]{1,30}", fullmatch=True)
images = st.builds(ImageTrailer, names, st.none() | tags, st.none() | digests).filter(
    lambda image: bool(image.tag or image.digest)
)
reasons = st.from_regex(r"[A-Za-z0-9_.:/ -]{1,40}", fullmatch=True).map(
    lambda text: " ".join(text.split())).filter(bool)
records = st.builds(
    Record,
    action=st.sampled_from(["set-image", "promote", "rollback"]),
    environment=st.from_regex(r"[a-z][a-z0-9-]{0,15}", fullmatch=True),
    images=st.lists(images, min_size=1, max_size=3).map(tuple),
    source=st.none() | words,
    build_url=st.none() | words.map(lambda path: f"https://ci.example.com/{path}"),
    workflow_id=st.none() | words,
    triggered_by=st.none() | words,
    hold=st.none() | reasons,
    overrides=st.lists(st.sampled_from(["freeze", "hold"]).flatmap(
        lambda kind: reasons.map(lambda why: f"{kind}: {why}")), max_size=2).map(tuple),
)


@settings(max_examples=60, deadline=None)
@given(record=records)
def test_parse_record_round_trips(record: Record) -> None:
    assert parse_record(format_message(record)) == record


@settings(max_examples=15, deadline=None)
@given(record=records)
def test_git_reads_generated_trailers(record: Record, tmp_path_factory: pytest.TempPathFactory
                                      ) -> None:
    cwd = tmp_path_factory.getbasetemp()
    expected = [f"{key}: {value}" for key, value in trailers(record)]
    assert interpret_trailers(format_message(record), cwd) == expected


HOLD = Record("hold", "production", (), hold="incident 4711: bad migration",
              build_url="https://circleci.com/gh/org/app/78", triggered_by="bob")


def test_a_hold_commit_says_why_in_its_subject_and_trailers(tmp_path: Path) -> None:
    message = format_message(HOLD)
    assert message.splitlines()[0] == "hold(production): incident 4711: bad migration"
    assert "refuse to change it until promoter release production" in message
    assert interpret_trailers(message, tmp_path) == [
        "Promoter-Action: hold", "Promoter-Environment: production",
        "Promoter-Hold: incident 4711: bad migration",
        "Promoter-Build-URL: https://circleci.com/gh/org/app/78", "Promoter-Triggered-By: bob"]
    assert parse_record(message) == HOLD
    long = Record("hold", "production", (), hold="x" * 100)
    assert subject_for(long) == f"hold(production): {'x' * 59}…"


def test_release_and_rollback_with_a_hold() -> None:
    release = format_message(Record("release", "production", ()))
    assert release.splitlines()[0] == "release(production)"
    assert "Release the hold on production." in release
    rollback = Record("rollback", "production", (ImageTrailer("web", "abc1234", None),),
                      hold="bad build", overrides=("freeze: bad build",))
    message = format_message(rollback)
    assert "Roll production back to web abc1234 and hold it: bad build." in message
    assert parse_record(message) == rollback


def test_overrides_are_repeated_trailers_in_their_order(tmp_path: Path) -> None:
    record = staging("abc1234", overrides=("freeze: hotfix 12", "hold: the fix is the cure"))
    message = format_message(record)
    assert [line for line in interpret_trailers(message, tmp_path) if "Override" in line] == [
        "Promoter-Override: freeze: hotfix 12", "Promoter-Override: hold: the fix is the cure"]
    assert parse_record(message) == record
    assert parse_record(message.replace("Promoter-Override: hold: the fix is the cure\n",
                                        "Promoter-Override:\n")) == staging(
        "abc1234", overrides=("freeze: hotfix 12",))


# --- reading messages ---------------------------------------------------------------------


def squash_message(*records: Record, indent: str = "") -> str:
    """GitHub's default squash message for a pull request of several commits."""
    parts = ["Deploy web and api (#42)", ""]
    for record in records:
        for line in format_message(record).rstrip("\n").splitlines():
            parts.append(f"{indent}* {line}" if not parts[-1] and line == subject_for(record)
                         else f"{indent}{line}" if line else "")
        parts.append("")
    parts += ["---------", "", "Co-authored-by: Bob <bob@example.com>"]
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("indent", ["", "    "])
def test_parse_records_in_a_squash_message(indent: str) -> None:
    first, second = staging("v2", build_url="https://ci/1"), staging("v3", workflow_id="w-2")
    third = Record("set-image", "qa", (ImageTrailer("api", None, DIGEST),))
    message = squash_message(first, second, third, indent=indent)
    assert f"{indent}* deploy(staging): web v2" in message.splitlines()
    assert parse_records(message) == [first, second, third]
    assert parse_record(message) == third


def test_parse_records_is_lenient_and_strict_where_it_matters() -> None:
    message = (
        "subject\n\n"
        "Promoter-Environment: orphan (before any action, ignored)\n"
        "promoter-action: rollback\n"
        "PROMOTER-ENVIRONMENT:   production  \n"
        "Promoter-Image: web\n"  # no tag or digest: ignored
        "Promoter-Image: registry.example.com:5000/team/web=1.2.3@" + DIGEST + "\n"
        "Promoter-Action: set-image\n"  # no environment: not a record
        "Promoter-Image: web=v9\n"
    )
    assert parse_records(message) == [
        Record("rollback", "production",
               (ImageTrailer("registry.example.com:5000/team/web", "1.2.3", DIGEST),))
    ]
    assert parse_record("plain commit\n\nSigned-off-by: A <a@example.com>\n") is None


@pytest.mark.parametrize(
    ("value", "image"),
    [
        ("web=v1", ImageTrailer("web", "v1", None)),
        (f"web@{DIGEST}", ImageTrailer("web", None, DIGEST)),
        (f"ghcr.io/o/web=v1@{DIGEST}", ImageTrailer("ghcr.io/o/web", "v1", DIGEST)),
        ("web", None),
        ("=v1", None),
        ("web=", None),
        ("web=v 1", None),
    ],
)
def test_image_trailer_parse(value: str, image: ImageTrailer | None) -> None:
    assert ImageTrailer.parse(value) == image


def test_ci_metadata() -> None:
    circle = {"CIRCLE_BUILD_URL": "https://circleci.com/gh/o/r/5", "CIRCLE_WORKFLOW_ID": "wf",
              "CIRCLE_USERNAME": "alice", "GITHUB_RUN_ID": "9"}
    assert ci_metadata(circle) == {"build_url": "https://circleci.com/gh/o/r/5",
                                   "workflow_id": "wf", "triggered_by": "alice"}
    github = {"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
              "GITHUB_RUN_ID": "9", "GITHUB_ACTOR": "bob"}
    assert ci_metadata(github) == {"build_url": "https://github.com/o/r/actions/runs/9",
                                   "workflow_id": "9", "triggered_by": "bob"}
    assert ci_metadata({"CIRCLE_USERNAME": "", "HOME": "/root"}) == {}
    record = staging("v1", **ci_metadata(circle))
    assert record.triggered_by == "alice"


# --- what let a promotion through: Promoter-Gate and Promoter-Soak --------------------------

GATED = replace(FULL, gates=(GateTrailer("argocd/web-staging", "success", "e" * 40),
                             GateTrailer("build (ubuntu) = 1@x", "success", "e" * 40)),
                soak="47m")


def test_gates_and_soak_are_trailers_after_the_source(tmp_path: Path) -> None:
    message = format_message(GATED)
    lines = interpret_trailers(message, tmp_path)
    assert lines[lines.index(f"Promoter-Source: staging@{'f' * 40}") + 1:][:3] == [
        f"Promoter-Gate: argocd/web-staging=success@{'e' * 40}",
        f"Promoter-Gate: build (ubuntu) = 1@x=success@{'e' * 40}",
        "Promoter-Soak: 47m",
    ]


def test_gates_and_soak_are_read_back() -> None:
    assert parse_record(format_message(GATED)) == GATED
    assert parse_record(format_message(FULL)) == FULL  # none: none read back


@pytest.mark.parametrize("value", ["argocd", "argocd=success", "=success@abc", "a=@abc",
                                   "a=success@", "a=success@ab c", "a=succ ess@abc"])
def test_a_malformed_gate_trailer_is_skipped(value: str) -> None:
    record = parse_record(f"x\n\nPromoter-Action: promote\nPromoter-Environment: p\n"
                          f"Promoter-Gate: {value}\n")
    assert record is not None and record.gates == ()
