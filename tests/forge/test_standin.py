"""The GitHub stand-in's own checks: requests and responses that do not match the OpenAPI
description in ../shared are flagged, and its examples are built from the schema (these skip
without ../shared); without it the stand-in is plain, and still serves what the provider reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers

from promoter.forge import Draft
from promoter.forge.github import GitHubProvider
from promoter.retry import RetryPolicy

from .conftest import REVIEWER, REVIEWER_TOKEN, TOKEN
from .github_standin import COLLABORATORS, DOCS, TOKENS, GitHubStandIn, fake_sha
from .standin_checkers import (
    NULLABLE_ENUMS,
    PLAIN_MINIMUM,
    OARequest,
    OAResponse,
    PlainChecker,
    SpecChecker,
    choose_checker,
)

# --------------------------------------------------------------------------- the contract


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


def test_the_fixtures_check_against_the_description_when_it_is_present(
    github_openapi_path: Path, github: GitHubStandIn,
) -> None:
    assert isinstance(github.checker, SpecChecker)


def test_the_plain_minimum_holds_to_the_description(spec_checker: SpecChecker) -> None:
    for name, fields in PLAIN_MINIMUM.items():
        for key, value in fields.items():
            schema = spec_checker.subschema(name, key)
            errors = [e.message for e in OAS30Validator(schema).iter_errors(value)]
            assert errors == [], f"PLAIN_MINIMUM[{name!r}][{key!r}]: {errors}"


def test_only_the_known_nullable_enums_are_mended(spec_checker: SpecChecker) -> None:
    """GitHub answers `"conclusion": null` for a check run that has not completed; the
    description's enum lacks null. Null is added there, and nowhere else."""
    for schema, key in NULLABLE_ENUMS:
        prop = spec_checker.schemas[schema]["properties"][key]
        assert None in prop["enum"] and prop["nullable"]
    errors = OAS30Validator(spec_checker.subschema("check-run", "status")).iter_errors(None)
    assert list(errors), "status is not nullable: it must stay so"


def test_the_statuses_endpoints_are_held_to_the_description(
        spec_checker: SpecChecker) -> None:
    standin = GitHubStandIn(spec_checker, tokens=TOKENS, collaborators=COLLABORATORS)
    standin.start()
    try:
        sha = fake_sha("commit")
        assert standin.post_status(sha, "argocd/web-staging", "success").status_code == 201
        assert standin.post_status(sha, "x", "unknown").status_code == 422
        standin.add_check_run(sha, "e2e", status="in_progress")
        with GitHubProvider(standin.owner, standin.repo, TOKEN, api_url=standin.url,
                            retry=RetryPolicy(attempts=1, sleep=lambda _: None),
                            timeout=5.0) as provider:
            assert len(provider.commit_checks(sha)) == 2
    finally:
        standin.stop()
    problems = standin.problems
    assert len(problems) == 1 and "unknown" in problems[0]  # the bad state, and only it


# --------------------------------------------------------------------------- without it


def test_without_the_description_the_checker_is_plain() -> None:
    checker = choose_checker(None)
    assert isinstance(checker, PlainChecker)
    request = OARequest(method="put", path="/repos/acme/gitops/pulls/1/merge",
                        body=b'{"merge_method": "ff"}', content_type="application/json",
                        parameters=_parameters())
    assert checker.request_problems(request) == []
    assert checker.response_problems(request, OAResponse(200, b"{}", Headers())) == []
    pull = checker.example("pull-request", number=7, state="closed")
    assert pull == {**PLAIN_MINIMUM["pull-request"], "number": 7, "state": "closed"}
    assert checker.example(checker.subschema("pull-request", "labels", "[]"), name="x") == {
        "name": "x"}


def test_the_plain_standin_serves_what_the_provider_reads() -> None:
    standin = GitHubStandIn(PlainChecker(), tokens=TOKENS, collaborators=COLLABORATORS)
    standin.start()
    try:
        standin.push_branch("promoter/production/x")
        with GitHubProvider(standin.owner, standin.repo, TOKEN, api_url=standin.url,
                            retry=RetryPolicy(attempts=1, sleep=lambda _: None),
                            timeout=5.0) as provider:
            pr = provider.open_pull_request(Draft(
                head="promoter/production/x", base="main", title="Promote", body="b",
                labels=["promotion"], reviewers=[REVIEWER]))
            assert provider.find_open(head_prefix="promoter/production/", base="main") == pr
            assert provider.status(pr.number).state == "waiting"
            assert standin.review(REVIEWER_TOKEN, pr.number, "APPROVE").status_code == 200
            status = provider.status(pr.number)
            assert (status.state, status.approvals, status.mergeable) == (
                "approved", (REVIEWER,), True)
            merged = provider.merge(pr.number, sha=pr.head_sha, method="squash")
            assert merged == standin.branches["main"]
            assert provider.status(pr.number).state == "merged"
            latest = provider.find_latest(head="promoter/production/x", base="main")
            assert latest is not None and latest.merged
            sha = standin.branches["main"]
            assert standin.post_status(sha, "argocd/web-staging", "success").status_code == 201
            standin.add_check_run(sha, "smoke", conclusion="failure")
            checks = {(c.name, c.state) for c in provider.commit_checks(sha)}
            assert checks == {("argocd/web-staging", "success"), ("smoke", "failure")}
    finally:
        standin.stop()
    assert standin.problem_report() is None


def _parameters() -> RequestParameters:
    return RequestParameters()
