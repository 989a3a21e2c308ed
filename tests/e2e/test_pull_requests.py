"""Promotion pull requests end to end: the installed command, a real bare git remote, and a local
GitHub stand-in backed by that remote whose every request and response is checked against the
published API description (../shared/github-openapi; unchecked on a clone without it)."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import PROMOTER, GitOps, git
from tests.forge.github_standin import (
    OTHER_REVIEWER_TOKEN,
    REVIEWER_TOKEN,
    TOKEN,
    GitHubStandIn,
    serve_git_standin,
)
from tests.forge.standin_checkers import choose_checker

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
BRANCH = "promoter/production/promotion"


class Session:
    """Runs promoter against the stand-in and remembers all output, to look for the token."""

    def __init__(self, gitops: GitOps, github: GitHubStandIn) -> None:
        self.gitops = gitops
        self.github = github
        self.outputs: list[str] = []

    def run(self, *args: str, expect: int = 0) -> dict[str, object]:
        done = self.gitops.run(*args, "--json", env=self.github.env())
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode == expect, done.stderr + done.stdout
        return json.loads(done.stdout)  # type: ignore[no-any-return]

    def branches(self) -> list[str]:
        refs = git(self.gitops.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return refs.split()


@pytest.fixture
def session(gitops: GitOps, github_openapi_if_present: Path | None) -> Iterator[Session]:
    checker = choose_checker(github_openapi_if_present)
    with serve_git_standin(checker, gitops.remote) as github:
        s = Session(gitops, github)
        yield s
    for output in s.outputs:
        assert TOKEN not in output


def test_promote_pr_opens_a_pull_request_and_leaves_main_alone(session: Session) -> None:
    gitops = session.gitops
    gitops.json("set-image", "staging", f"web={SHA_A}")
    main = gitops.head()
    out = session.run("promote", "production", "--tag", SHA_A, "--pr")
    pr = out["pull_request"]
    assert isinstance(pr, dict)
    assert pr["number"] == 1 and pr["updated"] is False
    branch = str(pr["branch"])
    assert branch == BRANCH
    assert pr["warnings"] == []
    assert session.branches() == ["main", BRANCH]
    assert gitops.head() == main  # nothing pushed to main
    assert gitops.tag("production") != SHA_A
    assert git(gitops.remote, "rev-parse", branch).strip() == out["commit"]
    pull = session.github.pulls[1]
    subject = gitops.message(branch).splitlines()[0]
    assert pull.title == subject == f"promote(production): web {SHA_A}"
    assert pull.labels == ["promotion"]
    assert pull.body is not None
    assert "<!-- promoter:environment=production -->" in pull.body
    assert SHA_A in pull.body and "```diff" in pull.body
    assert "Rendered manifests diff" in pull.body


def test_a_second_promotion_updates_the_open_pull_request(session: Session) -> None:
    gitops = session.gitops
    gitops.json("set-image", "staging", f"web={SHA_A}")
    first = session.run("promote", "production", "--pr")
    gitops.json("set-image", "staging", f"web={SHA_B}")
    second = session.run("promote", "production", "--pr")
    pr1, pr2 = first["pull_request"], second["pull_request"]
    assert isinstance(pr1, dict) and isinstance(pr2, dict)
    assert pr2["number"] == pr1["number"] and pr2["updated"] is True
    assert pr2["branch"] == pr1["branch"] == BRANCH
    assert session.branches() == ["main", BRANCH]
    open_pulls = [p for p in session.github.pulls.values() if p.state == "open"]
    assert len(open_pulls) == 1
    assert open_pulls[0].title == f"promote(production): web {SHA_B}"
    assert open_pulls[0].head_sha == second["commit"]
    assert gitops.show("overlays/production/kustomization.yaml", str(pr2["branch"])).count(
        SHA_B) == 1


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_approve_then_merge_and_history_sees_it(session: Session, method: str) -> None:
    gitops = session.gitops
    gitops.json("set-image", "staging", f"web={SHA_A}")
    session.run("promote", "production", "--tag", SHA_A, "--pr")
    waiting = session.run("pr-status", "production", expect=8)
    assert waiting["state"] == "waiting" and waiting["approvals"] == []
    session.github.review(REVIEWER_TOKEN, 1, "APPROVE")
    merged = session.run("pr-status", "production", "--merge", "--method", method)
    assert merged["state"] == "merged" and merged["merged_now"] is True
    assert merged["approvals"] == ["alice"]
    assert gitops.tag("production") == SHA_A
    entries = session.run("history", "production")["entries"]
    assert isinstance(entries, list)
    assert len([e for e in entries if e["action"] == "promote"]) == 1
    assert entries[0]["action"] == "promote"
    assert entries[0]["images"][0]["tag"] == SHA_A
    assert str(entries[0]["source"]).startswith("staging@")


def test_wait_sees_a_merge_made_by_someone_else(session: Session) -> None:
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    session.run("promote", "production", "--pr")
    session.github.merge_after_polls(1, 3)
    out = session.run("pr-status", "production", "--wait", "--interval", "0.01",
                      "--timeout", "120")
    assert out["state"] == "merged" and out["merged_now"] is False
    assert session.gitops.tag("production") == SHA_A
    closed = session.run("pr-status", "production", "--number", "1")
    assert closed["state"] == "merged"


def test_changes_requested_is_rejected(session: Session) -> None:
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    session.run("promote", "production", "--pr")
    session.github.review(OTHER_REVIEWER_TOKEN, 1, "REQUEST_CHANGES")
    out = session.run("pr-status", "production", "--merge", expect=3)
    assert out["state"] == "changes-requested"
    assert session.gitops.tag("production") != SHA_A


def test_rollback_pr(session: Session) -> None:
    gitops = session.gitops
    gitops.json("set-image", "staging", f"web={SHA_A}")
    gitops.json("set-image", "staging", f"web={SHA_B}")
    out = session.run("rollback", "staging", "--pr")
    pr = out["pull_request"]
    assert isinstance(pr, dict) and pr["branch"] == "promoter/staging/promotion"
    pull = session.github.pulls[1]
    assert pull.title == f"rollback(staging): web {SHA_A}"
    assert pull.body is not None and "## Roll back `staging`" in pull.body
    assert "Promote" not in pull.body


def test_pull_request_refused_removes_the_pushed_branch(session: Session) -> None:
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    session.github.fail_next(422, method="POST", path_contains="/pulls",
                             message="Validation Failed",
                             errors=[{"resource": "PullRequest", "code": "custom",
                                      "message": "base branch is protected"}])
    out = session.run("promote", "production", "--pr", expect=5)
    assert "base branch is protected" in json.dumps(out)
    assert session.branches() == ["main"]


def test_bad_token_is_exit_5_and_never_printed(
        gitops: GitOps, github_openapi_if_present: Path | None) -> None:
    checker = choose_checker(github_openapi_if_present)
    wrong = "ghp_FAKEwrongTokenNobodyKnows000000000"
    with serve_git_standin(checker, gitops.remote) as github:
        gitops.json("set-image", "staging", f"web={SHA_A}")
        done = gitops.run("promote", "production", "--pr", env=github.env(token=wrong))
    assert done.returncode == 5
    assert "401" in done.stderr or "token" in done.stderr.lower()
    assert wrong not in done.stdout + done.stderr
    refs = git(gitops.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()
    assert refs == ["main"]


def test_no_token_is_a_usage_error(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    done = gitops.run("promote", "production", "--pr",
                      env={"PROMOTER_GITHUB_REPOSITORY": "acme/gitops"})
    assert done.returncode == 2
    assert "PROMOTER_GITHUB_TOKEN" in done.stderr


def test_labels_that_fail_keep_the_pull_request_and_warn(session: Session) -> None:
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    session.github.fail_next(403, method="POST", path_contains="/labels",
                             message="Resource not accessible by integration")
    out = session.run("promote", "production", "--pr")  # exit 0: the pull request is open
    pr = out["pull_request"]
    assert isinstance(pr, dict) and pr["number"] == 1
    (warning,) = pr["warnings"]
    assert "Resource not accessible by integration" in warning
    assert "add label promotion yourself, or fix the token's permissions" in warning
    assert session.github.pulls[1].state == "open"
    assert session.branches() == ["main", BRANCH]  # the branch was not deleted
    assert git(session.gitops.remote, "rev-parse", BRANCH).strip() == out["commit"]


def test_pr_with_no_push_is_a_usage_error(session: Session) -> None:
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    out = session.run("promote", "production", "--pr", "--no-push", expect=2)
    assert "drop --no-push, or use --dry-run" in json.dumps(out)
    assert session.branches() == ["main"]
    assert session.github.requests == []


def test_two_concurrent_promotions_leave_one_pull_request_on_one_branch(
        session: Session) -> None:
    gitops = session.gitops
    gitops.json("set-image", "staging", f"web={SHA_A}")
    env = dict(os.environ, CI="true", **session.github.env())
    argv = [str(PROMOTER), "promote", "production", "--pr", "--json", "--repo", gitops.url]
    runs = [subprocess.Popen(argv, cwd=gitops.tmp, env=env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
            for _ in range(2)]
    results = [run.communicate(timeout=300) for run in runs]
    for run, (stdout, stderr) in zip(runs, results, strict=True):
        session.outputs += [stdout, stderr]
        assert run.returncode == 0, stderr + stdout
    prs = [json.loads(stdout)["pull_request"] for stdout, _ in results]
    assert {pr["number"] for pr in prs} == {1}
    assert [p.number for p in session.github.pulls.values() if p.state == "open"] == [1]
    assert session.branches() == ["main", BRANCH]
    pull = session.github.pulls[1]
    head = git(gitops.remote, "rev-parse", BRANCH).strip()
    assert pull.head_sha == head
    assert pull.title == gitops.message(BRANCH).splitlines()[0]


def test_pr_status_after_the_merge_finds_the_merged_pull_request(session: Session) -> None:
    """A CI job that checks only after someone merged: no open PR, the newest one tells."""
    session.gitops.json("set-image", "staging", f"web={SHA_A}")
    session.run("promote", "production", "--pr")
    session.github.review(REVIEWER_TOKEN, 1, "APPROVE")
    session.run("pr-status", "production", "--merge")
    out = session.run("pr-status", "production", "--wait", "--timeout", "0")
    assert out["state"] == "merged" and out["number"] == 1
