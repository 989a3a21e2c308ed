"""pullrequest.pr_status against a real bare remote and the in-memory forge: the state of the
promotion pull request, its exit code, waiting for it, and merging it (or, dry, saying so)."""

from __future__ import annotations

import pytest

from promoter.errors import ExitCode, UsageError
from promoter.pullrequest import WaitOptions

from .conftest import BRANCH, Bench


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def waiting(time: FakeTime, **options: object) -> WaitOptions:
    return WaitOptions(wait=True, clock=time.clock, sleep=time.sleep, **options)  # type: ignore[arg-type]


@pytest.fixture
def proposed(bench: Bench) -> Bench:
    """bench with promotion pull request #1 open."""
    bench.promote()
    return bench


@pytest.mark.parametrize(("reviews", "state", "code"), [
    ([], "waiting", ExitCode.WAITING),
    ([("alice", "APPROVED")], "approved", ExitCode.WAITING),
    ([("alice", "APPROVED"), ("bob", "CHANGES_REQUESTED")], "changes-requested",
     ExitCode.POLICY),
    ([("alice", "APPROVED"), ("alice", "COMMENTED")], "approved", ExitCode.WAITING),
])
def test_the_state_and_exit_code_follow_the_reviews(
        proposed: Bench, reviews: list[tuple[str, str]], state: str, code: ExitCode) -> None:
    for user, verdict in reviews:
        proposed.forge.review(user, 1, verdict)
    report = proposed.status()
    assert (report.state, report.exit_code) == (state, code)
    assert not report.merged_now and not report.timed_out
    assert "merge" not in proposed.forge.calls


def test_the_report_as_json(proposed: Bench) -> None:
    proposed.forge.review("alice", 1, "APPROVED")
    pull = proposed.forge.current(1)
    assert proposed.status().to_json() == {
        "environment": "production", "number": 1, "url": "https://forge.invalid/acme/gitops/pull/1",
        "branch": BRANCH, "head_sha": pull.head_sha, "base": "main", "title": pull.title,
        "state": "approved", "merged": False, "merged_now": False, "would_merge": False,
        "timed_out": False, "approvals": ["alice"], "changes_requested": [], "mergeable": True,
        "mergeable_state": "clean", "gate": None, "auto_merge": None, "exit_code": 8}


def test_an_approval_of_an_older_head_does_not_count(proposed: Bench) -> None:
    proposed.forge.review("alice", 1, "APPROVED")
    proposed.promote(build="https://ci/2")  # the branch moves on
    assert proposed.status().state == "waiting"


def test_merge_merges_an_approved_mergeable_pull_request(proposed: Bench) -> None:
    proposed.forge.review("alice", 1, "APPROVED")
    main = proposed.gitops.head()
    report = proposed.status(WaitOptions(merge=True, method="squash"))
    assert report.merged_now and report.state == "merged" and report.exit_code == ExitCode.OK
    assert proposed.forge.pulls[1].merge_method == "squash"
    assert proposed.gitops.head() == proposed.forge.pulls[1].merge_commit_sha != main


def test_merge_waits_while_mergeability_is_unknown(proposed: Bench) -> None:
    proposed.forge.review("alice", 1, "APPROVED")
    proposed.forge.pulls[1].mergeable = None  # the forge has not computed it yet
    report = proposed.status(WaitOptions(merge=True))
    assert not report.merged_now and report.state == "approved"
    assert "merge" not in proposed.forge.calls


def test_merge_does_not_merge_what_is_not_approved(proposed: Bench) -> None:
    report = proposed.status(WaitOptions(merge=True))
    assert report.state == "waiting" and not report.merged_now
    assert "merge" not in proposed.forge.calls


def test_a_dry_run_merge_reports_would_merge_and_merges_nothing(proposed: Bench) -> None:
    proposed.forge.review("alice", 1, "APPROVED")
    main = proposed.gitops.head()
    report = proposed.status(WaitOptions(merge=True, dry_run=True))
    assert report.would_merge and not report.merged_now
    assert report.to_json()["would_merge"] is True and report.to_json()["merged"] is False
    assert report.state == "approved"
    assert proposed.gitops.head() == main and "merge" not in proposed.forge.calls
    merged = proposed.status(WaitOptions(merge=True))
    assert merged.merged_now and merged.to_json()["would_merge"] is False
    assert proposed.gitops.head() != main


def test_a_dry_run_does_not_claim_it_would_merge_an_unapproved_pull_request(
        proposed: Bench) -> None:
    report = proposed.status(WaitOptions(merge=True, dry_run=True))
    assert report.to_json()["would_merge"] is False and report.state == "waiting"


# --------------------------------------------------------------------------- waiting


def test_wait_sees_a_merge_made_by_someone_else(proposed: Bench) -> None:
    time = FakeTime()
    proposed.forge.before("status", lambda: proposed.forge.merge_as_someone_else(1), nth=3)
    report = proposed.status(waiting(time, timeout=600, interval=10))
    assert report.state == "merged" and not report.merged_now and not report.timed_out
    assert time.sleeps == [10, 10]


def test_wait_gives_up_at_the_timeout(proposed: Bench) -> None:
    time = FakeTime()
    report = proposed.status(waiting(time, timeout=25, interval=10))
    assert report.state == "waiting" and report.timed_out
    assert report.to_json()["timed_out"] is True and report.exit_code == ExitCode.WAITING
    assert time.sleeps == [10, 10, 5]
    assert proposed.forge.calls.count("status") == 4


def test_wait_ends_when_the_pull_request_is_closed(proposed: Bench) -> None:
    time = FakeTime()
    proposed.forge.pulls[1].state = "closed"
    report = proposed.status(waiting(time, timeout=60, interval=5))
    assert (report.state, report.exit_code, time.sleeps) == ("closed", ExitCode.POLICY, [])


def test_wait_then_merge_once_approved(proposed: Bench) -> None:
    time = FakeTime()
    proposed.forge.before("status", lambda: proposed.forge.review("alice", 1, "APPROVED"),
                          nth=2)
    report = proposed.status(waiting(time, timeout=600, interval=10, merge=True))
    assert report.merged_now and report.state == "merged" and time.sleeps == [10]


# --------------------------------------------------------------------------- finding it


def test_after_the_merge_the_merged_pull_request_is_found(proposed: Bench) -> None:
    proposed.forge.merge_as_someone_else(1)
    report = proposed.status()
    assert report.state == "merged" and report.exit_code == ExitCode.OK
    assert proposed.forge.calls[-3:] == ["find_open", "find_latest", "status"]


def test_a_number_reads_that_pull_request(proposed: Bench) -> None:
    report = proposed.status(number=1)
    assert report.status.pr.number == 1
    assert proposed.forge.calls[-2:] == ["get_pull_request", "status"]


def test_no_pull_request_is_a_usage_error(bench: Bench) -> None:
    with pytest.raises(UsageError, match="no promotion pull request for production into main"):
        bench.status()


@pytest.mark.parametrize("options", [
    WaitOptions(interval=0), WaitOptions(timeout=-1), WaitOptions(method="fast-forward")])
def test_bad_options_are_refused_before_anything_happens(
        bench: Bench, options: WaitOptions) -> None:
    with pytest.raises(UsageError):
        bench.status(options)
    assert bench.forge.calls == []
