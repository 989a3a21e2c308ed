"""GitHubProvider against the local GitHub stand-in, which checks every exchange against the
GitHub OpenAPI description in ../shared (see github_standin.py; unchecked on a clone without it),
plus what needs no server: the token rule, the Protocol's signatures, the merge methods."""

from __future__ import annotations

import inspect
from collections.abc import Iterator

import httpx
import pytest

from promoter.errors import ExitCode, ForgeError, UsageError
from promoter.forge import (
    Draft,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
)
from promoter.forge.github import GitHubProvider
from promoter.forge.github.http import GitHubAPI, Limits
from promoter.retry import RetryPolicy

from ..conftest import (
    BOT,
    OTHER_REVIEWER_TOKEN,
    REVIEWER,
    REVIEWER_TOKEN,
    TOKEN,
    Sleeps,
    retry,
)
from ..github_standin import GitHubStandIn, fake_sha

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
    return provider.open_pull_request(Draft(
        head=branch, base="main", title="Promote api 1.4.2 to production",
        body="<!-- promoter:environment=production -->\nbody",
        labels=overrides.get("labels", ["promotion", "env:production"]),
        reviewers=overrides.get("reviewers", [REVIEWER]),
        team_reviewers=overrides.get("team_reviewers", ["sre"]),
    ))


def make_provider(github: GitHubStandIn, sleeps: Sleeps, **kwargs: object) -> GitHubProvider:
    options: dict[str, object] = {
        "api_url": github.url, "retry": retry(sleeps), "now": lambda: NOW, "timeout": 5.0,
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
        provider.open_pull_request(Draft(head="promoter/production/never-pushed", base="main",
                                         title="t", body="b"))


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
    github.pulls[closed.number].state = "closed"
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


# --------------------------------------------------------------------------- merging


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


# --------------------------------------------------------------------------- retried, recovered


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


# --------------------------------------------------------------------------- where the API is


def test_enterprise_api_under_a_path_prefix(
    github_enterprise: GitHubStandIn, sleeps: Sleeps
) -> None:
    assert github_enterprise.url.endswith("/api/v3")
    with make_provider(github_enterprise, sleeps) as provider:
        pr = open_promotion(provider, github_enterprise)
        assert provider.find_open(head_prefix=PREFIX, base="main") == pr
    assert github_enterprise.requests  # and none outside /api/v3 (the stand-in would complain)


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


# --------------------------------------------------------------------------- without a server


def test_a_provider_needs_a_token() -> None:
    with pytest.raises(UsageError, match="no GitHub token for acme/gitops"):
        GitHubProvider("acme", "gitops", "")


def test_unknown_merge_method_is_a_usage_error() -> None:
    with GitHubProvider("acme", "gitops", TOKEN, api_url="http://127.0.0.1:9") as provider, \
            pytest.raises(UsageError, match="fast-forward"):
        provider.merge(1, sha="0" * 40, method="fast-forward")


def test_the_provider_shows_no_token() -> None:
    api_url = f"https://x:{TOKEN}@ghe.example.com/api/v3"
    with GitHubProvider("acme", "gitops", TOKEN, api_url=api_url) as provider:
        texts = [repr(provider), str(provider), str(vars(provider))]
    assert all(TOKEN not in text for text in texts)
    assert repr(provider) == ("GitHubProvider(repository='acme/gitops', "
                              "api_url='https://ghe.example.com/api/v3')")


def test_github_provider_has_the_protocols_signatures() -> None:
    for name, member in inspect.getmembers(PullRequestProvider, inspect.isfunction):
        if name.startswith("_"):
            continue
        assert inspect.signature(getattr(GitHubProvider, name)) == inspect.signature(member), name


def answering(*answers: httpx.Response) -> GitHubProvider:
    """A provider whose API answers with `answers`, in order (a scripted transport)."""
    provider = GitHubProvider("acme", "gitops", TOKEN, api_url="http://127.0.0.1:9")
    queue = list(answers)
    limits = Limits(RetryPolicy(attempts=1), max_rate_limit_wait=0.0, timeout=5.0)
    provider._api = GitHubAPI(  # the scripted answers replace the network
        "acme", "gitops", TOKEN, api_url="http://127.0.0.1:9", limits=limits, now=lambda: NOW,
        transport=httpx.MockTransport(lambda _: queue.pop(0)))
    return provider


@pytest.mark.parametrize("number", ["1e400", '"one"', "null", "[1]", '"absent"'],
                         ids=["infinite", "text", "null", "list", "absent"])
def test_a_pull_request_of_the_wrong_shape_is_a_forge_error(number: str) -> None:
    fields = '"html_url": "u", "title": "t", "state": "open", "base": {"ref": "main"}'
    if number != '"absent"':
        fields += f', "number": {number}, "head": {{"ref": "b", "sha": "s"}}'
    with answering(httpx.Response(200, content=f"{{{fields}}}".encode())) as provider, \
            pytest.raises(ForgeError) as caught:
        provider.get_pull_request(1)
    assert caught.value.exit_code == ExitCode.REMOTE
    assert caught.value.message.startswith("unexpected answer from the GitHub API at "
                                           "http://127.0.0.1:9 while trying to read pull "
                                           "request #1 in acme/gitops: a pull request ")


def test_a_list_where_a_pull_request_belongs_is_a_forge_error() -> None:
    with answering(httpx.Response(200, json=[{"number": 1}])) as provider, \
            pytest.raises(ForgeError, match="a body that is not a JSON object"):
        provider.get_pull_request(1)


def test_a_refused_merge_shows_githubs_reason_cleaned_and_capped() -> None:
    reason = "\x1b[31mnot today\n" * 400_000
    refusal = httpx.Response(200, json={"merged": False, "message": reason})
    with answering(refusal) as provider, pytest.raises(ForgeError) as caught:
        provider.merge(1, sha="0" * 40)
    message = caught.value.message
    assert message.startswith("GitHub did not merge pull request #1 in acme/gitops: not today "
                              "not today")
    assert "\x1b" not in message and "\n" not in message and len(message) < 5_000


@pytest.fixture(autouse=True)
def _no_real_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Belt and braces: no test here may reach api.github.com."""
    real = httpx.Client.send

    def guarded(self: httpx.Client, request: httpx.Request, **kwargs: object) -> httpx.Response:
        assert request.url.host == "127.0.0.1", request.url.host
        return real(self, request, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(httpx.Client, "send", guarded)
    yield
