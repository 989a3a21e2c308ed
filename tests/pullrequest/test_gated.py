"""pr-status --merge and the target's gates: an approved, mergeable promotion pull request is
merged only once the versions it brings have passed production's gates on staging's commits
(read through the provider, here the in-memory forge); a rollback pull request is not gated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promoter.errors import ExitCode
from promoter.promotion import CommitOptions, RepoOptions, rollback_planner
from promoter.promotion.gating import GateRefused
from promoter.pullrequest import WaitOptions, propose

from .conftest import Bench
from .test_status import FakeTime

ARGO = "argocd/web-staging"
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
GATES = f"    gates:\n      statuses: [{ARGO}]\n"


def gate(bench: Bench, gates: str = GATES) -> str:
    """Give production gates (a commit on main); the staging deploy commit of SHA_A."""
    deployed = bench.gitops.head()
    lines = bench.gitops.show("promoter.yaml").splitlines(keepends=True)
    at = next(n for n, line in enumerate(lines) if line.startswith("    from: staging"))
    bench.commit_to_main("promoter.yaml", "".join([*lines[:at + 1], gates, *lines[at + 1:]]))
    return deployed


@pytest.fixture
def approved(bench: Bench) -> Bench:
    """Pull request #1 (production gets SHA_A) approved; then production gets gates."""
    bench.promote()
    bench.forge.review("alice", 1, "APPROVED")
    return bench


def merging(**options: object) -> WaitOptions:
    return WaitOptions(merge=True, now=lambda: T0 + timedelta(hours=1), **options)  # type: ignore[arg-type]


def test_a_missing_status_refuses_the_merge(approved: Bench) -> None:
    deployed = gate(approved)
    with pytest.raises(GateRefused) as caught:
        approved.status(merging())
    assert caught.value.exit_code == ExitCode.POLICY
    assert f"{ARGO} is missing" in caught.value.message
    assert f"since commit {deployed[:12]}" in caught.value.message
    assert approved.forge.current(1).state == "open"


def test_a_successful_status_lets_the_merge_through(approved: Bench) -> None:
    deployed = gate(approved)
    approved.forge.report(deployed, ARGO, "success", at=T0)
    report = approved.status(merging())
    assert report.merged_now and report.gate is not None
    assert report.to_json()["gate"] == {
        "gates": [{"context": ARGO, "state": "success", "commit": deployed}], "soak": None}


def test_a_dry_run_says_it_would_merge_with_what_passed(approved: Bench) -> None:
    deployed = gate(approved, f"    gates:\n      statuses: [{ARGO}]\n      soak: 30m\n")
    approved.forge.report(deployed, ARGO, "success", at=T0)
    report = approved.status(merging(dry_run=True))
    assert report.would_merge and not report.merged_now
    assert report.gate is not None and report.gate.soak_text == "1h"
    assert approved.forge.current(1).state == "open"


def test_wait_merges_once_the_status_turns_green(approved: Bench) -> None:
    deployed = gate(approved)
    approved.forge.report(deployed, ARGO, "pending")
    # two commits of staging have SHA_A (the deploy and the gates' commit): two reads a poll
    approved.forge.before("commit_checks", lambda: approved.forge.report(
        deployed, ARGO, "success", at=T0), nth=5)
    time = FakeTime()
    report = approved.status(merging(wait=True, clock=time.clock, sleep=time.sleep))
    assert report.merged_now and time.sleeps == [15.0, 15.0]


def test_wait_gives_up_at_the_timeout(approved: Bench) -> None:
    gate(approved)
    time = FakeTime()
    with pytest.raises(GateRefused, match="gave up waiting after --timeout 30s"):
        approved.status(merging(wait=True, timeout=30.0, clock=time.clock, sleep=time.sleep))
    assert approved.forge.current(1).state == "open"


def test_a_failing_status_ends_the_wait(approved: Bench) -> None:
    deployed = gate(approved)
    approved.forge.report(deployed, ARGO, "error")
    time = FakeTime()
    with pytest.raises(GateRefused, match=r"is failure \(error\)") as caught:
        approved.status(merging(wait=True, clock=time.clock, sleep=time.sleep))
    assert caught.value.final and time.sleeps == []


def test_a_rollback_pull_request_is_not_gated(bench: Bench) -> None:
    bench.promote()
    bench.forge.merge_as_someone_else(1)  # production has SHA_A, before any gates
    gate(bench)
    opts = CommitOptions(environ={}, sleep=bench.sleeps.append)
    propose(RepoOptions(repo=bench.gitops.url), opts, "rollback",
            rollback_planner("production", None), provider_factory=bench.factory)
    bench.forge.review("alice", 2, "APPROVED")
    report = bench.status(merging())
    assert report.merged_now and report.gate is None
    assert "commit_checks" not in bench.forge.calls
