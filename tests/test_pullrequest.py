"""pullrequest.propose / pr_status / github_provider, called directly, against a real bare
remote and the git-backed GitHub stand-in (every exchange checked against ../shared's OpenAPI
description; skipped with a reason where it is absent).

Races between two runs are made deterministic: a provider wrapper runs a whole second
promotion just before the first run's chosen API call."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pytest

import promoter.pullrequest
from promoter.config import Config, Environment, PullRequestSettings, load_config
from promoter.errors import ForgeError, GitError, UsageError
from promoter.forge import PullRequestExists, PullRequestProvider, environment_from_body
from promoter.gitrepo import Workspace
from promoter.promotion import (
    ChangeResult,
    CommitOptions,
    RepoOptions,
    promote_planner,
    set_image,
)
from promoter.pullrequest import (
    WaitOptions,
    github_provider,
    pr_status,
    promotion_branch,
    propose,
)
from tests.e2e.conftest import GitOps, git, make_gitops
from tests.forge.github_standin import (
    REVIEWER_TOKEN,
    TOKEN,
    GitHubStandIn,
    load_spec_checker,
    serve_git_standin,
)

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
BRANCH = "promoter/production/promotion"
BUILD_URL = re.compile(r"CI build: (\S+)")


@pytest.fixture
def gitops(tmp_path: Path) -> GitOps:
    remote = make_gitops(tmp_path)
    set_image(RepoOptions(repo=remote.url), CommitOptions(environ={}), "staging",
              [f"web={SHA_A}"])
    return remote


@pytest.fixture
def github(gitops: GitOps, github_openapi_path: Path) -> Iterator[GitHubStandIn]:
    with serve_git_standin(load_spec_checker(github_openapi_path), gitops.remote) as standin:
        yield standin


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


Factory = Callable[[Workspace, Config, Mapping[str, str]], PullRequestProvider]


def promote_pr(gitops: GitOps, github: GitHubStandIn, *, build: str = "https://ci/1",
               factory: Factory | None = None, sleep: Sleeps | None = None,
               max_attempts: int = 10, target: str = "production") -> ChangeResult:
    environ = {**github.env(), "CIRCLE_BUILD_URL": build}
    opts = CommitOptions(environ=environ, sleep=sleep or Sleeps(), max_attempts=max_attempts)
    return propose(RepoOptions(repo=gitops.url), opts, "promote",
                   promote_planner(target, None, (), None), provider_factory=factory)


def branches(gitops: GitOps) -> list[str]:
    return git(gitops.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads").split()


def tip(gitops: GitOps, branch: str = BRANCH) -> str:
    return git(gitops.remote, "rev-parse", branch).strip()


def open_pulls(github: GitHubStandIn) -> list[int]:
    return [p.number for p in github.pulls.values() if p.state == "open"]


def commit_to_remote(gitops: GitOps, path: str, text: str) -> None:
    work = gitops.clone(f"edit-{len(list(gitops.tmp.iterdir()))}")
    (work / path).write_text(text, encoding="utf-8")
    git(work, "commit", "--quiet", "-am", f"edit {path}")
    git(work, "push", "--quiet", "origin", "main")


def assert_consistent(gitops: GitOps, github: GitHubStandIn, number: int) -> None:
    """The PR's title and body are those of the commit its branch has."""
    pull = github.pulls[number]
    message = gitops.message(pull.head)
    assert pull.head_sha == tip(gitops, pull.head)
    assert pull.title == message.splitlines()[0]
    assert pull.body is not None
    body_build = BUILD_URL.search(pull.body)
    assert body_build is not None and body_build[1] in message


class Hooked:
    """A provider that runs `hook` once, just before the n-th call of `method`."""

    def __init__(self, inner: PullRequestProvider, method: str, hook: Callable[[], object],
                 *, nth: int = 1) -> None:
        self._inner = inner
        self._method = method
        self._hook = hook
        self._left = nth

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if name != self._method:
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            self._left -= 1
            if self._left == 0:
                self._hook()
            return target(*args, **kwargs)

        return call


def hooked(method: str, hook: Callable[[], object], *, nth: int = 1) -> Factory:
    def factory(ws: Workspace, cfg: Config, environ: Mapping[str, str]) -> PullRequestProvider:
        return cast(PullRequestProvider, Hooked(github_provider(ws, cfg, environ), method,
                                                hook, nth=nth))
    return factory


# -------------------------------------------------------------------------------- one branch (A6)


def test_sequential_promotions_share_one_branch_and_one_pull_request(
        gitops: GitOps, github: GitHubStandIn) -> None:
    first = promote_pr(gitops, github, build="https://ci/1")
    second = promote_pr(gitops, github, build="https://ci/2")
    assert first.pull_request is not None and second.pull_request is not None
    assert first.pull_request["branch"] == second.pull_request["branch"] == BRANCH
    assert (first.pull_request["updated"], second.pull_request["updated"]) == (False, True)
    assert branches(gitops) == ["main", BRANCH]
    assert open_pulls(github) == [1]
    assert tip(gitops) == second.commit != first.commit
    assert_consistent(gitops, github, 1)


def test_a_branch_left_by_a_closed_pull_request_is_replaced(
        gitops: GitOps, github: GitHubStandIn) -> None:
    first = promote_pr(gitops, github)
    github.pulls[1].state = "closed"  # closed in the UI without merging; the branch stays
    # another build (a different trailer), so the commit differs even within the same second
    second = promote_pr(gitops, github, build="https://ci/2")
    assert second.pull_request is not None
    assert (second.pull_request["number"], second.pull_request["updated"]) == (2, False)
    assert tip(gitops) == second.commit != first.commit
    assert branches(gitops) == ["main", BRANCH]
    assert open_pulls(github) == [2]


def test_a_merged_promotions_branch_is_reused_by_the_next_one(
        gitops: GitOps, github: GitHubStandIn) -> None:
    promote_pr(gitops, github)
    github.review(REVIEWER_TOKEN, 1, "APPROVE")
    merged = pr_status(RepoOptions(repo=gitops.url), "production",
                       options=WaitOptions(merge=True), environ=github.env())
    assert merged.merged_now and branches(gitops) == ["main", BRANCH]  # the branch stays
    set_image(RepoOptions(repo=gitops.url), CommitOptions(environ={}), "staging",
              [f"web={SHA_B}"])
    second = promote_pr(gitops, github)
    assert second.pull_request is not None
    assert (second.pull_request["number"], second.pull_request["updated"]) == (2, False)
    assert branches(gitops) == ["main", BRANCH] and open_pulls(github) == [2]
    assert tip(gitops) == github.pulls[2].head_sha == second.commit
    assert_consistent(gitops, github, 2)


def test_a_run_that_opens_the_pull_request_first_is_joined_not_duplicated(
        gitops: GitOps, github: GitHubStandIn) -> None:
    """B runs entirely between A's push and A's open: A's open is refused as a duplicate, so
    A looks again, pushes over B's commit and updates B's pull request."""
    others: list[ChangeResult] = []
    run_b = lambda: others.append(promote_pr(gitops, github, build="https://ci/B"))  # noqa: E731
    a = promote_pr(gitops, github, build="https://ci/A",
                   factory=hooked("open_pull_request", run_b))
    (b,) = others
    assert a.pull_request is not None and b.pull_request is not None
    assert a.pull_request["number"] == b.pull_request["number"] == 1
    assert (b.pull_request["updated"], a.pull_request["updated"]) == (False, True)
    assert open_pulls(github) == [1] and branches(gitops) == ["main", BRANCH]
    assert tip(gitops) == a.commit
    assert_consistent(gitops, github, 1)


def test_a_push_after_ours_makes_us_publish_again(gitops: GitOps, github: GitHubStandIn) -> None:
    """B pushes and updates between A's push and A's update: without a second round the pull
    request would show A's title and body on B's commit."""
    promote_pr(gitops, github, build="https://ci/0")
    sleeps = Sleeps()
    run_b = lambda: promote_pr(gitops, github, build="https://ci/B")  # noqa: E731
    a = promote_pr(gitops, github, build="https://ci/A", sleep=sleeps,
                   factory=hooked("update_pull_request", run_b))
    assert tip(gitops) == a.commit
    assert open_pulls(github) == [1] and branches(gitops) == ["main", BRANCH]
    assert_consistent(gitops, github, 1)
    assert len(sleeps.calls) == 1  # one backoff between the two rounds


def test_publishing_gives_up_after_max_attempts(gitops: GitOps, github: GitHubStandIn) -> None:
    class AlwaysBeaten:
        def __init__(self, inner: PullRequestProvider) -> None:
            self.inner = inner

        def find_open(self, *, head_prefix: str, base: str) -> None:
            return None

        def open_pull_request(self, **_: object) -> None:
            raise PullRequestExists("A pull request already exists")

        def shutdown(self) -> None:
            getattr(self.inner, "shutdown")()  # noqa: B009

    def factory(ws: Workspace, cfg: Config, environ: Mapping[str, str]) -> PullRequestProvider:
        return cast(PullRequestProvider, AlwaysBeaten(github_provider(ws, cfg, environ)))

    sleeps = Sleeps()
    with pytest.raises(GitError, match=r"kept changing .*\(3 attempts\)") as caught:
        promote_pr(gitops, github, factory=factory, sleep=sleeps, max_attempts=3)
    assert "another run for production" in caught.value.message
    assert len(sleeps.calls) == 2


def test_pr_with_no_push_is_refused_before_anything_happens(
        gitops: GitOps, github: GitHubStandIn) -> None:
    opts = CommitOptions(environ=github.env())
    with pytest.raises(UsageError, match="--pr pushes a branch; drop --no-push, or use --dry-run"):
        propose(RepoOptions(repo=gitops.url, push=False), opts, "promote",
                promote_planner("production", None, (), None))
    assert branches(gitops) == ["main"] and github.requests == []


# ------------------------------------------------------------------------ after the push (A4, A5)


def test_failed_labels_and_reviewers_keep_the_pull_request_and_become_warnings(
        gitops: GitOps, github: GitHubStandIn) -> None:
    config = gitops.show("promoter.yaml") + "pr:\n  labels: [promotion]\n  reviewers: [stranger]\n"
    commit_to_remote(gitops, "promoter.yaml", config)
    github.fail_next(403, method="POST", path_contains="/labels")
    result = promote_pr(gitops, github)
    assert result.pull_request is not None
    warnings = result.pull_request["warnings"]
    assert len(warnings) == 2
    assert "add label promotion yourself, or fix the token's permissions" in warnings[0]
    assert "request review from stranger yourself" in warnings[1]
    assert open_pulls(github) == [1] and branches(gitops) == ["main", BRANCH]
    assert tip(gitops) == result.commit and result.pushed
    assert set(result.pull_request) == {"number", "url", "branch", "base", "updated", "title",
                                        "warnings"}


def test_a_refused_pull_request_removes_the_branch_only_if_nobody_pushed_since(
        gitops: GitOps, github: GitHubStandIn) -> None:
    def someone_pushes_then_github_refuses() -> None:
        github.push_branch(BRANCH)
        github.fail_next(422, method="POST", path_contains="/pulls",
                         errors=[{"code": "custom", "message": "base branch is protected"}])

    with pytest.raises(ForgeError) as caught:
        promote_pr(gitops, github, factory=hooked("open_pull_request",
                                                  someone_pushes_then_github_refuses))
    assert "base branch is protected" in caught.value.message
    assert f"the pushed branch {BRANCH} could not be removed" in caught.value.message
    assert "stale info" in caught.value.message
    assert branches(gitops) == ["main", BRANCH]
    assert gitops.message(BRANCH).startswith("push to")  # the other push, untouched


def test_a_body_that_cannot_be_built_leaves_no_branch(
        gitops: GitOps, github: GitHubStandIn, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(**_: object) -> str:
        raise ValueError("a pull request body limit of 10 characters is too small")

    monkeypatch.setattr(promoter.pullrequest, "pr_body", broken)
    with pytest.raises(ValueError, match="too small"):
        promote_pr(gitops, github)
    assert branches(gitops) == ["main"] and github.requests == []


def test_an_environment_name_with_double_dashes_gets_its_pull_request(
        gitops: GitOps, github: GitHubStandIn) -> None:
    config = gitops.show("promoter.yaml").replace("name: production", "name: prod--eu")
    commit_to_remote(gitops, "promoter.yaml", config)
    result = promote_pr(gitops, github, target="prod--eu")
    assert result.pull_request is not None
    assert result.pull_request["branch"] == "promoter/prod--eu/promotion"
    body = github.pulls[1].body
    assert body is not None and environment_from_body(body) == "prod--eu"
    assert "## Promote to `prod--eu`" in body


@pytest.mark.parametrize("name", ["prod..eu", "prod.", "prod.lock"])
def test_environment_names_git_cannot_put_in_a_branch_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="cannot be part of a git branch name"):
        promotion_branch(name)


def test_an_update_that_fails_after_the_push_names_the_pushed_commit(
        gitops: GitOps, github: GitHubStandIn) -> None:
    promote_pr(gitops, github, build="https://ci/1")
    github.fail_next(422, method="PATCH", path_contains="/pulls/1")
    with pytest.raises(ForgeError) as caught:
        promote_pr(gitops, github, build="https://ci/2")
    pushed = tip(gitops)
    assert f"branch {BRANCH} now has commit {pushed}" in caught.value.message
    assert "still shows the previous title and body" in caught.value.message
    assert caught.value.hint is not None and "run the same command again" in caught.value.hint
    assert "https://ci/1" in (github.pulls[1].body or "")  # stale, as the message says
    again = promote_pr(gitops, github, build="https://ci/3")
    assert again.pull_request is not None and again.pull_request["updated"] is True
    assert_consistent(gitops, github, 1)


# --------------------------------------------------------------------------------- pr-status (A7)


def test_a_dry_run_merge_reports_would_merge_and_merges_nothing(
        gitops: GitOps, github: GitHubStandIn) -> None:
    promote_pr(gitops, github)
    github.review(REVIEWER_TOKEN, 1, "APPROVE")
    main = gitops.head()
    repo = RepoOptions(repo=gitops.url)
    report = pr_status(repo, "production", options=WaitOptions(merge=True, dry_run=True),
                       environ=github.env())
    assert report.would_merge and not report.merged_now
    assert report.to_json()["would_merge"] is True and report.to_json()["merged"] is False
    assert report.state == "approved"
    assert gitops.head() == main and github.calls("PUT", "/merge") == []
    merged = pr_status(repo, "production", options=WaitOptions(merge=True), environ=github.env())
    assert merged.merged_now and merged.to_json()["would_merge"] is False
    assert gitops.head() != main


def test_a_dry_run_does_not_claim_it_would_merge_an_unapproved_pull_request(
        gitops: GitOps, github: GitHubStandIn) -> None:
    promote_pr(gitops, github)
    report = pr_status(RepoOptions(repo=gitops.url), "production",
                       options=WaitOptions(merge=True, dry_run=True), environ=github.env())
    assert report.to_json()["would_merge"] is False and report.state == "waiting"


# --------------------------------------------------------------------- where the token goes (A13)


@dataclass
class FakeWorkspace:
    url: str | None

    def remote_url(self) -> str | None:
        return self.url


CONFIG = Config(environments=(Environment("production", "overlays/production"),),
                pr=PullRequestSettings())


def provider_for(url: str, **environ: str) -> str:
    ws = cast(Workspace, FakeWorkspace(url))
    with github_provider(ws, CONFIG, {"GITHUB_TOKEN": TOKEN, **environ}) as provider:
        return repr(provider)


@pytest.mark.parametrize("url", [
    "https://gitlab.example.com/o/r.git",
    "git@gitea.internal:o/r.git",
    "https://gitlab.com/o/r.git",
    "ssh://git@ghe.example.com:2222/o/r.git",
])
def test_a_remote_not_on_github_com_needs_an_explicit_api_url(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        provider_for(url, PROMOTER_GITHUB_REPOSITORY="o/r")
    text = str(caught.value)
    assert "is not on github.com" in text and "PROMOTER_GITHUB_API_URL" in text
    assert TOKEN not in text


def test_the_hint_names_the_enterprise_api_url() -> None:
    with pytest.raises(UsageError) as caught:
        provider_for("https://ci:secret@ghe.example.com/o/r.git")
    assert caught.value.hint is not None
    assert "https://ghe.example.com/api/v3" in caught.value.hint
    assert "secret" not in str(caught.value)


def test_an_explicit_api_url_is_used_for_any_host() -> None:
    text = provider_for("https://ghe.example.com/o/r.git",
                        PROMOTER_GITHUB_API_URL="https://ghe.example.com/api/v3")
    assert "api_url='https://ghe.example.com/api/v3'" in text and "'o/r'" in text


@pytest.mark.parametrize(("url", "environ", "api"), [
    ("git@github.com:o/r.git", {}, "https://api.github.com"),
    ("file:///srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r"}, "https://api.github.com"),
    ("/srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r"}, "https://api.github.com"),
    ("file:///srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r",
                                "PROMOTER_GITHUB_API_URL": "http://127.0.0.1:9/"},
     "http://127.0.0.1:9"),
])
def test_github_com_and_local_remotes(url: str, environ: dict[str, str], api: str) -> None:
    assert f"api_url='{api}'" in provider_for(url, **environ)


def test_the_config_of_the_stand_in_remote_is_what_promote_pr_reads(gitops: GitOps) -> None:
    # guards the fixtures above: production is promoted from staging, which has SHA_A
    work = gitops.clone("check")
    cfg = load_config(work, None)
    assert cfg.environment("production").source == "staging"
    assert gitops.tag("staging") == SHA_A and gitops.tag("production") != SHA_A
