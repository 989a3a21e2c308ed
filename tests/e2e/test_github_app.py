"""GitHub the way organisations run it, end to end through the installed command: a GitHub App
(key pair made here) instead of a token, auto-merge of the promotion pull request, and a
protected branch that refuses a plain push. The stand-in checks every REST request and response
against the OpenAPI description and every GraphQL document against GitHub's schema (when
../shared has them)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps
from tests.forge.github_standin import TOKEN, GitHubStandIn, serve_git_standin
from tests.forge.standin_app import FakeApp, other_private_key
from tests.forge.standin_checkers import choose_checker
from tests.forge.standin_protection import Protection, protect

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


class AppSession:
    """Runs promoter with the App's environment (no token) and keeps every output."""

    def __init__(self, gitops: GitOps, github: GitHubStandIn, app: FakeApp) -> None:
        self.gitops, self.github, self.app = gitops, github, app
        self.outputs: list[str] = []

    def env(self, **overrides: str) -> dict[str, str]:
        env = {"PROMOTER_GITHUB_API_URL": self.github.url,
               "PROMOTER_GITHUB_REPOSITORY": self.github.full_name, **self.app.env()}
        env.update(overrides)
        return env

    def run(self, *args: str, expect: int = 0, repo: str | None = None,
            **env: str) -> subprocess.CompletedProcess[str]:
        done = self.gitops.run(*args, env=self.env(**env), repo=repo)
        self.outputs += [done.stdout, done.stderr]
        assert done.returncode == expect, done.stderr + done.stdout
        return done

    def json(self, *args: str, expect: int = 0, **env: str) -> dict[str, object]:
        return json.loads(self.run(*args, "--json", expect=expect, **env).stdout)  # type: ignore[no-any-return]

    def assert_no_secrets(self) -> None:
        secrets = [TOKEN, *self.app.tokens, *_key_lines(self.app.private_key),
                   *_key_lines(other_private_key())]
        for output in self.outputs:
            for secret in secrets:
                assert secret not in output


def _key_lines(pem: str) -> list[str]:
    """The body lines of a PEM key (any of them in an output would be a leak)."""
    return [line for line in pem.splitlines() if line and not line.startswith("-----")]


@pytest.fixture
def app_session(gitops: GitOps, github_openapi_if_present: Path | None) -> Iterator[AppSession]:
    checker = choose_checker(github_openapi_if_present)
    with serve_git_standin(checker, gitops.remote) as github:
        app = FakeApp()
        github.apps.append(app)
        session = AppSession(gitops, github, app)
        yield session
    session.assert_no_secrets()


def test_promote_pr_as_an_app_with_auto_merge(app_session: AppSession) -> None:
    gitops, github = app_session.gitops, app_session.github
    config = gitops.show("promoter.yaml")
    _commit(gitops, "promoter.yaml", config + "pr:\n  labels: [promotion]\n  auto_merge: squash\n")
    gitops.json("set-image", "staging", f"web={SHA_A}")
    out = app_session.json("promote", "production", "--tag", SHA_A, "--pr")
    pr = out["pull_request"]
    assert isinstance(pr, dict)
    assert pr["auto_merge"] == "squash" and pr["warnings"] == []
    pull = github.pulls[1]
    assert pull.author == "promoter-app[bot]"
    assert pull.auto_merge is not None and pull.auto_merge["merge_method"] == "squash"
    # one installation token, asked for this repository only, served every request
    assert app_session.app.minted == [{"repositories": ["gitops"]}]
    [token] = app_session.app.tokens
    app_calls = ("/app/", "/repos/acme/gitops/installation")
    api_calls = [r for r in github.requests if not r.path.startswith(app_calls)]
    assert api_calls and all(r.headers["Authorization"] == f"Bearer {token}" for r in api_calls)
    status = app_session.json("pr-status", "production", expect=8)
    assert status["auto_merge"] == "squash"


def test_auto_merge_not_allowed_keeps_the_pull_request_with_a_warning(
        app_session: AppSession) -> None:
    app_session.github.allow_auto_merge = False
    app_session.gitops.json("set-image", "staging", f"web={SHA_A}")
    done = app_session.run("promote", "production", "--pr", "--auto-merge", "rebase", "--json")
    pr = json.loads(done.stdout)["pull_request"]
    assert pr["auto_merge"] is None
    [warning] = pr["warnings"]
    assert "Auto merge is not allowed for this repository" in warning
    assert "Auto merge is not allowed" in done.stderr
    assert app_session.github.pulls[1].state == "open"


@pytest.mark.parametrize(("setup", "words"), [
    ("garbage key", "is not an RSA private key in PEM form"),
    ("other key", "not the App's id, or the private key is not this App's"),
    ("wrong app id", "not the App's id, or the private key is not this App's"),
    ("not installed", "GitHub App 123456 is not installed on acme/gitops"),
    ("missing key file", "cannot read the GitHub App private key"),
])
def test_app_problems_exit_5_with_one_line_and_no_secret(
        app_session: AppSession, setup: str, words: str) -> None:
    env: dict[str, str] = {}
    if setup == "garbage key":
        env["PROMOTER_GITHUB_APP_PRIVATE_KEY"] = "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n"
    elif setup == "other key":
        env["PROMOTER_GITHUB_APP_PRIVATE_KEY"] = other_private_key()
    elif setup == "wrong app id":
        env["PROMOTER_GITHUB_APP_ID"] = "999"
    elif setup == "not installed":
        app_session.app.installed = False
    else:
        env = {"PROMOTER_GITHUB_APP_PRIVATE_KEY": "",
               "PROMOTER_GITHUB_APP_PRIVATE_KEY_FILE": "/nonexistent/app.pem"}
    app_session.gitops.json("set-image", "staging", f"web={SHA_A}")
    done = app_session.run("promote", "production", "--pr", expect=5, **env)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], done.stderr
    assert app_session.github.pulls == {}
    failed = app_session.json("promote", "production", "--pr", expect=5, **env)
    error = failed["error"]
    assert isinstance(error, dict) and error["exit_code"] == 5 and words in str(error["message"])


def test_a_protected_branch_refuses_a_plain_push_naming_the_rule(
        gitops: GitOps, github_openapi_if_present: Path | None) -> None:
    checker = choose_checker(github_openapi_if_present)
    with serve_git_standin(checker, gitops.remote) as github:
        protect(github, "main", Protection(approvals=2, signatures=True,
                                           readers=frozenset({"promoter-bot"})))
        before = gitops.head()
        done = gitops.run("set-image", "staging", f"web={SHA_A}", env=github.env())
    assert done.returncode == 5, done.stderr
    message = done.stderr
    assert "GH006: Protected branch update failed" in message
    assert ("branch protection of main: changes must go through a pull request and 2 "
            "approving reviews; commits must be signed") in message
    assert "--pr" in message and "--commit-via api" in message
    assert TOKEN not in message + done.stdout
    assert gitops.head() == before
    assert (gitops.remote / "refused.log").read_text().count("refs/heads/main") == 1  # no retry


def test_an_app_that_may_not_read_the_protection_says_so(app_session: AppSession) -> None:
    protect(app_session.github, "main", Protection(approvals=1))
    done = app_session.run("set-image", "staging", f"web={SHA_A}", expect=5)
    assert "GH006" in done.stderr
    assert "the rule of main could not be read (403" in done.stderr
    assert "Administration: read" in done.stderr


def test_git_over_http_uses_the_installation_token(app_session: AppSession) -> None:
    github = app_session.github
    url = f"{github.url}/acme/gitops.git"  # the App's GitHub: the API's own origin
    app_session.run("set-image", "staging", f"web={SHA_A}", repo=url)
    assert app_session.gitops.tag("staging") == SHA_A
    out = json.loads(app_session.run("promote", "production", "--pr", "--auto-merge", "merge",
                                     "--json", repo=url).stdout)
    assert out["pull_request"]["auto_merge"] == "merge"
    pushes = [r for r in github.git_requests if r.path.endswith("git-receive-pack")]
    assert len(pushes) == 2  # main, then the promotion branch
    assert {r.user for r in github.git_requests} == {"promoter-app[bot]"}


def test_a_token_is_not_given_to_git(gitops: GitOps,
                                     github_openapi_if_present: Path | None) -> None:
    checker = choose_checker(github_openapi_if_present)
    with serve_git_standin(checker, gitops.remote) as github:
        done = gitops.run("set-image", "staging", f"web={SHA_A}", env=github.env(),
                          repo=f"{github.url}/acme/gitops.git")
    assert done.returncode == 5 and "cannot clone" in done.stderr
    assert github.git_requests and {r.user for r in github.git_requests} == {None}
    assert TOKEN not in done.stderr + done.stdout


def _commit(gitops: GitOps, path: str, text: str) -> None:
    work = gitops.clone("edit-config")
    (work / path).write_text(text)
    for args in (["add", path], ["commit", "-q", "-m", f"edit {path}"], ["push", "-q"]):
        subprocess.run(["git", *args], cwd=work, check=True)
