"""pullrequest.propose against a real bare remote and the in-memory forge: one branch and one
pull request per environment, races between two runs, and what happens after the push when the
forge fails. Races are deterministic: the forge runs a whole second promotion (or a push) just
before the first run's chosen call."""

from __future__ import annotations

import re

import pytest

import promoter.pullrequest.proposal
from promoter.errors import ForgeError, GitError, UsageError
from promoter.forge import Draft, PullRequestExists
from promoter.promotion import ChangeResult, CommitOptions, RepoOptions, promote_planner
from promoter.pullrequest import WaitOptions, propose

from .conftest import BRANCH, SHA_B, Bench

BUILD_URL = re.compile(r"CI build: (\S+)")


def assert_consistent(bench: Bench, number: int) -> None:
    """The PR's title and body are those of the commit its branch has."""
    pull = bench.forge.current(number)
    message = bench.gitops.message(pull.head)
    assert pull.head_sha == bench.tip(pull.head)
    assert pull.title == message.splitlines()[0]
    body_build = BUILD_URL.search(pull.body)
    assert body_build is not None and body_build[1] in message


# -------------------------------------------------------------------------------- one branch


def test_sequential_promotions_share_one_branch_and_one_pull_request(bench: Bench) -> None:
    first = bench.promote(build="https://ci/1")
    second = bench.promote(build="https://ci/2")
    assert first.pull_request is not None and second.pull_request is not None
    assert first.pull_request["branch"] == second.pull_request["branch"] == BRANCH
    assert (first.pull_request["updated"], second.pull_request["updated"]) == (False, True)
    assert bench.branches() == ["main", BRANCH]
    assert bench.forge.open_numbers() == [1]
    assert bench.tip() == second.commit != first.commit
    assert_consistent(bench, 1)


def test_the_result_describes_the_pull_request(bench: Bench) -> None:
    result = bench.promote()
    assert result.pushed and result.commit == bench.tip() and result.message is not None
    assert result.pull_request == {
        "number": 1, "url": "https://forge.invalid/acme/gitops/pull/1", "branch": BRANCH,
        "base": "main", "updated": False, "title": result.message.splitlines()[0],
        "auto_merge": None, "warnings": []}
    pull = bench.forge.pulls[1]
    assert "## Promote to `production`" in pull.body and "### Rendered manifests diff" in pull.body


def test_a_branch_left_by_a_closed_pull_request_is_replaced(bench: Bench) -> None:
    first = bench.promote()
    bench.forge.pulls[1].state = "closed"  # closed in the UI without merging; the branch stays
    # another build (a different trailer), so the commit differs even within the same second
    second = bench.promote(build="https://ci/2")
    assert second.pull_request is not None
    assert (second.pull_request["number"], second.pull_request["updated"]) == (2, False)
    assert bench.tip() == second.commit != first.commit
    assert bench.branches() == ["main", BRANCH]
    assert bench.forge.open_numbers() == [2]


def test_a_merged_promotions_branch_is_reused_by_the_next_one(bench: Bench) -> None:
    bench.promote()
    bench.forge.review("alice", 1, "APPROVED")
    merged = bench.status(WaitOptions(merge=True))
    assert merged.merged_now and bench.branches() == ["main", BRANCH]  # the branch stays
    bench.set_staging(SHA_B)
    second = bench.promote()
    assert second.pull_request is not None
    assert (second.pull_request["number"], second.pull_request["updated"]) == (2, False)
    assert bench.branches() == ["main", BRANCH] and bench.forge.open_numbers() == [2]
    assert bench.tip() == bench.forge.current(2).head_sha == second.commit
    assert_consistent(bench, 2)


def test_a_pull_request_with_an_older_branch_name_is_updated_on_its_branch(bench: Bench) -> None:
    """Older versions of promoter named one branch per promotion under promoter/ENV/."""
    old = "promoter/production/20240501-web"
    git_sha = bench.push_to(old)
    bench.forge.open_pull_request(Draft(head=old, base="main", title="old", body="old"))
    result = bench.promote()
    assert result.pull_request is not None
    assert (result.pull_request["branch"], result.pull_request["updated"]) == (old, True)
    assert bench.tip(old) == result.commit != git_sha
    assert BRANCH not in bench.branches()


# -------------------------------------------------------------------------------- races


def test_a_run_that_opens_the_pull_request_first_is_joined_not_duplicated(bench: Bench) -> None:
    """B runs entirely between A's push and A's open: A's open is refused as a duplicate, so
    A looks again, pushes over B's commit and updates B's pull request."""
    others: list[ChangeResult] = []
    bench.forge.before("open_pull_request",
                       lambda: others.append(bench.promote(build="https://ci/B")))
    a = bench.promote(build="https://ci/A")
    (b,) = others
    assert a.pull_request is not None and b.pull_request is not None
    assert a.pull_request["number"] == b.pull_request["number"] == 1
    assert (b.pull_request["updated"], a.pull_request["updated"]) == (False, True)
    assert bench.forge.open_numbers() == [1] and bench.branches() == ["main", BRANCH]
    assert bench.tip() == a.commit
    assert_consistent(bench, 1)


def test_a_push_after_ours_makes_us_publish_again(bench: Bench) -> None:
    """B pushes and updates between A's push and A's update: without a second round the pull
    request would show A's title and body on B's commit."""
    bench.promote(build="https://ci/0")
    bench.forge.before("update_pull_request", lambda: bench.promote(build="https://ci/B"))
    a = bench.promote(build="https://ci/A")
    assert bench.tip() == a.commit
    assert bench.forge.open_numbers() == [1] and bench.branches() == ["main", BRANCH]
    assert_consistent(bench, 1)
    assert len(bench.sleeps) == 1  # one backoff between the two rounds


def test_publishing_gives_up_after_max_attempts(bench: Bench) -> None:
    bench.forge.fail_next("open_pull_request", PullRequestExists("already exists"), count=3)
    with pytest.raises(GitError, match=r"kept changing .*\(3 attempts\)") as caught:
        bench.promote(max_attempts=3)
    assert "another run for production" in caught.value.message
    assert caught.value.hint is not None and "raise --max-attempts" in caught.value.hint
    assert len(bench.sleeps) == 2
    assert all(0 <= pause <= cap for pause, cap in zip(bench.sleeps, (0.5, 1.0), strict=True))


def test_pr_with_no_push_is_refused_before_anything_happens(bench: Bench) -> None:
    opts = CommitOptions(environ={})
    with pytest.raises(UsageError, match="--pr pushes a branch; drop --no-push, or use --dry-run"):
        propose(RepoOptions(repo=bench.gitops.url, push=False), opts, "promote",
                promote_planner("production", None, (), None), provider_factory=bench.factory)
    assert bench.branches() == ["main"] and bench.forge.calls == []


def test_max_attempts_below_one_is_refused(bench: Bench) -> None:
    with pytest.raises(UsageError, match="--max-attempts must be at least 1, got 0"):
        bench.promote(max_attempts=0)
    assert bench.forge.calls == []


def test_a_dry_run_asks_the_forge_nothing(bench: Bench) -> None:
    opts = CommitOptions(environ={}, dry_run=True)
    result = propose(RepoOptions(repo=bench.gitops.url), opts, "promote",
                     promote_planner("production", None, (), None),
                     provider_factory=bench.factory)
    assert result.changed and result.pull_request is None
    assert bench.branches() == ["main"] and bench.forge.calls == []


# ------------------------------------------------------------------------ after the push


def test_failed_labels_and_reviewers_keep_the_pull_request_and_become_warnings(
        bench: Bench) -> None:
    config = bench.gitops.show("promoter.yaml")
    bench.commit_to_main("promoter.yaml",
                         config + "pr:\n  labels: [promotion]\n  reviewers: [stranger]\n")
    bench.forge.refuse_labels = "Resource not accessible by integration"
    result = bench.promote()
    assert result.pull_request is not None
    assert result.pull_request["warnings"] == [
        "labels promotion not added: Resource not accessible by integration",
        "review not requested from stranger"]
    assert bench.forge.open_numbers() == [1] and bench.branches() == ["main", BRANCH]
    assert bench.tip() == result.commit and result.pushed


def test_labels_and_reviewers_come_from_promoter_yaml(bench: Bench) -> None:
    config = bench.gitops.show("promoter.yaml")
    bench.commit_to_main("promoter.yaml", config + "pr:\n  labels: [promotion, prod]\n"
                         "  reviewers: [alice]\n  team_reviewers: [sre]\n")
    bench.promote()
    pull = bench.forge.pulls[1]
    assert (pull.labels, pull.reviewers, pull.team_reviewers) == (
        ["promotion", "prod"], ["alice"], ["sre"])


def test_a_refused_pull_request_removes_the_pushed_branch(bench: Bench) -> None:
    refused = ForgeError("GitHub refused to open a pull request: base branch is protected")
    bench.forge.fail_next("open_pull_request", refused)
    with pytest.raises(ForgeError) as caught:
        bench.promote()
    assert caught.value is refused  # nothing to add: the branch is gone
    assert bench.branches() == ["main"]


def test_a_refused_pull_request_removes_the_branch_only_if_nobody_pushed_since(
        bench: Bench) -> None:
    refused = ForgeError("GitHub refused to open a pull request: base branch is protected",
                         hint="ask an admin")

    def someone_pushes_then_the_forge_refuses() -> None:
        bench.push_to(BRANCH)
        bench.forge.fail_next("open_pull_request", refused)

    bench.forge.before("open_pull_request", someone_pushes_then_the_forge_refuses)
    with pytest.raises(ForgeError) as caught:
        bench.promote()
    assert "base branch is protected" in caught.value.message
    assert f"the pushed branch {BRANCH} could not be removed" in caught.value.message
    assert "stale info" in caught.value.message
    assert caught.value.hint == "ask an admin" and caught.value.__cause__ is refused
    assert refused.message == "GitHub refused to open a pull request: base branch is protected"
    assert bench.branches() == ["main", BRANCH]
    assert bench.gitops.message(BRANCH).startswith("push to")  # the other push, untouched


def test_a_body_that_cannot_be_built_leaves_no_branch(
        bench: Bench, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> str:
        raise ValueError("a pull request body limit of 10 characters is too small")

    monkeypatch.setattr(promoter.pullrequest.proposal, "pr_body", broken)
    with pytest.raises(ValueError, match="too small"):
        bench.promote()
    assert bench.branches() == ["main"] and bench.forge.calls == []


def test_an_update_that_fails_after_the_push_names_the_pushed_commit(bench: Bench) -> None:
    bench.promote(build="https://ci/1")
    refused = ForgeError("GitHub refused to update pull request #1: Validation Failed",
                         hint="check the title")
    bench.forge.fail_next("update_pull_request", refused)
    with pytest.raises(ForgeError) as caught:
        bench.promote(build="https://ci/2")
    pushed = bench.tip()
    assert caught.value.message.startswith(refused.message)
    assert f"branch {BRANCH} now has commit {pushed}" in caught.value.message
    assert "still shows the previous title and body" in caught.value.message
    assert caught.value.hint == (
        "check the title; then run the same command again to refresh the title and body")
    assert caught.value.__cause__ is refused and refused.hint == "check the title"
    assert "https://ci/1" in bench.forge.pulls[1].body  # stale, as the message says
    again = bench.promote(build="https://ci/3")
    assert again.pull_request is not None and again.pull_request["updated"] is True
    assert_consistent(bench, 1)


def test_an_environment_name_with_double_dashes_gets_its_pull_request(bench: Bench) -> None:
    config = bench.gitops.show("promoter.yaml").replace("name: production", "name: prod--eu")
    bench.commit_to_main("promoter.yaml", config)
    result = bench.promote(target="prod--eu")
    assert result.pull_request is not None
    assert result.pull_request["branch"] == "promoter/prod--eu/promotion"
    body = bench.forge.pulls[1].body
    assert body.startswith("<!-- promoter:environment=prod%2D-eu -->\n")
    assert "## Promote to `prod--eu`" in body


def test_the_remote_is_what_the_tests_promote_from(bench: Bench) -> None:
    # guards the fixtures: production is promoted from staging, which has SHA_A
    assert bench.gitops.tag("staging") != bench.gitops.tag("production")


# ------------------------------------------------------------------------ auto-merge


def test_auto_merge_from_promoter_yaml_is_enabled_on_the_pull_request(bench: Bench) -> None:
    config = bench.gitops.show("promoter.yaml")
    bench.commit_to_main("promoter.yaml", config + "pr:\n  auto_merge: squash\n")
    result = bench.promote()
    assert result.pull_request is not None
    assert result.pull_request["auto_merge"] == "squash"
    assert result.pull_request["warnings"] == []
    assert bench.forge.pulls[1].auto_merge == "squash"
    assert bench.status().to_json()["auto_merge"] == "squash"


def test_auto_merge_refused_keeps_the_pull_request_with_a_warning(bench: Bench) -> None:
    config = bench.gitops.show("promoter.yaml")
    bench.commit_to_main("promoter.yaml", config + "pr:\n  auto_merge: rebase\n")
    bench.forge.fail_next("enable_auto_merge", ForgeError(
        "GitHub refused to enable auto-merge of pull request #1 in acme/gitops: Pull request "
        "Auto merge is not allowed for this repository"))
    result = bench.promote()
    assert result.pull_request is not None and result.pull_request["auto_merge"] is None
    [warning] = result.pull_request["warnings"]
    assert "Auto merge is not allowed for this repository" in warning
    assert "the pull request is open without auto-merge" in warning
    assert bench.forge.open_numbers() == [1] and result.pushed


def test_an_unknown_auto_merge_method_is_a_usage_error(bench: Bench) -> None:
    opts = CommitOptions(environ={}, auto_merge="fast-forward")
    with pytest.raises(UsageError, match="--auto-merge 'fast-forward' is not a merge method"):
        propose(RepoOptions(repo=bench.gitops.url), opts, "promote",
                promote_planner("production", None, (), None), provider_factory=bench.factory)
    assert bench.forge.calls == []
