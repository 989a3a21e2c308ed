"""Verified commits end to end, through the installed command: --commit-via api (the commit made
by the git-backed GitHub stand-in's createCommitOnBranch, GraphQL checked against GitHub's
schema when ../shared has it) and --sign (the user's ssh key, checked with git verify-commit)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import PROMOTER, GitOps, git, make_gitops
from tests.forge.github_standin import TOKEN, GitHubStandIn, serve_git_standin
from tests.forge.standin_checkers import choose_checker
from tests.forge.standin_commits import commit_state
from tests.forge.standin_graphql import SCHEMA_PATH
from tests.waiting import wait_path

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
STAGING = "overlays/staging/kustomization.yaml"


@pytest.fixture
def github(gitops: GitOps, github_openapi_if_present: Path | None) -> Iterator[GitHubStandIn]:
    with serve_git_standin(choose_checker(github_openapi_if_present), gitops.remote) as standin:
        assert standin.graphql.schema is not None or not SCHEMA_PATH.is_file()  # built up front
        yield standin


def landed(done: subprocess.CompletedProcess[str], expect: int = 0) -> Any:
    assert TOKEN not in done.stdout + done.stderr
    assert done.returncode == expect, done.stderr + done.stdout
    return json.loads(done.stdout) if expect == 0 and done.stdout else None


def count(gitops: GitOps, since: str) -> int:
    return len(git(gitops.remote, "rev-list", f"{since}..main").split())


# --------------------------------------------------------------------------- --commit-via api


def test_set_image_via_api_lands_one_commit_with_the_byte_exact_change_and_trailers(
        gitops: GitOps, github: GitHubStandIn, tmp_path: Path) -> None:
    before = gitops.head()
    out = landed(gitops.run("set-image", "staging", f"web={SHA}", "--commit-via", "api",
                            "--json", env=github.env()))

    head = gitops.head()
    assert out["commit"] == head and out["pushed"] is True
    assert out["commit_via"] == "api"
    assert out["verification"]["verified"] is True
    assert out["verification"]["signed_by_github"] is True
    assert count(gitops, before) == 1 and git(gitops.remote, "rev-parse", "main^").strip() == before
    assert git(gitops.remote, "log", "-1", "--format=%cn").strip() == "GitHub"
    assert head in commit_state(github).signed_by_github
    message = gitops.message()
    assert message.startswith(f"deploy(staging): web {SHA}\n")
    for trailer in ("Promoter-Action: set-image", "Promoter-Environment: staging",
                    f"Promoter-Image: web={SHA}"):
        assert trailer in message.splitlines()
    sent = github.calls("POST", "/graphql")[0].json
    assert isinstance(sent, dict)
    changes = sent["variables"]["input"]["fileChanges"]
    assert [a["path"] for a in changes["additions"]] == [STAGING]
    assert changes["deletions"] == []
    # byte-exact: the very tree a git push of the same change lands
    (tmp_path / "plain").mkdir()
    plain = make_gitops(tmp_path / "plain")
    landed(plain.run("set-image", "staging", f"web={SHA}", "--json"))
    assert (git(plain.remote, "rev-parse", "main^{tree}")
            == git(gitops.remote, "rev-parse", "main^{tree}"))


def test_a_branch_moved_before_the_commit_is_planned_again_and_lands(
        gitops: GitOps, github: GitHubStandIn) -> None:
    before = gitops.head()
    commit_state(github).move_before_commit.append("main")

    out = landed(gitops.run("set-image", "staging", f"web={SHA}", "--json", env={
        **github.env(), "PROMOTER_COMMIT_VIA": "api"}))

    assert out["attempts"] == 2
    assert out["commit"] == gitops.head() and count(gitops, before) == 2
    moved = git(gitops.remote, "rev-parse", "main^").strip()
    assert git(gitops.remote, "log", "-1", "--format=%s", moved).startswith("push to main")
    assert gitops.tag("staging") == SHA
    assert len(github.calls("POST", "/graphql")) == 2


def test_a_lost_answer_to_a_commit_github_made_is_recognised_not_committed_twice(
        gitops: GitOps, github: GitHubStandIn) -> None:
    before = gitops.head()
    github.fail_next(502, path_contains="/graphql", after_effect=True)

    out = landed(gitops.run("set-image", "staging", f"web={SHA}", "--commit-via", "api",
                            "--json", env=github.env()))

    assert out["commit"] == gitops.head() and count(gitops, before) == 1
    assert out["attempts"] == 1 and out["commit_via"] == "api"
    assert [c.status for c in github.calls("POST", "/graphql")] == [502, 200]


def test_commit_via_in_promoter_yaml_and_a_local_copy_moved_to_githubs_commit(
        gitops: GitOps, github: GitHubStandIn) -> None:
    work = gitops.clone()
    with open(work / "promoter.yaml", "a", encoding="utf-8") as config:
        config.write("commit_via: api\n")
    git(work, "commit", "--quiet", "-am", "commit through the GitHub API")
    git(work, "push", "--quiet", "origin", "main")

    out = landed(gitops.run("set-image", "staging", f"web={SHA}", "--json", cwd=work,
                            env=github.env()))

    assert out["commit_via"] == "api"
    assert git(work, "rev-parse", "HEAD") == git(gitops.remote, "rev-parse", "main")
    assert git(work, "log", "-1", "--format=%cn").strip() == "GitHub"
    assert git(work, "status", "--porcelain") == ""
    assert git(work, "rev-parse", "origin/main") == git(work, "rev-parse", "HEAD")


@pytest.mark.parametrize("dry_run", [False, True])
def test_no_token_is_a_usage_error_before_anything_is_written(
        gitops: GitOps, github: GitHubStandIn, dry_run: bool) -> None:
    before = gitops.head()
    env = {k: v for k, v in github.env().items() if k != "PROMOTER_GITHUB_TOKEN"}
    done = gitops.run("set-image", "staging", f"web={SHA}", "--commit-via", "api",
                      *(["--dry-run"] if dry_run else []), env=env)

    landed(done, expect=2)
    assert "no GitHub token" in done.stderr and "--commit-via api" in done.stderr
    assert gitops.head() == before
    assert github.calls("POST", "/graphql") == []


def test_a_remote_not_on_github_is_a_usage_error_and_the_token_stays_home(
        gitops: GitOps) -> None:
    work = gitops.clone()
    git(work, "remote", "set-url", "origin", "https://git.example.com/acme/gitops.git")
    done = gitops.run("set-image", "staging", f"web={SHA}", "--commit-via", "api", cwd=work,
                      env={"PROMOTER_GITHUB_TOKEN": TOKEN,
                           "PROMOTER_GITHUB_REPOSITORY": "acme/gitops"})

    landed(done, expect=2)
    assert "not on github.com" in done.stderr
    assert git(work, "status", "--porcelain") == ""


def test_sign_and_commit_via_api_do_not_go_together(gitops: GitOps,
                                                    github: GitHubStandIn) -> None:
    done = gitops.run("set-image", "staging", f"web={SHA}", "--commit-via", "api", "--sign",
                      env=github.env())
    landed(done, expect=2)
    assert "--sign" in done.stderr


# --------------------------------------------------------------------------- --sign


def ssh_key(home: Path) -> Path:
    if shutil.which("ssh-keygen") is None:
        pytest.skip("ssh-keygen is not installed")
    key = home / "signing_ed25519"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "promoter-test",
                    "-f", str(key)], check=True, capture_output=True)
    return key


def configure(home: Path, **settings: str) -> None:
    for name, value in settings.items():
        git(home, "config", "--global", name.replace("_", "."), value)


def test_sign_with_an_ssh_key_makes_a_commit_git_verify_commit_accepts(gitops: GitOps) -> None:
    home = Path.home()  # the test's own (tests/conftest.py)
    key = ssh_key(home)
    signers = home / "allowed_signers"
    public = key.with_suffix(".pub").read_text().split()
    signers.write_text(f"author@example.com {public[0]} {public[1]}\n", encoding="utf-8")
    configure(home, gpg_format="ssh", user_signingkey=str(key))
    git(home, "config", "--global", "gpg.ssh.allowedSignersFile", str(signers))
    before = gitops.head()

    out = landed(gitops.run("set-image", "staging", f"web={SHA}", "--sign", "--json"))

    assert out["commit"] == gitops.head() and count(gitops, before) == 1
    verified = subprocess.run(["git", "verify-commit", "--raw", "main"], cwd=gitops.remote,
                              capture_output=True, text=True, check=False)
    assert verified.returncode == 0, verified.stderr
    assert "Good" in verified.stderr and "author@example.com" in verified.stderr


def test_a_broken_signing_key_fails_cleanly_with_nothing_pushed(gitops: GitOps) -> None:
    home = Path.home()
    broken = home / "broken_key"
    broken.write_text("-----BEGIN OPENSSH PRIVATE KEY-----\nnot a key\n", encoding="utf-8")
    broken.chmod(0o600)
    configure(home, gpg_format="ssh", user_signingkey=str(broken))
    work = gitops.clone()
    before = gitops.head()

    done = gitops.run("set-image", "staging", f"web={SHA}", "--sign", cwd=work)

    assert done.returncode == 5, done.stderr
    assert "ssh signing key" in done.stderr and str(broken) in done.stderr
    assert gitops.head() == before
    assert git(work, "rev-parse", "HEAD").strip() == before
    assert git(work, "status", "--porcelain") == ""


def test_a_missing_signing_key_is_a_usage_error(gitops: GitOps) -> None:
    configure(Path.home(), gpg_format="ssh", user_signingkey=str(Path.home() / "nowhere"))
    done = gitops.run("set-image", "staging", f"web={SHA}", "--sign")
    assert done.returncode == 2, done.stderr
    assert "does not exist" in done.stderr


# --------------------------------------------------------------------------- interrupted


def _blocking_ref_hook(gitops: GitOps, tmp_path: Path, state: str, status: int) -> tuple[
        Path, Path]:
    """A reference-transaction hook of the bare repository that, when the stand-in moves the
    branch and the transaction reaches `state`, marks it and waits until the test releases it
    (a FIFO), then exits `status` (non-zero at "prepared" aborts the move)."""
    marker, fifo = tmp_path / "moving", tmp_path / "release"
    os.mkfifo(fifo)
    hook = gitops.remote / "hooks" / "reference-transaction"
    hook.write_text(f'#!/bin/sh\ncat >/dev/null\n[ "$1" = {state} ] || exit 0\n'
                    f"touch {marker}\ncat {fifo} >/dev/null\nexit {status}\n")
    hook.chmod(0o755)
    return marker, fifo


def _interrupted(gitops: GitOps, github: GitHubStandIn, tmp_path: Path, marker: Path,
                 fifo: Path) -> dict[str, Any]:
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    argv = [str(PROMOTER), "set-image", "staging", f"web={SHA}", "--commit-via", "api",
            "--json", "--repo", gitops.url]
    proc = subprocess.Popen(argv, cwd=gitops.tmp, text=True, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=dict(os.environ, CI="true", TMPDIR=str(tmpdir), **github.env()),
                            start_new_session=True)
    try:
        outcome = wait_path(marker, 120, unless_pid=proc.pid)
        assert outcome == "exists", f"the mutation did not arrive ({outcome})"
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=120)
    finally:
        with open(fifo, "w", encoding="utf-8"):  # let the stand-in finish its request
            pass
    assert TOKEN not in out + err
    assert proc.returncode == 1, err
    assert list(tmpdir.iterdir()) == []
    error: dict[str, Any] = json.loads(out)["error"]
    return error


def test_interrupted_after_github_made_the_commit_says_it_is_deployed(
        gitops: GitOps, github: GitHubStandIn, tmp_path: Path) -> None:
    marker, fifo = _blocking_ref_hook(gitops, tmp_path, "committed", 0)
    error = _interrupted(gitops, github, tmp_path, marker, fifo)
    assert error["pushed"] is True, error
    assert error["commit"] == gitops.head()
    assert "GitHub had already made commit" in str(error["message"])
    assert gitops.tag("staging") == SHA


def test_interrupted_before_github_made_the_commit_says_nothing_was_committed(
        gitops: GitOps, github: GitHubStandIn, tmp_path: Path) -> None:
    before = gitops.head()
    marker, fifo = _blocking_ref_hook(gitops, tmp_path, "prepared", 1)
    error = _interrupted(gitops, github, tmp_path, marker, fifo)
    assert error["pushed"] is False
    assert "nothing was committed" in str(error["message"])
    assert gitops.head() == before
