"""Promotion gates end to end (issue 11): the installed command, a real bare git remote, and the
git-backed GitHub stand-in serving commit statuses and check runs, every request and response
checked against ../shared/github-openapi (unchecked on a clone without it). "Now" is fixed with
PROMOTER_NOW; nothing waits for real time."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import GitOps, git
from tests.forge.github_standin import REVIEWER_TOKEN, TOKEN, GitHubStandIn, serve_git_standin
from tests.forge.standin_checkers import choose_checker

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
CONTEXT = "argocd/web-staging"
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
NO_GITHUB = {"PROMOTER_GITHUB_TOKEN": "", "GITHUB_TOKEN": "", "PROMOTER_GITHUB_API_URL": ""}
CONFIG = """\
environments:
  - name: staging
    path: overlays/staging
  - name: production
    path: overlays/production
    from: staging
    gates:
{gates}
tag_pattern: '^[0-9a-f]{{7,40}}$'
"""


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def configure(gitops: GitOps, gates: str) -> None:
    """Commit a promoter.yaml whose production has `gates` (indented lines) to the remote."""
    work = gitops.clone("configure")
    (work / "promoter.yaml").write_text(CONFIG.format(gates=gates), encoding="utf-8")
    git(work, "commit", "--quiet", "-am", "production: gates")
    git(work, "push", "--quiet", "origin", "main")


def touch_staging(gitops: GitOps, name: str) -> str:
    """A later commit that leaves staging's images alone (a replica count edited by hand)."""
    work = gitops.clone(name)
    replicas = work / "overlays/staging/replicas.yaml"
    replicas.write_text(replicas.read_text(encoding="utf-8") + f"# {name}\n", encoding="utf-8")
    git(work, "commit", "--quiet", "-am", f"staging: {name}")
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD").strip()


def commit_time(gitops: GitOps, ref: str = "main") -> datetime:
    return datetime.fromisoformat(git(gitops.remote, "log", "-1", "--format=%cI", ref).strip())


class Session:
    """Runs promoter against the stand-in, remembers all output (to look for the token)."""

    def __init__(self, gitops: GitOps, github: GitHubStandIn) -> None:
        self.gitops = gitops
        self.github = github
        self.outputs: list[str] = []

    def run(self, *args: str, expect: int = 0, now: datetime | None = None,
            env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        extra = {**self.github.env(), **({"PROMOTER_NOW": now.isoformat()} if now else {}),
                 **(env or {})}
        done = self.gitops.run(*args, env=extra)
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode == expect, done.stderr + done.stdout
        return done

    def json(self, *args: str, expect: int = 0, now: datetime | None = None) -> Any:
        return json.loads(self.run(*args, "--json", expect=expect, now=now).stdout)

    def deploy(self, tag: str) -> str:
        """CI writes tag into staging (set-image); the deploy commit."""
        self.json("set-image", "staging", f"web={tag}")
        return self.gitops.head()


@pytest.fixture
def session(gitops: GitOps, github_openapi_if_present: Path | None) -> Iterator[Session]:
    checker = choose_checker(github_openapi_if_present)
    with serve_git_standin(checker, gitops.remote) as github:
        github.clock = lambda: iso(T0)
        s = Session(gitops, github)
        yield s
    for output in s.outputs:
        assert TOKEN not in output


def test_missing_pending_failing_refuse_and_success_on_a_later_commit_passes(
        session: Session) -> None:
    gitops, github = session.gitops, session.github
    configure(gitops, f"      statuses: [{CONTEXT}]")
    deployed = session.deploy(SHA_A)
    before = gitops.head()

    missing = session.run("promote", "production", expect=3)
    assert f"{CONTEXT} is missing" in missing.stderr
    assert deployed[:12] in missing.stderr and "--wait" in missing.stderr
    github.post_status(deployed, CONTEXT, "pending")
    pending = session.run("promote", "production", expect=3)
    assert f"{CONTEXT} is pending (pending) on {deployed[:12]}" in pending.stderr
    github.post_status(deployed, CONTEXT, "failure")
    failing = session.run("promote", "production", "--wait", "--interval", "0.01", expect=3)
    assert f"{CONTEXT} is failure (failure) on {deployed[:12]}" in failing.stderr
    assert gitops.head() == before and gitops.tag("production") != SHA_A

    later = touch_staging(gitops, "later")  # staging still runs SHA_A there
    github.post_status(later, CONTEXT, "success")
    out = session.json("promote", "production")
    assert out["gate"] == {"gates": [{"context": CONTEXT, "state": "success", "commit": later}],
                           "soak": None}
    assert gitops.tag("production") == SHA_A
    assert f"Promoter-Gate: {CONTEXT}=success@{later}" in gitops.message()
    entry = session.json("history", "production", "--limit", "1")["entries"][0]
    assert entry["gates"] == [{"context": CONTEXT, "state": "success", "commit": later}]
    assert entry["soak"] is None


def test_a_status_on_a_commit_after_staging_moved_on_does_not_count(session: Session) -> None:
    gitops, github = session.gitops, session.github
    configure(gitops, f"      statuses: [{CONTEXT}]")
    session.deploy(SHA_A)
    moved = session.deploy(SHA_B)
    github.post_status(moved, CONTEXT, "success")  # about SHA_B, not SHA_A
    refused = session.run("promote", "production", "--tag", SHA_A, expect=3)
    assert f"{CONTEXT} is missing" in refused.stderr
    assert f"until commit {moved[:12]} replaced it" in refused.stderr


def test_wait_sees_the_status_turn_green(session: Session) -> None:
    gitops, github = session.gitops, session.github
    configure(gitops, f"      statuses: [{CONTEXT}]")
    deployed = session.deploy(SHA_A)
    github.post_status(deployed, CONTEXT, "pending")
    github.status_after_reads(deployed, CONTEXT, "success", reads=3)
    done = session.run("promote", "production", "--wait", "--timeout", "5m", "--interval",
                       "0.01", "--json")
    assert json.loads(done.stdout)["gate"]["gates"][0]["commit"] == deployed
    assert done.stderr.count("waiting") == 2 and "pending" in done.stderr
    assert gitops.tag("production") == SHA_A


def test_wait_gives_up_at_the_timeout(session: Session) -> None:
    configure(session.gitops, f"      statuses: [{CONTEXT}]")
    deployed = session.deploy(SHA_A)
    session.github.post_status(deployed, CONTEXT, "pending")
    done = session.run("promote", "production", "--wait", "--timeout", "0.05", "--interval",
                       "0.01", expect=3)
    assert "gave up waiting after --timeout" in done.stderr


def test_a_check_run_gates_too(session: Session) -> None:
    configure(session.gitops, "      statuses: [smoke (staging)]")
    deployed = session.deploy(SHA_A)
    session.github.add_check_run(deployed, "smoke (staging)", status="in_progress")
    refused = session.run("promote", "production", expect=3)
    assert "smoke (staging) is pending (in_progress)" in refused.stderr
    session.github.add_check_run(deployed, "smoke (staging)", conclusion="success",
                                 at=iso(T0))
    out = session.json("promote", "production")
    assert out["gate"]["gates"] == [{"context": "smoke (staging)", "state": "success",
                                     "commit": deployed}]


def test_soak_without_statuses_counts_from_the_deploy_commit(session: Session) -> None:
    gitops = session.gitops
    configure(gitops, "      soak: 30m")
    session.deploy(SHA_A)
    deployed_at = commit_time(gitops)
    early = session.run("promote", "production", now=deployed_at + timedelta(minutes=10),
                        expect=3)
    assert "healthy for 10m" in early.stderr and "20m left" in early.stderr
    assert "requires a soak of 30m" in early.stderr
    out = session.json("promote", "production", now=deployed_at + timedelta(minutes=47, seconds=5))
    assert out["gate"] == {"gates": [], "soak": "47m"}
    assert "Promoter-Soak: 47m" in gitops.message()
    assert session.json("history", "production", "--limit", "1")["entries"][0]["soak"] == "47m"


def test_soak_with_statuses_counts_from_the_first_success(session: Session) -> None:
    gitops, github = session.gitops, session.github
    configure(gitops, f"      statuses: [{CONTEXT}]\n      soak: 1h")
    deployed = session.deploy(SHA_A)
    github.post_status(deployed, CONTEXT, "success")  # at T0
    early = session.run("promote", "production", now=T0 + timedelta(minutes=45), expect=3)
    assert "15m left" in early.stderr
    dry = session.run("promote", "production", "--dry-run", now=T0 + timedelta(hours=2))
    assert "soak 2h" in dry.stdout and gitops.tag("production") != SHA_A
    session.run("promote", "production", now=T0 + timedelta(hours=2))
    message = gitops.message()
    assert f"Promoter-Gate: {CONTEXT}=success@{deployed}" in message
    assert "Promoter-Soak: 2h" in message


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_gate_with_no_way_to_reach_github_is_a_usage_error_before_anything(
        session: Session, dry_run: bool) -> None:
    gitops = session.gitops
    configure(gitops, f"      statuses: [{CONTEXT}]")
    session.deploy(SHA_A)
    head = gitops.head()
    args = ("promote", "production", *(["--dry-run"] if dry_run else []))
    no_token = session.run(*args, env=NO_GITHUB | {"PROMOTER_GITHUB_REPOSITORY": "acme/gitops"},
                           expect=2)
    assert "gates of production read commit statuses from GitHub" in no_token.stderr
    assert "PROMOTER_GITHUB_TOKEN" in no_token.stderr
    work = gitops.clone("elsewhere")
    git(work, "remote", "set-url", "--push", "origin", gitops.url)
    git(work, "remote", "set-url", "origin", "https://git.example.invalid/acme/gitops.git")
    elsewhere = session.gitops.run(*args, cwd=work, repo=".",
                                   env={"PROMOTER_GITHUB_TOKEN": TOKEN,
                                        "PROMOTER_GITHUB_API_URL": ""})
    assert elsewhere.returncode == 2, elsewhere.stderr
    assert "not on github.com" in elsewhere.stderr
    assert gitops.head() == head and not session.github.requests


def test_api_errors_are_exit_5(session: Session) -> None:
    gitops = session.gitops
    configure(gitops, f"      statuses: [{CONTEXT}]")
    session.deploy(SHA_A)
    head = gitops.head()
    session.github.fail_next(403, message="Resource not accessible by integration",
                             path_contains="/status")
    done = session.run("promote", "production", expect=5)
    assert "Commit statuses: read" in done.stderr
    assert gitops.head() == head


def test_promote_pr_and_pr_status_merge_are_gated(session: Session) -> None:
    gitops, github = session.gitops, session.github
    configure(gitops, f"      statuses: [{CONTEXT}]")
    deployed = session.deploy(SHA_A)
    github.post_status(deployed, CONTEXT, "success")
    opened = session.json("promote", "production", "--pr")
    assert opened["gate"]["gates"][0]["commit"] == deployed
    branch = opened["pull_request"]["branch"]
    assert f"Promoter-Gate: {CONTEXT}=success@{deployed}" in gitops.message(branch)
    github.review(REVIEWER_TOKEN, 1, "APPROVE")
    github.post_status(deployed, CONTEXT, "failure")  # staging broke since
    refused = session.run("pr-status", "production", "--merge", expect=3)
    assert f"{CONTEXT} is failure" in refused.stderr
    assert github.pulls[1].state == "open"
    github.post_status(deployed, CONTEXT, "success")
    merged = session.json("pr-status", "production", "--merge")
    assert merged["merged_now"] is True
    assert merged["gate"]["gates"][0]["commit"] == deployed
    assert gitops.tag("production") == SHA_A
