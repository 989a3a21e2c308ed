"""The GraphQL client, auto-merge and branch protection of the GitHub provider against the
stand-in (GraphQL documents validated against GitHub's schema)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promoter.errors import ForgeError, UsageError
from promoter.forge.github import GitHubProvider
from promoter.forge.github.automerge import ENABLE_AUTO_MERGE, PULL_REQUEST_ID
from promoter.forge.github.graphql import GraphQLRefused, graphql_url
from promoter.forge.github.protection import protection_rules
from promoter.retry import RetryPolicy
from tests.forge.github_standin import TOKEN, GitHubStandIn
from tests.forge.standin_graphql import document_problems, load_schema
from tests.forge.standin_protection import Protection, protect


def test_graphql_sits_beside_the_rest_api() -> None:
    assert graphql_url("https://api.github.com") == "https://api.github.com/graphql"
    assert graphql_url("https://ghe.example/api/v3/") == "https://ghe.example/api/graphql"


def test_promoters_documents_are_valid_for_githubs_schema(github_graphql_schema: Path) -> None:
    schema = load_schema(github_graphql_schema)
    for document in (PULL_REQUEST_ID, ENABLE_AUTO_MERGE):
        assert document_problems(schema, document) == []
    assert document_problems(schema, "mutation { enablePullRequestAutoMerge { x } }")


@pytest.fixture
def patient(github: GitHubStandIn) -> Iterator[GitHubProvider]:
    """A provider that waits for the stand-in's first GraphQL answer (it builds the schema)."""
    with GitHubProvider(github.owner, github.repo, TOKEN, api_url=github.url,
                        retry=RetryPolicy(attempts=1), timeout=120.0) as client:
        yield client


def _open(github: GitHubStandIn) -> int:
    github.push_branch("promoter/production/promotion")
    return github.add_pull("promoter/production/promotion", author="promoter-bot")


def test_auto_merge_is_enabled_and_status_reports_it(
        github: GitHubStandIn, patient: GitHubProvider) -> None:
    provider = patient
    number = _open(github)
    assert provider.status(number).auto_merge is None
    provider.enable_auto_merge(number, "squash")
    assert github.pulls[number].auto_merge is not None
    assert provider.status(number).auto_merge == "squash"


def test_a_repository_without_auto_merge_is_refused_with_githubs_reason(
        github: GitHubStandIn, patient: GitHubProvider) -> None:
    provider = patient
    number = _open(github)
    github.allow_auto_merge = False
    with pytest.raises(GraphQLRefused) as caught:
        provider.enable_auto_merge(number, "merge")
    assert "Auto merge is not allowed for this repository" in caught.value.message
    assert caught.value.errors[0][0] == "UNPROCESSABLE"
    with pytest.raises(UsageError, match="unknown auto-merge method"):
        provider.enable_auto_merge(number, "octopus")


def test_the_protection_rule_in_words(github: GitHubStandIn, provider: GitHubProvider) -> None:
    protect(github, "main", Protection(approvals=1, signatures=True, contexts=("ci/test",),
                                       readers=frozenset({"promoter-bot"})))
    assert provider.describe_protection("main") == (
        "branch protection of main: changes must go through a pull request and 1 approving "
        "review; commits must be signed; status checks must pass (ci/test)")
    assert "no classic branch protection" in provider.describe_protection("release")


def test_a_protection_the_token_may_not_read(github: GitHubStandIn,
                                            provider: GitHubProvider) -> None:
    protect(github, "main", Protection(readers=frozenset()))
    said = provider.describe_protection("main")
    assert said.startswith("the rule of main could not be read (403")


def test_protection_rules_name_what_refuses_a_push() -> None:
    assert protection_rules({"lock_branch": {"enabled": True},
                             "restrictions": {"users": []},
                             "required_linear_history": {"enabled": True}}) == [
        "the branch is locked (read-only)", "history must be linear",
        "only the listed people, teams and apps may push"]
    assert protection_rules({}) == []


def test_graphql_errors_are_forge_errors() -> None:
    assert issubclass(GraphQLRefused, ForgeError)
