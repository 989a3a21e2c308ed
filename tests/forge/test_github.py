"""GitHubProvider against a local GitHub stand-in that checks every exchange against the
GitHub OpenAPI description (see github_standin.py), plus the provider-neutral pieces."""

from __future__ import annotations

import inspect
import logging
import socket
from collections.abc import Callable, Iterator

import httpx
import pytest
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers

from promoter.errors import ExitCode, ForgeError, UsageError
from promoter.forge.base import (
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
    PullRequestStatus,
    Review,
    verdicts,
    wait_for_merge,
)
from promoter.forge.github import (
    GitHubProvider,
    RetryPolicy,
    api_url_from_remote_url,
    remote_host,
    repository_from_remote_url,
    token_from_env,
)

from .conftest import (
    BOT,
    OTHER_REVIEWER_TOKEN,
    REVIEWER,
    REVIEWER_TOKEN,
    TOKEN,
    Sleeps,
)
from .github_standin import DOCS, GitHubStandIn, OARequest, OAResponse, SpecChecker, fake_sha

BRANCH = "promoter/production/20240501-api-1.4.2"
PREFIX = "promoter/production/"
NOW = 1_700_000_000.0  # the provider fixture's wall clock: 2023-11-14 22:13:20 UTC


def open_promotion(
    provider: GitHubProvider,
    github: GitHubStandIn,
    branch: str = BRANCH,
    **overrides: list[str],
) -> PullRequest:
    github.push_branch(branch)
    return provider.open_pull_request(
        head=branch, base="main", title="Promote api 1.4.2 to production",
        body="<!-- promoter:environment=production -->\nbody",
        labels=overrides.get("labels", ["promotion", "env:production"]),
        reviewers=overrides.get("reviewers", [REVIEWER]),
        team_reviewers=overrides.get("team_reviewers", ["sre"]),
    )


def make_provider(github: GitHubStandIn, sleeps: Sleeps, **kwargs: object) -> GitHubProvider:
    options: dict[str, object] = {
        "api_url": github.url, "retry": RetryPolicy(attempts=3, backoff=0.5),
        "sleep": sleeps, "now": lambda: NOW, "timeout": 5.0,
    }
    options.update(kwargs)
    owner = str(options.pop("owner", github.owner))
    repo = str(options.pop("repo", github.repo))
    token = str(options.pop("token", TOKEN))
    return GitHubProvider(owner, repo, token, **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- opening


def test_open_creates_the_pull_request_with_labels_and_reviewers(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)

    stored = github.pulls[pr.number]
    assert (pr.head_branch, pr.base_branch, pr.state, pr.merged) == (BRANCH, "main", "open", False)
    assert pr.head_sha == github.branches[BRANCH]
    assert pr.url == f"https://github.com/acme/gitops/pull/{pr.number}"
    assert stored.title == "Promote api 1.4.2 to production"
    assert stored.body is not None and stored.body.startswith("<!-- promoter:environment=")
    assert stored.labels == ["promotion", "env:production"]
    assert stored.requested_reviewers == [REVIEWER]
    assert stored.requested_teams == ["sre"]
    assert stored.author == BOT
    assert github.calls("POST", f"/issues/{pr.number}/labels")[0].json == {
        "labels": ["promotion", "env:production"]
    }


def test_open_without_labels_or_reviewers_sends_only_the_create_request(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    open_promotion(provider, github, labels=[], reviewers=[], team_reviewers=[])
    assert [(r.method, r.path) for r in github.requests] == [("POST", "/repos/acme/gitops/pulls")]


def test_every_request_carries_the_github_headers(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    open_promotion(provider, github)
    for request in github.requests:
        assert request.headers["Accept"] == "application/vnd.github+json"
        assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
        assert request.headers["User-Agent"] == "promoter"
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_opening_a_second_pr_for_the_same_branch_quotes_githubs_message(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    open_promotion(provider, github)
    with pytest.raises(PullRequestExists) as caught:
        open_promotion(provider, github)
    message = str(caught.value)
    assert f"A pull request already exists for acme:{BRANCH}." in message
    assert "Validation Failed" in message
    assert caught.value.exit_code == ExitCode.REMOTE
    assert len(github.pulls) == 1


def test_unknown_head_branch_names_the_invalid_field(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    with pytest.raises(ForgeError, match="PullRequest head invalid"):
        provider.open_pull_request(head="promoter/production/never-pushed", base="main",
                                   title="t", body="b", labels=[], reviewers=[],
                                   team_reviewers=[])


def test_reviewer_who_is_not_a_collaborator_fails_after_the_pr_exists(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    with pytest.raises(PullRequestIncomplete) as caught:
        open_promotion(provider, github, reviewers=["stranger"])
    message = str(caught.value)
    assert "opened pull request #1 (https://github.com/acme/gitops/pull/1)" in message
    assert "Reviews may only be requested from collaborators" in message
    assert github.pulls[1].labels == ["promotion", "env:production"]  # labels came first
    assert caught.value.pull_request.number == 1
    assert caught.value.pull_request.state == "open"
    (problem,) = caught.value.problems
    assert "request review from stranger, team sre yourself, or fix the token's permissions" \
        in problem


def test_failed_labels_do_not_stop_the_review_request(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    github.fail_next(403, method="POST", path_contains="/labels",
                     message="Resource not accessible by integration")
    with pytest.raises(PullRequestIncomplete) as caught:
        open_promotion(provider, github)
    (problem,) = caught.value.problems
    assert "Resource not accessible by integration" in problem
    assert problem.endswith(
        "add labels promotion, env:production yourself, or fix the token's permissions.")
    assert github.pulls[1].labels == []
    assert github.pulls[1].requested_reviewers == [REVIEWER]  # still asked
    assert github.pulls[1].state == "open"


def test_a_failed_label_and_review_request_are_both_reported(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    github.fail_next(422, method="POST", path_contains="/labels")
    with pytest.raises(PullRequestIncomplete) as caught:
        open_promotion(provider, github, labels=["promotion"], reviewers=["stranger"],
                       team_reviewers=[])
    problems = caught.value.problems
    assert [p.split(";")[-1] for p in problems] == [
        " add label promotion yourself, or fix the token's permissions.",
        " request review from stranger yourself, or fix the token's permissions.",
    ]
    assert caught.value.exit_code == ExitCode.REMOTE


# --------------------------------------------------------------------------- finding, updating


def test_find_open_returns_the_promotion_pr(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    opened = open_promotion(provider, github)
    assert provider.find_open(head_prefix=PREFIX, base="main") == opened


def test_find_open_returns_none_without_a_matching_pr(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    github.add_pull("promoter/staging/x")
    github.add_pull("feature/promoter/production/x")
    assert provider.find_open(head_prefix=PREFIX, base="main") is None


def test_find_open_ignores_other_bases_closed_prs_and_forks(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    github.branches["release"] = fake_sha("release")
    github.add_pull(PREFIX + "other-base", base="release")
    github.add_pull(PREFIX + "from-a-fork", head_repo="mallory/gitops")
    closed = open_promotion(provider, github, PREFIX + "closed")
    provider.close(closed.number)
    assert provider.find_open(head_prefix=PREFIX, base="main") is None
    wanted = open_promotion(provider, github)
    assert provider.find_open(head_prefix=PREFIX, base="main") == wanted


def test_find_open_reads_every_page(github: GitHubStandIn, provider: GitHubProvider) -> None:
    for index in range(150):
        github.add_pull(f"feature/{index}")
    wanted = open_promotion(provider, github)  # the newest: on the last page, oldest first
    assert provider.find_open(head_prefix=PREFIX, base="main") == wanted
    pages = github.calls("GET", "/repos/acme/gitops/pulls")
    assert [r.query.get("page", "1") for r in pages] == ["1", "2"]
    assert all(r.query["per_page"] == "100" and r.query["base"] == "main" for r in pages)


def test_find_open_prefers_the_oldest_of_several(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    first = open_promotion(provider, github, PREFIX + "a")
    open_promotion(provider, github, PREFIX + "b")
    found = provider.find_open(head_prefix=PREFIX, base="main")
    assert found is not None and found.number == first.number


def test_second_promotion_updates_the_open_pr_instead_of_opening_another(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    first = open_promotion(provider, github)
    github.push_branch(BRANCH)  # the next promotion force-pushes the branch

    existing = provider.find_open(head_prefix=PREFIX, base="main")
    assert existing is not None
    updated = provider.update_pull_request(existing.number, title="Promote api 1.4.3",
                                           body="new body")

    assert updated.number == first.number
    assert updated.title == "Promote api 1.4.3"
    assert updated.head_sha != first.head_sha
    assert [p.number for p in github.pulls.values() if p.state == "open"] == [first.number]
    assert github.pulls[first.number].body == "new body"


def test_get_pull_request_reads_it_back(github: GitHubStandIn, provider: GitHubProvider) -> None:
    opened = open_promotion(provider, github)
    assert provider.get_pull_request(opened.number) == opened


# --------------------------------------------------------------------------- reviews, status


def test_status_without_reviews_is_waiting(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    status = provider.status(pr.number)
    assert status.state == "waiting"
    assert (status.approvals, status.changes_requested) == ((), ())
    assert (status.mergeable, status.mergeable_state) == (True, "clean")


def test_approval_makes_the_status_approved(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    assert github.review(REVIEWER_TOKEN, pr.number, "APPROVE").status_code == 200
    status = provider.status(pr.number)
    assert status.state == "approved"
    assert status.approvals == (REVIEWER,)


def test_changes_requested_wins_over_another_approval(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    github.review(REVIEWER_TOKEN, pr.number, "APPROVE")
    github.review(OTHER_REVIEWER_TOKEN, pr.number, "REQUEST_CHANGES")
    status = provider.status(pr.number)
    assert status.state == "changes-requested"
    assert (status.approvals, status.changes_requested) == ((REVIEWER,), ("bob",))


def test_latest_review_of_a_user_counts_and_comments_do_not_cancel(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    github.review(REVIEWER_TOKEN, pr.number, "REQUEST_CHANGES")
    github.review(REVIEWER_TOKEN, pr.number, "APPROVE")
    github.review(REVIEWER_TOKEN, pr.number, "COMMENT", body="nit")
    assert provider.status(pr.number).approvals == (REVIEWER,)


def test_approval_of_an_older_head_does_not_count(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    github.review(REVIEWER_TOKEN, pr.number, "APPROVE")
    github.push_branch(BRANCH)  # new commits after the approval
    status = provider.status(pr.number)
    assert status.state == "waiting"
    assert status.pr.head_sha != pr.head_sha


def test_unknown_mergeability_is_none(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    github.set_mergeable(pr.number, None, "unknown")
    status = provider.status(pr.number)
    assert (status.mergeable, status.mergeable_state) == (None, "unknown")


def test_the_author_cannot_approve_its_own_pr(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    assert github.review(TOKEN, pr.number, "APPROVE").status_code == 422
    assert provider.status(pr.number).state == "waiting"


# --------------------------------------------------------------------------- merge, close


def test_merge_with_the_head_sha_merges(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    github.review(REVIEWER_TOKEN, pr.number, "APPROVE")
    merge_sha = provider.merge(pr.number, sha=pr.head_sha, commit_title="Promote api")
    assert merge_sha == github.pulls[pr.number].merge_commit_sha == github.branches["main"]
    assert provider.status(pr.number).state == "merged"
    sent = github.calls("PUT", f"/pulls/{pr.number}/merge")[0].json
    assert sent == {"sha": pr.head_sha, "merge_method": "merge", "commit_title": "Promote api"}


def test_merge_refuses_when_the_head_moved(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    github.push_branch(BRANCH)
    with pytest.raises(ForgeError) as caught:
        provider.merge(pr.number, sha=pr.head_sha)
    assert f"its head is no longer {pr.head_sha}" in caught.value.message
    assert "Head branch was modified" in caught.value.message
    assert not github.pulls[pr.number].merged


def test_merge_of_an_unmergeable_pr_says_so(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    github.set_mergeable(pr.number, False, "dirty")
    with pytest.raises(ForgeError, match=r"#1 in acme/gitops is not mergeable: Pull Request is"):
        provider.merge(pr.number, sha=pr.head_sha, method="squash")


def test_unknown_merge_method_is_a_usage_error(provider: GitHubProvider) -> None:
    with pytest.raises(UsageError, match="fast-forward"):
        provider.merge(1, sha="0" * 40, method="fast-forward")


def test_close_closes(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    provider.close(pr.number)
    assert github.pulls[pr.number].state == "closed"
    assert provider.status(pr.number).state == "closed"


# --------------------------------------------------------------------------- waiting


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def test_wait_for_merge_sees_the_merge(github: GitHubStandIn, provider: GitHubProvider) -> None:
    pr = open_promotion(provider, github)
    github.merge_after_polls(pr.number, 3)
    time = FakeTime()
    status = wait_for_merge(provider, pr.number, timeout=600, interval=10,
                            clock=time.clock, sleep=time.sleep)
    assert status.state == "merged"
    assert time.sleeps == [10, 10]
    assert github.pulls[pr.number].polls == 3


def test_wait_for_merge_gives_up_at_the_timeout(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    time = FakeTime()
    status = wait_for_merge(provider, pr.number, timeout=25, interval=10,
                            clock=time.clock, sleep=time.sleep)
    assert status.state == "waiting"
    assert time.sleeps == [10, 10, 5]
    assert github.pulls[pr.number].polls == 4


def test_wait_for_merge_returns_when_closed_unmerged(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    provider.close(pr.number)
    time = FakeTime()
    status = wait_for_merge(provider, pr.number, timeout=60, interval=5,
                            clock=time.clock, sleep=time.sleep)
    assert status.state == "closed"
    assert time.sleeps == []


# --------------------------------------------------------------------------- failures


def test_bad_token(github: GitHubStandIn, sleeps: Sleeps) -> None:
    with (
        make_provider(github, sleeps, token="ghp_FAKEwrong") as provider,
        pytest.raises(ForgeError) as caught,
    ):
        provider.find_open(head_prefix=PREFIX, base="main")
    assert "GitHub rejected the token (401 Bad credentials)" in caught.value.message
    assert caught.value.hint is not None and "PROMOTER_GITHUB_TOKEN" in caught.value.hint
    assert sleeps.calls == []


def test_missing_permission_names_the_scopes(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    github.push_branch(BRANCH)
    github.fail_next(403, headers={"X-OAuth-Scopes": "read:org",
                                   "X-Accepted-OAuth-Scopes": "repo"})
    with pytest.raises(ForgeError) as caught:
        open_promotion(provider, github)
    text = str(caught.value)
    assert "GitHub refused to open a pull request" in text
    assert "Resource not accessible by personal access token" in text
    assert "token scopes: read:org; accepted scopes: repo" in text
    assert "`repo` scope" in text and '"Pull requests: write" and "Contents: write"' in text
    assert sleeps.calls == []


def test_rate_limit_far_in_the_future_fails_with_the_reset_time(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    github.fail_next(403, headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000",
                                   "X-RateLimit-Reset": str(int(NOW) + 3600)},
                     message="API rate limit exceeded for user ID 1.")
    with pytest.raises(ForgeError) as caught:
        provider.find_open(head_prefix=PREFIX, base="main")
    assert "rate limit exceeded" in caught.value.message
    assert "resets at 2023-11-14 23:13:20 UTC (in 3600 s)" in caught.value.message
    assert sleeps.calls == []


def test_rate_limit_resetting_soon_is_waited_out(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    github.fail_next(403, headers={"X-RateLimit-Remaining": "0",
                                   "X-RateLimit-Reset": str(int(NOW) + 30)})
    assert provider.find_open(head_prefix=PREFIX, base="main") is None
    assert sleeps.calls == [31.0]


def test_retry_after_is_honoured(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    pr = open_promotion(provider, github)
    github.fail_next(429, headers={"Retry-After": "7"}, message="secondary rate limit")
    assert provider.get_pull_request(pr.number).number == pr.number
    assert sleeps.calls == [7.0]


def test_unknown_repository(github: GitHubStandIn, sleeps: Sleeps) -> None:
    with (
        make_provider(github, sleeps, repo="missing") as provider,
        pytest.raises(ForgeError) as caught,
    ):
        provider.find_open(head_prefix=PREFIX, base="main")
    assert "repository acme/missing not found" in caught.value.message
    assert "or the token cannot access it" in caught.value.message


def test_unknown_pull_request(provider: GitHubProvider) -> None:
    with pytest.raises(ForgeError, match=r"pull request #99 not found in acme/gitops"):
        provider.status(99)


def test_server_errors_are_retried_then_succeed(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    pr = open_promotion(provider, github)
    github.fail_next(502, 2, method="GET")
    assert provider.status(pr.number).pr == pr
    assert sleeps.calls == [0.5, 1.0]


def test_server_errors_give_up_after_the_bound(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    github.fail_next(500, 10)
    with pytest.raises(ForgeError) as caught:
        provider.get_pull_request(1)
    assert "GitHub API failed to read pull request #1 in acme/gitops: 500 Server Error" in str(
        caught.value)
    assert "gave up after 3 attempts" in str(caught.value)
    assert sleeps.calls == [0.5, 1.0]
    assert len(github.requests) == 3


def test_retried_create_that_had_succeeded_returns_the_pr(
    github: GitHubStandIn, provider: GitHubProvider, sleeps: Sleeps
) -> None:
    github.fail_next(502, method="POST", path_contains="/pulls", after_effect=True)
    pr = open_promotion(provider, github)
    assert list(github.pulls) == [pr.number]
    assert github.pulls[pr.number].labels == ["promotion", "env:production"]
    assert sleeps.calls == [0.5]


def test_retried_merge_that_had_succeeded_returns_the_merge_commit(
    github: GitHubStandIn, provider: GitHubProvider
) -> None:
    pr = open_promotion(provider, github)
    github.fail_next(502, method="PUT", after_effect=True)
    assert provider.merge(pr.number, sha=pr.head_sha) == github.pulls[pr.number].merge_commit_sha


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_retried_then_reported(closed_port: int, sleeps: Sleeps) -> None:
    with (
        GitHubProvider("acme", "gitops", TOKEN, api_url=f"http://127.0.0.1:{closed_port}",
                       retry=RetryPolicy(attempts=3, backoff=2.0), sleep=sleeps) as provider,
        pytest.raises(ForgeError) as caught,
    ):
        provider.get_pull_request(1)
    assert f"cannot reach the GitHub API at http://127.0.0.1:{closed_port}" in caught.value.message
    assert "after 3 attempts" in caught.value.message
    assert sleeps.calls == [2.0, 4.0]
    assert caught.value.exit_code == ExitCode.REMOTE


def test_enterprise_api_under_a_path_prefix(
    github_enterprise: GitHubStandIn, sleeps: Sleeps
) -> None:
    assert github_enterprise.url.endswith("/api/v3")
    with make_provider(github_enterprise, sleeps) as provider:
        pr = open_promotion(provider, github_enterprise)
        assert provider.find_open(head_prefix=PREFIX, base="main") == pr
    assert github_enterprise.requests  # and none outside /api/v3 (the stand-in would complain)


def test_pagination_link_to_another_host_is_not_followed(
    github: GitHubStandIn, provider: GitHubProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    for index in range(101):
        github.add_pull(f"feature/{index}")
    # the provider already knows the real address; the stand-in now links elsewhere
    monkeypatch.setattr(GitHubStandIn, "url", property(lambda self: "http://evil.invalid"))
    with pytest.raises(ForgeError, match=r"pagination link to another host \(evil.invalid\)"):
        provider.find_open(head_prefix=PREFIX, base="main")


# --------------------------------------------------------------------------- the token


def test_the_token_never_leaks(
    github: GitHubStandIn,
    sleeps: Sleeps,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    def record(action: Callable[[], object]) -> None:
        with pytest.raises(ForgeError) as caught:
            action()
        error = caught.value
        texts.extend([str(error), repr(error), error.message, error.hint or "", repr(error.args)])

    with make_provider(github, sleeps) as provider:
        texts.append(repr(provider))
        texts.append(str(vars(provider)))
        github.fail_next(401, message=f"Bad credentials: {TOKEN}")  # even if GitHub echoed it
        record(lambda: provider.get_pull_request(1))
        github.fail_next(403)
        record(lambda: provider.get_pull_request(1))
        github.fail_next(500, 5, message=f"boom {TOKEN}")
        record(lambda: provider.get_pull_request(1))
        github.fail_next(422, errors=[{"code": "custom", "message": f"no {TOKEN}"}])
        record(lambda: provider.update_pull_request(1, title="t", body="b"))
    with make_provider(github, sleeps, api_url=f"http://x:{TOKEN}@127.0.0.1:{closed_port}") as p:
        texts.append(repr(p))
        record(lambda: p.get_pull_request(1))

    captured = capsys.readouterr()
    texts.extend([caplog.text, captured.out, captured.err])
    for text in texts:
        assert TOKEN not in text
    everything = "\n".join(texts)
    assert "GitHub rejected the token (401 Bad credentials: ***)" in everything  # echo masked
    assert "no ***" in everything
    assert "http://127.0.0.1:" in everything  # the credentials were cut out of the API URL


def test_a_provider_needs_a_token() -> None:
    with pytest.raises(UsageError, match="no GitHub token for acme/gitops"):
        GitHubProvider("acme", "gitops", "")


# --------------------------------------------------------------------------- helpers


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ssh://git@github.com/acme/gitops.git", ("acme", "gitops")),
        ("ssh://git@github.com:22/acme/gitops", ("acme", "gitops")),
        ("git@github.com:acme/gitops.git", ("acme", "gitops")),
        ("git@github.com:acme/gitops", ("acme", "gitops")),
        ("github-work:acme/gitops.git", ("acme", "gitops")),  # an ~/.ssh/config host alias
        ("https://github.com/acme/gitops", ("acme", "gitops")),
        ("https://github.com/acme/gitops.git", ("acme", "gitops")),
        ("https://github.com/acme/gitops/", ("acme", "gitops")),
        ("https://x-access-token:ghs_secret@github.com/acme/gitops.git", ("acme", "gitops")),
        ("https://ghe.example.com/platform/gitops.git", ("platform", "gitops")),
        ("git@ghe.example.com:platform/my.repo-v2.git", ("platform", "my.repo-v2")),
        ("  https://github.com/acme/gitops.git\n", ("acme", "gitops")),
        ("https://gitlab.com/acme/gitops.git", None),
        ("git@bitbucket.org:acme/gitops.git", None),
        ("https://github.com/acme", None),
        ("https://github.com/acme/gitops/tree/main", None),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
        ("../gitops.git", None),
        ("", None),
        ("https://github.com/-acme/gitops", None),
        ("https://github.com/acme/..", None),
    ],
)
def test_repository_from_remote_url(url: str, expected: tuple[str, str] | None) -> None:
    assert repository_from_remote_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/gitops.git", "https://api.github.com"),
        ("https://GitHub.com/acme/gitops", "https://api.github.com"),
        ("ssh://git@ssh.github.com:443/acme/gitops.git", "https://api.github.com"),
        ("https://x-access-token:ghs_secret@github.com/acme/gitops.git", "https://api.github.com"),
        # only github.com is inferred: the token must not go to a host nobody named as GitHub
        ("ssh://git@ghe.example.com:2222/platform/gitops.git", None),
        ("https://gitlab.example.com/o/r.git", None),
        ("github-work:acme/gitops.git", None),  # an ssh alias: which host is unknown
        ("https://gitlab.com/acme/gitops.git", None),
        ("https://github.com/acme", None),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
    ],
)
def test_api_url_from_remote_url(url: str, expected: str | None) -> None:
    assert api_url_from_remote_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@GitLab.Example.com:8443/o/r.git", "gitlab.example.com"),
        ("git@ghe.example.com:platform/gitops.git", "ghe.example.com"),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
    ],
)
def test_remote_host(url: str, expected: str | None) -> None:
    assert remote_host(url) == expected


def test_token_from_env_prefers_promoter_github_token() -> None:
    assert token_from_env({"PROMOTER_GITHUB_TOKEN": "a", "GITHUB_TOKEN": "b"}) == "a"
    assert token_from_env({"PROMOTER_GITHUB_TOKEN": "  ", "GITHUB_TOKEN": "b\n"}) == "b"
    assert token_from_env({"HOME": "/root"}) is None


# --------------------------------------------------------------------------- base.py


def _pr(*, state: str = "open", merged: bool = False) -> PullRequest:
    return PullRequest(number=1, url="u", head_branch="h", head_sha="new", base_branch="main",
                       title="t", state=state, merged=merged, draft=False)


@pytest.mark.parametrize(
    ("pr", "approvals", "changes", "expected"),
    [
        (_pr(state="closed", merged=True), ("a",), ("b",), "merged"),
        (_pr(state="closed"), ("a",), (), "closed"),
        (_pr(), ("a",), ("b",), "changes-requested"),
        (_pr(), ("a",), (), "approved"),
        (_pr(), (), (), "waiting"),
    ],
)
def test_status_state_precedence(
    pr: PullRequest, approvals: tuple[str, ...], changes: tuple[str, ...], expected: str
) -> None:
    status = PullRequestStatus(pr=pr, approvals=approvals, changes_requested=changes,
                               mergeable=None, mergeable_state=None)
    assert status.state == expected


def test_verdicts_count_only_the_head_commit_and_the_latest_decision() -> None:
    reviews = [
        Review("alice", "APPROVED", "old"),
        Review("bob", "APPROVED", "new"),
        Review("bob", "COMMENTED", "new"),
        Review("carol", "APPROVED", "new"),
        Review("carol", "DISMISSED", "new"),
        Review("dave", "CHANGES_REQUESTED", "new"),
        Review("erin", "CHANGES_REQUESTED", "new"),
        Review("erin", "APPROVED", "new"),
        Review("frank", "PENDING", "new"),
        Review("gus", "APPROVED", None),
    ]
    assert verdicts(reviews, head_sha="new") == (("bob", "erin"), ("dave",))


def test_wait_for_merge_rejects_a_non_positive_interval() -> None:
    with pytest.raises(ValueError, match="interval"):
        wait_for_merge(None, 1, timeout=1, interval=0)  # type: ignore[arg-type]


def test_github_provider_has_the_protocols_signatures() -> None:
    for name, member in inspect.getmembers(PullRequestProvider, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert inspect.signature(getattr(GitHubProvider, name)) == inspect.signature(member), name


# --------------------------------------------------------------------------- the stand-in itself


def test_standin_flags_requests_that_do_not_match_the_description(
    spec_checker: SpecChecker,
) -> None:
    request = OARequest(
        method="put", path="/repos/acme/gitops/pulls/1/merge", body=b'{"merge_method": "ff"}',
        content_type="application/json", parameters=_parameters(),
    )
    assert any("ff" in p for p in spec_checker.request_problems(request))


def test_standin_flags_responses_that_do_not_match_the_description(
    spec_checker: SpecChecker,
) -> None:
    request = OARequest(method="get", path="/repos/acme/gitops/pulls/1", body=None,
                        content_type="application/octet-stream", parameters=_parameters())
    incomplete = OAResponse(200, b'{"number": 1}', Headers(), "application/json")
    assert any("required" in p for p in spec_checker.response_problems(request, incomplete))
    undocumented = OAResponse(401, b'{"message": 401}', Headers(), "application/json")
    assert any("401" in p for p in spec_checker.response_problems(request, undocumented))
    fine = OAResponse(401, b'{"message": "Bad credentials", "documentation_url": "%s"}'
                      % DOCS.encode(), Headers(), "application/json")
    assert spec_checker.response_problems(request, fine) == []


def test_standin_examples_are_built_from_the_schema(spec_checker: SpecChecker) -> None:
    user = spec_checker.example("simple-user", login="alice")
    assert set(spec_checker.schemas["simple-user"]["required"]) <= set(user)
    assert user["login"] == "alice"
    with pytest.raises(AssertionError, match="no properties"):
        spec_checker.example("simple-user", nickname="al")


def _parameters() -> RequestParameters:
    return RequestParameters()


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Belt and braces: no test here may reach api.github.com."""
    real = httpx.Client.send

    def guarded(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        assert request.url.host == "127.0.0.1", request.url.host
        return real(self, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "send", guarded)
    yield
