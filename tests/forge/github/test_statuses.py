"""GitHubProvider.commit_checks (promoter.forge.github.statuses): a commit's statuses and check
runs read through the local GitHub stand-in (checked against the OpenAPI description when
../shared has it), paginated; and malformed answers, scripted with httpx.MockTransport."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
import pytest

from promoter.errors import ExitCode, ForgeError
from promoter.forge.base import FAILURE, PENDING, SUCCESS, CommitCheck
from promoter.forge.github import GitHubProvider
from promoter.forge.github.statuses import commit_checks

from ..conftest import Sleeps, retry
from ..github_standin import GitHubStandIn, fake_sha
from .test_http import Script, error, make_api

SHA = fake_sha("deployed")
T0 = "2024-05-01T12:00:00Z"
AT0 = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)


def by_name(checks: tuple[CommitCheck, ...]) -> dict[tuple[str, str], CommitCheck]:
    return {(c.kind, c.name): c for c in checks}


def test_statuses_and_check_runs_of_a_commit(github: GitHubStandIn,
                                             provider: GitHubProvider) -> None:
    github.clock = lambda: T0
    for context, state in [("argocd/web-staging", "success"), ("flux/web", "pending"),
                           ("ci/a", "failure"), ("ci/b", "error")]:
        assert github.post_status(SHA, context, state).status_code == 201
    github.add_check_run(SHA, "smoke (staging)", conclusion="success", at=T0)
    github.add_check_run(SHA, "e2e", status="in_progress")
    github.add_check_run(SHA, "lint", conclusion="timed_out")
    found = by_name(provider.commit_checks(SHA))
    assert found[("status", "argocd/web-staging")] == CommitCheck(
        "argocd/web-staging", SUCCESS, "success", AT0, "status")
    assert (found[("status", "flux/web")].state, found[("status", "ci/a")].state,
            found[("status", "ci/b")].detail) == (PENDING, FAILURE, "error")
    assert found[("check-run", "smoke (staging)")] == CommitCheck(
        "smoke (staging)", SUCCESS, "success", AT0, "check-run")
    assert found[("check-run", "e2e")] == CommitCheck("e2e", PENDING, "in_progress", None,
                                                      "check-run")
    assert found[("check-run", "lint")].state == FAILURE
    assert found[("check-run", "lint")].detail == "timed_out"
    paths = [(r.method, r.path, r.query.get("filter")) for r in github.requests
             if r.method == "GET"]
    assert paths == [("GET", f"/repos/acme/gitops/commits/{SHA}/status", None),
                     ("GET", f"/repos/acme/gitops/commits/{SHA}/check-runs", "latest")]


def test_the_latest_status_of_a_context_counts(github: GitHubStandIn,
                                               provider: GitHubProvider) -> None:
    github.post_status(SHA, "argocd/web-staging", "pending")
    github.post_status(SHA, "Argocd/Web-Staging", "success")  # contexts are case-insensitive
    (check,) = provider.commit_checks(SHA)
    assert (check.name, check.state) == ("Argocd/Web-Staging", SUCCESS)


def test_every_page_is_read(github: GitHubStandIn, provider: GitHubProvider) -> None:
    for n in range(130):
        github.board.post(SHA, f"ctx/{n}", "success", at=T0)
    for n in range(105):
        github.add_check_run(SHA, f"run {n}", at=T0)
    checks = provider.commit_checks(SHA)
    assert len([c for c in checks if c.kind == "status"]) == 130
    assert len([c for c in checks if c.kind == "check-run"]) == 105
    assert len(github.calls("GET", "/status")) == 2
    assert len(github.calls("GET", "/check-runs")) == 2


def test_no_report_is_no_check(github: GitHubStandIn, provider: GitHubProvider) -> None:
    assert provider.commit_checks(github.branches["main"]) == ()


def test_a_commit_github_does_not_know_is_a_remote_failure(provider: GitHubProvider) -> None:
    with pytest.raises(ForgeError) as caught:
        provider.commit_checks("0" * 40)
    assert caught.value.exit_code == ExitCode.REMOTE
    assert "acme/gitops" in str(caught.value)


def test_forbidden_names_the_permissions_statuses_need(github: GitHubStandIn,
                                                       provider: GitHubProvider) -> None:
    github.fail_next(403, message="Resource not accessible by personal access token")
    with pytest.raises(ForgeError) as caught:
        provider.commit_checks(SHA)
    assert '"Commit statuses: read" and "Checks: read"' in str(caught.value)
    assert "read the commit statuses of" in str(caught.value)


def test_server_errors_are_retried(github: GitHubStandIn, provider: GitHubProvider,
                                   sleeps: Sleeps) -> None:
    github.post_status(SHA, "argocd/web-staging", "success")
    github.fail_next(502, count=2, path_contains="/status")
    assert [c.state for c in provider.commit_checks(SHA)] == [SUCCESS]
    assert sleeps.calls == [0.5, 1.0]


@pytest.mark.parametrize(("answer", "words"), [
    (httpx.Response(200, json=[]), "not a JSON object"),
    (httpx.Response(200, json={"statuses": {}}), "without a list of statuses"),
    (httpx.Response(200, json={"statuses": [{"state": "success"}]}), "without a context"),
    (httpx.Response(200, json={"statuses": [{"context": "a", "state": "success"}]}),
     "without its time"),
    (httpx.Response(200, json={"statuses": [{"context": "a", "state": "success",
                                             "created_at": "yesterday"}]}), "without its time"),
    (httpx.Response(200, text="<html>"), "not JSON"),
])
def test_a_malformed_combined_status_is_an_unexpected_answer(
        answer: httpx.Response, words: str, sleeps: Sleeps) -> None:
    api = make_api(Script(answer), sleeps)
    with pytest.raises(ForgeError, match=words) as caught:
        commit_checks(api, SHA)
    assert caught.value.exit_code == ExitCode.REMOTE


@pytest.mark.parametrize(("run", "words"), [
    ({"status": "completed"}, "without a name"),
    ({"name": "e2e", "status": "completed", "conclusion": "success"}, "completion time"),
])
def test_a_malformed_check_run_is_an_unexpected_answer(run: dict[str, object], words: str,
                                                       sleeps: Sleeps) -> None:
    api = make_api(Script(httpx.Response(200, json={"statuses": []}),
                          httpx.Response(200, json={"check_runs": [run]})), sleeps)
    with pytest.raises(ForgeError, match=words):
        commit_checks(api, SHA)


def test_an_unknown_state_never_passes(sleeps: Sleeps) -> None:
    odd = {"context": "a", "state": "\x1b[31mweird", "created_at": T0}
    api = make_api(Script(httpx.Response(200, json={"statuses": [odd]}),
                          httpx.Response(200, json={"check_runs": [
                              {"name": "b", "status": "completed", "conclusion": None}]})),
                   sleeps)
    first, second = commit_checks(api, SHA)
    assert (first.state, second.state) == (FAILURE, FAILURE)
    assert "\x1b" not in first.detail and second.detail == "no conclusion"


def test_unauthorized_is_a_remote_failure(sleeps: Sleeps) -> None:
    api = make_api(Script(error(401, "Bad credentials")), sleeps)
    with pytest.raises(ForgeError, match="rejected the token"):
        commit_checks(api, SHA)


def test_a_retry_policy_of_its_own(github: GitHubStandIn, sleeps: Sleeps) -> None:
    """The provider of the gates is the pull requests' one: same retries, same limits."""
    with GitHubProvider(github.owner, github.repo, "ghp_FAKEleakCanary0123456789abcdefXYZ",
                        api_url=github.url, retry=retry(sleeps, attempts=1)) as provider:
        github.fail_next(500)
        with pytest.raises(ForgeError, match="gave up after 1 attempts"):
            provider.commit_checks(SHA)
