"""Freeze windows and holds, applied to set-image, promote and rollback on real repositories
(a bare remote over file://), with an injected clock; hold and release commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import ContentError, ExitCode, PolicyError, UsageError
from promoter.holds import hold_path, parse_hold
from promoter.promotion import CommitOptions, Overrides, RepoOptions
from promoter.promotion.options import clock_of
from tests.e2e.conftest import GitOps, git
from tests.promotion.bench import (
    PRODUCTION,
    SHA_A,
    STAGING,
    STAGING_TAG,
    commit_and_push,
    count_commits,
    entries,
    opts,
    trailer_pairs,
    url,
)

FREEZE = """\
    freeze:
      - cron: "0 17 * * FRI"
        duration: 64h
        timezone: Asia/Tokyo
        reason: weekend freeze
"""
INSIDE = "2026-11-28T10:00:00+09:00"  # Saturday morning in Tokyo
OUTSIDE = "2026-12-02T10:00:00+09:00"  # Wednesday
STAGING_HOLD = hold_path("staging")
PRODUCTION_HOLD = hold_path("production")


def with_freeze(root: Path) -> None:
    config = root / "promoter.yaml"
    text = config.read_text()
    for env in ("overlays/staging\n", "overlays/production\n"):
        text = text.replace(f"    path: {env}", f"    path: {env}{FREEZE}")
    assert text.count("freeze:") == 2
    config.write_text(text)


@pytest.fixture
def frozen(gitops: GitOps) -> GitOps:
    """Staging and production freeze from Friday 17:00 in Tokyo for 64 hours."""
    commit_and_push(gitops, with_freeze, "freeze on weekends")
    return gitops


def at(moment: str, *, reason: str | None = None, freeze: bool = False, hold: bool = False,
       environ: dict[str, str] | None = None, dry_run: bool = False) -> CommitOptions:
    """opts() at a fixed moment, with these overrides."""
    environ = {"PROMOTER_NOW": moment, **(environ or {})}
    base = opts(environ=environ, dry_run=dry_run)
    return CommitOptions(environ=environ, sleep=base.sleep, dry_run=dry_run,
                         now=clock_of(environ),
                         overrides=Overrides(reason=reason, freeze=freeze, hold=hold))


def unchanged(gitops: GitOps, action: Callable[[], object]) -> BaseException:
    """The error `action` raises, after checking it left the remote as it was."""
    head = gitops.head()
    with pytest.raises((PolicyError, UsageError, ContentError)) as caught:
        action()
    assert gitops.head() == head
    return caught.value


# ----------------------------------------------------------------------------- freeze windows


def test_set_image_and_promote_are_refused_inside_a_window(frozen: GitOps) -> None:
    error = unchanged(frozen, lambda: promotion.set_image(url(frozen), at(INSIDE), "staging",
                                                          [f"web={SHA_A}"]))
    assert isinstance(error, PolicyError) and error.exit_code is ExitCode.POLICY
    message = str(error)
    assert "staging is in freeze window 'weekend freeze' (cron 0 17 * * FRI, Asia/Tokyo)" in message
    assert "until 2026-11-30 09:00 +09:00 (1d23h left): set-image is refused" in message
    assert "--override-freeze --reason TEXT" in message
    error = unchanged(frozen, lambda: promotion.promote(url(frozen), at(INSIDE), "production"))
    assert "production is in freeze window 'weekend freeze'" in str(error)
    assert "promote is refused" in str(error)


def test_an_override_with_a_reason_goes_through_and_is_recorded(frozen: GitOps) -> None:
    result = promotion.set_image(url(frozen), at(INSIDE, freeze=True, reason=" hotfix\n12 "),
                                 "staging", [f"web={SHA_A}"])
    assert result.pushed and result.overrides == ("freeze: hotfix 12",)
    assert ("Promoter-Override", "freeze: hotfix 12") in trailer_pairs(frozen.message())
    promoted = promotion.promote(url(frozen), at(INSIDE, freeze=True, reason="same fix"),
                                 "production")
    assert promoted.pushed and entries(frozen, PRODUCTION)["web"].new_tag == SHA_A
    assert ("Promoter-Override", "freeze: same fix") in trailer_pairs(frozen.message())


@pytest.mark.parametrize("overrides", [{"freeze": True}, {"hold": True},
                                       {"freeze": True, "reason": " \n "}])
def test_an_override_without_a_reason_is_a_usage_error_anywhere(
        frozen: GitOps, overrides: dict[str, object]) -> None:
    error = unchanged(frozen, lambda: promotion.set_image(
        url(frozen), at(OUTSIDE, **overrides), "staging", [f"web={SHA_A}"]))  # type: ignore[arg-type]
    assert isinstance(error, UsageError) and "needs --reason TEXT" in str(error)


def test_a_rollback_inside_a_window_needs_only_a_reason(frozen: GitOps) -> None:
    promotion.set_image(url(frozen), at(OUTSIDE), "staging", [f"web={SHA_A}"])
    error = unchanged(frozen, lambda: promotion.rollback(url(frozen), at(INSIDE), "staging"))
    assert isinstance(error, PolicyError) and error.exit_code is ExitCode.POLICY
    assert "a rollback is allowed, but needs --reason TEXT" in str(error)
    result = promotion.rollback(url(frozen), at(INSIDE, reason="bad build"), "staging")
    assert result.pushed and entries(frozen, STAGING)["web"].new_tag == STAGING_TAG
    assert ("Promoter-Override", "freeze: bad build") in trailer_pairs(frozen.message())


def test_outside_a_window_nothing_is_overridden(frozen: GitOps) -> None:
    result = promotion.set_image(url(frozen), at(OUTSIDE, freeze=True, reason="just in case"),
                                 "staging", [f"web={SHA_A}"])
    assert result.pushed and result.overrides == ()
    assert not any(key == "Promoter-Override" for key, _ in trailer_pairs(frozen.message()))


def test_a_dry_run_inside_a_window_fails_like_the_real_run(frozen: GitOps) -> None:
    unchanged(frozen, lambda: promotion.set_image(url(frozen), at(INSIDE, dry_run=True),
                                                  "staging", [f"web={SHA_A}"]))


def test_diff_is_shown_in_a_window_and_while_held(gitops: GitOps) -> None:
    def always_frozen(root: Path) -> None:
        config = root / "promoter.yaml"
        config.write_text(config.read_text().replace(
            "    from: staging", "    freeze: [{cron: '* * * * *', duration: 5m}]\n"
            "    from: staging"))

    commit_and_push(gitops, always_frozen, "always frozen")
    promotion.hold(url(gitops), CommitOptions(environ={}, overrides=Overrides(reason="why")),
                   "production")
    with pytest.raises(PolicyError, match="freeze window"):
        promotion.promote(url(gitops), opts(dry_run=True), "production")
    diff = promotion.diff(url(gitops), "staging", "production")  # it changes nothing
    assert diff.changed and diff.dry_run and diff.overrides == ()


def test_a_malformed_promoter_now_is_a_usage_error_before_anything(frozen: GitOps) -> None:
    error = unchanged(frozen, lambda: promotion.set_image(
        url(frozen), at("2026-11-28T10:00:00"), "staging", [f"web={SHA_A}"]))
    assert isinstance(error, UsageError) and "PROMOTER_NOW" in str(error)


# ----------------------------------------------------------------------------- holds


CIRCLE = {"CIRCLE_USERNAME": "alice", "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/9"}


def test_hold_commits_a_record_and_release_removes_it(gitops: GitOps) -> None:
    held = promotion.hold(url(gitops), at(OUTSIDE, reason="incident 4711", environ=CIRCLE),
                          "production")
    assert held.pushed and held.action == "hold" and held.images == ()
    assert held.path == PRODUCTION_HOLD and f"+++ b/{PRODUCTION_HOLD}" in held.diff
    record = parse_hold(gitops.show(PRODUCTION_HOLD), environment="production")
    assert record == held.hold
    assert (record.reason, record.by, record.since, record.build_url) == (
        "incident 4711", "alice", "2026-12-02T10:00:00+09:00", CIRCLE["CIRCLE_BUILD_URL"])
    assert gitops.subjects()[0] == "hold(production): incident 4711"
    pairs = trailer_pairs(gitops.message())
    assert ("Promoter-Action", "hold") in pairs and ("Promoter-Hold", "incident 4711") in pairs
    assert git(gitops.remote, "show", "--name-only", "--format=", "main").split() == [
        PRODUCTION_HOLD]

    released = promotion.release(url(gitops), at(OUTSIDE), "production")
    assert released.pushed and released.hold == record
    assert gitops.subjects()[0] == "release(production)"
    assert git(gitops.remote, "ls-tree", "-r", "--name-only", "main").count(".promoter") == 0


def test_hold_and_release_are_idempotent(gitops: GitOps) -> None:
    assert not promotion.release(url(gitops), at(OUTSIDE), "production").changed
    promotion.hold(url(gitops), at(OUTSIDE, reason="first"), "production")
    commits = count_commits(gitops)
    again = promotion.hold(url(gitops), at(OUTSIDE, reason="second"), "production")
    assert not again.changed and again.hold is not None and again.hold.reason == "first"
    assert count_commits(gitops) == commits


def test_hold_needs_a_reason(gitops: GitOps) -> None:
    error = unchanged(gitops, lambda: promotion.hold(url(gitops), at(OUTSIDE), "production"))
    assert isinstance(error, UsageError) and "needs --reason TEXT" in str(error)


def test_who_holds_is_the_git_identity_without_ci(gitops: GitOps,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Carol Ops")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "carol@example.com")
    held = promotion.hold(url(gitops), at(OUTSIDE, reason="audit"), "staging")
    assert held.hold is not None and held.hold.by == "Carol Ops <carol@example.com>"


def test_a_held_environment_refuses_every_change(gitops: GitOps) -> None:
    promotion.hold(url(gitops), at(OUTSIDE, reason="incident 4711", environ=CIRCLE), "staging")
    for action in (
        lambda: promotion.set_image(url(gitops), at(OUTSIDE), "staging", [f"web={SHA_A}"]),
        lambda: promotion.rollback(url(gitops), at(OUTSIDE), "staging", to=STAGING_TAG),
        lambda: promotion.set_image(url(gitops), at(OUTSIDE, freeze=True, reason="x"),
                                    "staging", [f"web={SHA_A}"]),
    ):
        error = unchanged(gitops, action)
        assert isinstance(error, PolicyError)
        assert ("staging is held by alice since 2026-12-02T10:00:00+09:00: incident 4711 "
                f"({STAGING_HOLD})") in str(error)
        assert "promoter release staging" in str(error) and "--override-hold" in str(error)


def test_override_hold_lets_one_change_through_and_keeps_the_hold(gitops: GitOps) -> None:
    promotion.hold(url(gitops), at(OUTSIDE, reason="incident"), "staging")
    result = promotion.set_image(url(gitops), at(OUTSIDE, hold=True, reason="the fix"),
                                 "staging", [f"web={SHA_A}"])
    assert result.pushed and result.overrides == ("hold: the fix",) and result.hold is None
    assert ("Promoter-Override", "hold: the fix") in trailer_pairs(gitops.message())
    assert gitops.show(STAGING_HOLD)  # still held


def test_rollback_hold_rolls_back_and_holds_in_one_commit(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), at(OUTSIDE), "staging", [f"web={SHA_A}"])
    result = promotion.rollback(url(gitops), at(OUTSIDE, reason="bad build", environ=CIRCLE),
                                "staging", hold=True)
    assert result.pushed and result.hold is not None and result.hold.reason == "bad build"
    changed = git(gitops.remote, "show", "--name-only", "--format=", "main").split()
    assert sorted(changed) == sorted([STAGING, STAGING_HOLD])
    pairs = trailer_pairs(gitops.message())
    assert ("Promoter-Action", "rollback") in pairs and ("Promoter-Hold", "bad build") in pairs
    assert entries(gitops, STAGING)["web"].new_tag == STAGING_TAG
    error = unchanged(gitops, lambda: promotion.set_image(url(gitops), at(OUTSIDE), "staging",
                                                          [f"web={SHA_A}"]))
    assert "held by alice" in str(error)


def test_rollback_hold_needs_a_reason_and_a_held_one_needs_the_override(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), at(OUTSIDE), "staging", [f"web={SHA_A}"])
    error = unchanged(gitops, lambda: promotion.rollback(url(gitops), at(OUTSIDE), "staging",
                                                         hold=True))
    assert isinstance(error, UsageError) and "needs --reason TEXT" in str(error)
    promotion.hold(url(gitops), at(OUTSIDE, reason="first"), "staging")
    unchanged(gitops, lambda: promotion.rollback(url(gitops), at(OUTSIDE, reason="r"), "staging",
                                                 hold=True))
    kept = promotion.rollback(url(gitops), at(OUTSIDE, hold=True, reason="r"), "staging",
                              hold=True)
    assert kept.pushed and kept.hold is not None and kept.hold.reason == "first"
    assert git(gitops.remote, "show", "--name-only", "--format=", "main").split() == [STAGING]


def test_a_dry_run_hold_shows_the_file_and_changes_nothing(gitops: GitOps) -> None:
    commits = count_commits(gitops)
    result = promotion.hold(url(gitops), at(OUTSIDE, reason="why", dry_run=True), "staging")
    assert result.changed and result.dry_run and not result.pushed
    assert '+reason: "why"' in result.diff
    assert count_commits(gitops) == commits


def test_a_hold_in_a_local_copy_moves_the_copy(gitops: GitOps) -> None:
    work = gitops.clone()
    result = promotion.hold(RepoOptions(repo=str(work)), at(OUTSIDE, reason="why"), "staging")
    assert result.pushed and git(work, "rev-parse", "HEAD").strip() == gitops.head()
    assert (work / STAGING_HOLD).is_file() and git(work, "status", "--porcelain") == ""
    promotion.release(RepoOptions(repo=str(work)), at(OUTSIDE), "staging")
    assert not (work / STAGING_HOLD).exists() and git(work, "status", "--porcelain") == ""


def test_a_retry_after_the_branch_moved_checks_the_hold_again(gitops: GitOps) -> None:
    work = gitops.clone()  # stale: it does not know about the hold below
    promotion.hold(url(gitops), at(OUTSIDE, reason="meanwhile"), "staging")
    error = unchanged(gitops, lambda: promotion.set_image(
        RepoOptions(repo=str(work)), at(OUTSIDE), "staging", [f"web={SHA_A}"]))
    assert "held" in str(error) and "meanwhile" in str(error)


def test_a_malformed_hold_file_refuses_changes_and_release_removes_it(gitops: GitOps) -> None:
    def broken(root: Path) -> None:
        (root / ".promoter" / "holds").mkdir(parents=True)
        (root / STAGING_HOLD).write_text("- not: a hold\n")

    commit_and_push(gitops, broken, "a broken hold")
    error = unchanged(gitops, lambda: promotion.set_image(url(gitops), at(OUTSIDE), "staging",
                                                          [f"web={SHA_A}"]))
    assert isinstance(error, ContentError) and STAGING_HOLD in str(error)
    released = promotion.release(url(gitops), at(OUTSIDE), "staging")
    assert released.pushed and released.hold is None
    promotion.set_image(url(gitops), at(OUTSIDE), "staging", [f"web={SHA_A}"])


def test_status_shows_holds_and_open_windows(frozen: GitOps) -> None:
    promotion.hold(url(frozen), at(OUTSIDE, reason="why", environ=CIRCLE), "production")
    moment = datetime.fromisoformat(INSIDE)
    by_name = {s.name: s for s in promotion.status(url(frozen), lambda: moment)}
    production, staging = by_name["production"], by_name["staging"]
    assert production.hold is not None and production.hold.reason == "why"
    assert staging.hold is None and staging.hold_error is None
    assert production.freeze is not None and production.freeze.window.reason == "weekend freeze"
    doc = production.to_json()
    assert doc["hold"]["by"] == "alice" and doc["freeze"]["end"] == "2026-11-30T09:00:00+09:00"
    later = {s.name: s for s in promotion.status(url(frozen),
                                                 lambda: datetime.fromisoformat(OUTSIDE))}
    assert later["production"].freeze is None and later["staging"].to_json()["freeze"] is None
    assert later["staging"].to_json()["hold"] is None
