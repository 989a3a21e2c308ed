"""Freeze windows and holds through the installed `promoter` command, with "now" fixed by
PROMOTER_NOW (no waiting): refusals are exit 3 and change nothing, overrides and reasons are
recorded as trailers and read back by `history --json`, `status` shows holds and open windows."""

from __future__ import annotations

import subprocess
from typing import Any

import pytest

from tests.e2e.conftest import GitOps, git

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
SHA_C = "c3d4e5f60718293a4b5c6d7e8f90123456789012"
STAGING = "overlays/staging/kustomization.yaml"
STAGING_HOLD = ".promoter/holds/staging.yaml"
FREEZE = """\
    freeze:
      - cron: "0 17 * * FRI"
        duration: 64h
        timezone: Asia/Tokyo
        reason: weekend freeze
"""
# Friday 17:00 in Tokyo is 08:00 UTC; the window lasts until Monday 09:00 in Tokyo.
INSIDE = {"PROMOTER_NOW": "2026-11-28T01:00:00Z"}  # Saturday 10:00 in Tokyo
OUTSIDE = {"PROMOTER_NOW": "2026-12-02T10:00:00+09:00"}  # Wednesday
CIRCLE = {"CIRCLE_USERNAME": "alice", "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/7"}


def push_config(gitops: GitOps, text: str) -> None:
    """Replace promoter.yaml on the remote's main, as a person would."""
    work = gitops.clone("config-edit")
    (work / "promoter.yaml").write_text(text)
    git(work, "commit", "--quiet", "-am", "promoter.yaml")
    git(work, "push", "--quiet", "origin", "main")


def with_freeze(gitops: GitOps) -> None:
    text = gitops.show("promoter.yaml")
    for path in ("overlays/staging\n", "overlays/production\n"):
        text = text.replace(f"    path: {path}", f"    path: {path}{FREEZE}")
    assert text.count("freeze:") == 2
    push_config(gitops, text)


def trailers(message: str) -> list[tuple[str, str]]:
    done = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                          capture_output=True, text=True, check=True)
    return [tuple(line.split(": ", 1)) for line in done.stdout.splitlines()]  # type: ignore[misc]


def refused(gitops: GitOps, *args: str, env: dict[str, str], code: int = 3) -> str:
    """Run a command that must fail with `code` and leave the remote as it was; its stderr."""
    head = gitops.head()
    done = gitops.run(*args, env=env)
    assert done.returncode == code, done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert gitops.head() == head
    return " ".join(done.stderr.split())


def history(gitops: GitOps, env: str, limit: int) -> list[dict[str, Any]]:
    doc = gitops.json("history", env, "--limit", str(limit))
    return list(doc["entries"])


def test_a_freeze_window_refuses_deploys_and_records_overrides_and_reasons(
        gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}", env=OUTSIDE)
    gitops.json("promote", "production", env=OUTSIDE)
    gitops.json("set-image", "staging", f"web={SHA_B}", env=OUTSIDE)
    with_freeze(gitops)

    said = refused(gitops, "set-image", "staging", f"web={SHA_C}", env=INSIDE)
    assert "staging is in freeze window 'weekend freeze' (cron 0 17 * * FRI, Asia/Tokyo)" in said
    assert "until 2026-11-30 09:00 +09:00 (1d23h left): set-image is refused" in said
    assert "--override-freeze --reason" in said
    said = refused(gitops, "promote", "production", env=INSIDE)
    assert "production is in freeze window 'weekend freeze'" in said
    assert "promote is refused" in said
    said = refused(gitops, "promote", "production", "--override-freeze", env=INSIDE, code=2)
    assert "--override-freeze needs --reason TEXT" in said

    out = gitops.json("promote", "production", "--override-freeze", "--reason", "hotfix 12",
                      env=INSIDE)
    assert out["pushed"] is True and out["overrides"] == ["freeze: hotfix 12"]
    assert gitops.tag("production") == SHA_B
    assert ("Promoter-Override", "freeze: hotfix 12") in trailers(gitops.message())

    said = refused(gitops, "rollback", "production", env=INSIDE)
    assert "a rollback is allowed, but needs --reason TEXT" in said
    out = gitops.json("rollback", "production", "--reason", "B breaks checkout", env=INSIDE)
    assert out["pushed"] is True and gitops.tag("production") == SHA_A
    assert ("Promoter-Override", "freeze: B breaks checkout") in trailers(gitops.message())

    shown = history(gitops, "production", 3)
    assert [(e["action"], e["images"][0]["tag"], e["overrides"]) for e in shown] == [
        ("rollback", SHA_A, ["freeze: B breaks checkout"]),
        ("promote", SHA_B, ["freeze: hotfix 12"]),
        ("promote", SHA_A, []),
    ]
    # Outside the window nothing needs overriding, and nothing is recorded.
    out = gitops.json("set-image", "staging", f"web={SHA_C}", env=OUTSIDE)
    assert out["overrides"] == [] and "Promoter-Override" not in gitops.message()


def test_status_shows_the_open_window_and_the_hold(gitops: GitOps) -> None:
    with_freeze(gitops)
    gitops.json("hold", "production", "--reason", "incident 4711", env={**OUTSIDE, **CIRCLE})
    doc = gitops.json("status", env=INSIDE)
    by_name = {env["name"]: env for env in doc["environments"]}
    assert by_name["production"]["hold"] == {
        "reason": "incident 4711", "by": "alice", "since": "2026-12-02T10:00:00+09:00",
        "build_url": CIRCLE["CIRCLE_BUILD_URL"], "path": ".promoter/holds/production.yaml"}
    assert by_name["staging"]["hold"] is None
    assert by_name["staging"]["freeze"] == {
        "reason": "weekend freeze", "cron": "0 17 * * FRI", "timezone": "Asia/Tokyo",
        "start": "2026-11-27T17:00:00+09:00", "end": "2026-11-30T09:00:00+09:00"}
    assert gitops.json("status", env=OUTSIDE)["environments"][0]["freeze"] is None

    done = gitops.run("status", env={**INSIDE, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    header = next(line for line in done.stdout.splitlines() if "in sync" in line)
    assert "hold" in header and "freeze" in header
    text = " ".join(done.stdout.split())
    assert "production is held by alice since 2026-12-02 10:00 +09:00: incident 4711" in text
    assert "staging is in freeze window 'weekend freeze'" in text


def test_hold_refuses_until_released_and_rollback_hold_stays_rolled_back(
        gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}", env=OUTSIDE)
    gitops.json("set-image", "staging", f"web={SHA_B}", env=OUTSIDE)

    out = gitops.json("hold", "staging", "--reason", "investigating", env={**OUTSIDE, **CIRCLE})
    assert out["action"] == "hold" and out["hold"]["reason"] == "investigating"
    assert gitops.subjects()[0] == "hold(staging): investigating"
    assert ("Promoter-Action", "hold") in trailers(gitops.message())
    assert 'reason: "investigating"' in gitops.show(STAGING_HOLD)
    said = refused(gitops, "set-image", "staging", f"web={SHA_C}", env=OUTSIDE)
    assert ("staging is held by alice since 2026-12-02T10:00:00+09:00: investigating "
            f"({STAGING_HOLD}); set-image is refused") in said
    assert "promoter release staging" in said
    refused(gitops, "rollback", "staging", env=OUTSIDE)
    refused(gitops, "hold", "staging", env=OUTSIDE, code=2)  # no --reason

    out = gitops.json("release", "staging", env=OUTSIDE)
    assert out["action"] == "release" and out["hold"]["reason"] == "investigating"
    assert ("Promoter-Action", "release") in trailers(gitops.message())
    out = gitops.json("rollback", "staging", "--hold", "--reason", "B corrupts carts",
                      env=OUTSIDE)
    assert gitops.tag("staging") == SHA_A and out["hold"]["reason"] == "B corrupts carts"
    changed = git(gitops.remote, "show", "--name-only", "--format=", "main").split()
    assert sorted(changed) == [STAGING_HOLD, STAGING]
    pairs = trailers(gitops.message())
    assert ("Promoter-Action", "rollback") in pairs
    assert ("Promoter-Hold", "B corrupts carts") in pairs

    # the next automated deploy does not undo the rollback
    refused(gitops, "set-image", "staging", f"web={SHA_B}", env=OUTSIDE)
    gitops.json("release", "staging", env=OUTSIDE)
    out = gitops.json("set-image", "staging", f"web={SHA_C}", env=OUTSIDE)
    assert out["pushed"] is True and gitops.tag("staging") == SHA_C

    shown = history(gitops, "staging", 6)
    assert [(e["action"], e["hold"] and e["hold"]["change"]) for e in shown] == [
        ("set-image", None), ("release", "release"), ("rollback", "hold"),
        ("release", "release"), ("hold", "hold"), ("set-image", None)]
    assert shown[2]["hold"]["reason"] == "B corrupts carts"
    assert shown[4]["hold"]["by"] == "alice" and shown[4]["images"] == []


def test_override_hold_lets_one_deploy_through_and_keeps_the_hold(gitops: GitOps) -> None:
    gitops.json("hold", "staging", "--reason", "audit", env=OUTSIDE)
    refused(gitops, "set-image", "staging", f"web={SHA_A}", "--override-hold", env=OUTSIDE,
            code=2)
    out = gitops.json("set-image", "staging", f"web={SHA_A}", "--override-hold", "--reason",
                      "security fix", env=OUTSIDE)
    assert out["overrides"] == ["hold: security fix"]
    assert gitops.show(STAGING_HOLD)
    assert history(gitops, "staging", 1)[0]["overrides"] == ["hold: security fix"]


@pytest.mark.parametrize(("bad", "words"), [
    ("        duration: 1h\n        timezone: Mars/Olympus\n", "unknown time zone 'Mars/Olympus'"),
    ("        duration: 2x\n", "'2x' is not a duration"),
    ("        duration: 1h\n        colour: red\n", "unknown key 'colour' in a freeze window"),
])
def test_a_malformed_window_is_exit_2_at_its_line(gitops: GitOps, bad: str, words: str) -> None:
    text = gitops.show("promoter.yaml").replace(
        "    path: overlays/staging\n",
        "    path: overlays/staging\n    freeze:\n      - cron: '0 17 * * FRI'\n" + bad)
    push_config(gitops, text)
    line = text.splitlines().index(bad.splitlines()[-1]) + 1
    said = refused(gitops, "set-image", "staging", f"web={SHA_A}", env=OUTSIDE, code=2)
    assert f"promoter.yaml:{line}: {words}" in said


def test_a_malformed_promoter_now_is_exit_2(gitops: GitOps) -> None:
    said = refused(gitops, "set-image", "staging", f"web={SHA_A}",
                   env={"PROMOTER_NOW": "tomorrow"}, code=2)
    assert "PROMOTER_NOW" in said
