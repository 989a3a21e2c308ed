"""Fixtures for forge tests: the GitHub stand-in (validated against ../shared's OpenAPI)."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

from promoter.forge.github import GitHubProvider, RetryPolicy

from .github_standin import GitHubStandIn, SpecChecker

#: Distinctive so that a leak anywhere is easy to find; never a real token.
TOKEN = "ghp_FAKEleakCanary0123456789abcdefXYZ"
REVIEWER_TOKEN = "ghp_FAKEreviewerToken000000000000000"
OTHER_REVIEWER_TOKEN = "ghp_FAKEotherReviewer0000000000000000"
BOT = "promoter-bot"
REVIEWER = "alice"
OTHER_REVIEWER = "bob"


@cache
def _checker(path: Path) -> SpecChecker:
    """Loading the description takes ~0.5 s: once per session."""
    return SpecChecker(path)


@pytest.fixture
def spec_checker(github_openapi_path: Path) -> SpecChecker:
    return _checker(github_openapi_path)


class Sleeps:
    """An injectable sleep that records the pauses instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


def _serve(checker: SpecChecker, prefix: str) -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn(
        checker,
        tokens={TOKEN: BOT, REVIEWER_TOKEN: REVIEWER, OTHER_REVIEWER_TOKEN: OTHER_REVIEWER},
        collaborators=("carol",),
        prefix=prefix,
    )
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
    if standin.problems:
        pytest.fail("the GitHub stand-in saw requests or responses that do not match the "
                    "OpenAPI description:\n" + "\n".join(standin.problems), pytrace=False)


@pytest.fixture
def github(spec_checker: SpecChecker) -> Iterator[GitHubStandIn]:
    """A stand-in for api.github.com serving acme/gitops; fails the test on any spec mismatch."""
    yield from _serve(spec_checker, "")


@pytest.fixture
def github_enterprise(spec_checker: SpecChecker) -> Iterator[GitHubStandIn]:
    """The same stand-in under /api/v3, as GitHub Enterprise Server serves it."""
    yield from _serve(spec_checker, "/api/v3")


@pytest.fixture
def provider(github: GitHubStandIn, sleeps: Sleeps) -> Iterator[GitHubProvider]:
    with GitHubProvider(
        github.owner, github.repo, TOKEN, api_url=github.url,
        retry=RetryPolicy(attempts=3, backoff=0.5, max_rate_limit_wait=120.0),
        sleep=sleeps, now=lambda: 1_700_000_000.0, timeout=5.0,
    ) as client:
        yield client
