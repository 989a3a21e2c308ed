"""Fixtures for forge tests: the GitHub stand-in, validated against ../shared's OpenAPI
description when it is there and unchecked on a clone without it (see standin_checkers.py)."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from promoter.forge.github import GitHubProvider
from promoter.retry import RetryPolicy

from .github_standin import (
    BOT,
    COLLABORATORS,
    OTHER_REVIEWER,
    OTHER_REVIEWER_TOKEN,
    REVIEWER,
    REVIEWER_TOKEN,
    TOKEN,
    TOKENS,
    GitHubStandIn,
    start_git_standin,
)
from .standin_checkers import Checker, SpecChecker, choose_checker, load_spec_checker

__all__ = ["BOT", "OTHER_REVIEWER", "OTHER_REVIEWER_TOKEN", "REVIEWER", "REVIEWER_TOKEN", "TOKEN",
           "Longest", "Sleeps", "retry"]

#: make_github(git_dir, delete_branch_on_merge=False) -> a started, git-backed stand-in
MakeGitHub = Callable[..., GitHubStandIn]


@pytest.fixture
def spec_checker(github_openapi_path: Path) -> SpecChecker:
    """The description's checker, for tests about the contract itself (they skip without it)."""
    return load_spec_checker(github_openapi_path)


@pytest.fixture
def checker(github_openapi_if_present: Path | None) -> Checker:
    """The stand-ins' checker: the description's when ../shared has it, else the plain one."""
    return choose_checker(github_openapi_if_present)


class Sleeps:
    """An injectable sleep that records the pauses instead of sleeping."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


class Longest(random.Random):
    """Jitter that always picks the longest pause, so backoff pauses are predictable."""

    def uniform(self, a: float, b: float) -> float:
        return b


def retry(sleeps: Callable[[float], None], attempts: int = 3, base: float = 0.5) -> RetryPolicy:
    """The policy of the forge tests: pauses of base, 2*base, ... recorded by `sleeps`."""
    return RetryPolicy(attempts=attempts, base=base, sleep=sleeps, rng=Longest())


def _serve(checker: Checker, prefix: str) -> Iterator[GitHubStandIn]:
    standin = GitHubStandIn(checker, tokens=TOKENS, collaborators=COLLABORATORS, prefix=prefix)
    standin.start()
    try:
        yield standin
    finally:
        standin.stop()
    _fail_on_problems(standin)


def _fail_on_problems(standin: GitHubStandIn) -> None:
    report = standin.problem_report()
    if report is not None:
        pytest.fail(report, pytrace=False)


@pytest.fixture
def github(checker: Checker) -> Iterator[GitHubStandIn]:
    """A stand-in for api.github.com serving acme/gitops; fails the test on any problem it saw
    (with ../shared: any request or response off the OpenAPI description)."""
    yield from _serve(checker, "")


@pytest.fixture
def github_enterprise(checker: Checker) -> Iterator[GitHubStandIn]:
    """The same stand-in under /api/v3, as GitHub Enterprise Server serves it."""
    yield from _serve(checker, "/api/v3")


@pytest.fixture
def make_github(checker: Checker) -> Iterator[MakeGitHub]:
    """make_github(bare_repo, delete_branch_on_merge=False): a started stand-in whose branches
    and merges are those of the bare repository; all are stopped and checked at teardown."""
    started: list[GitHubStandIn] = []

    def make(git_dir: Path, *, delete_branch_on_merge: bool = False) -> GitHubStandIn:
        standin = start_git_standin(checker, git_dir,
                                    delete_branch_on_merge=delete_branch_on_merge)
        started.append(standin)
        return standin

    try:
        yield make
    finally:
        for standin in started:
            standin.stop()
    for standin in started:
        _fail_on_problems(standin)


@pytest.fixture
def provider(github: GitHubStandIn, sleeps: Sleeps) -> Iterator[GitHubProvider]:
    with GitHubProvider(
        github.owner, github.repo, TOKEN, api_url=github.url, retry=retry(sleeps),
        max_rate_limit_wait=120.0, now=lambda: 1_700_000_000.0, timeout=5.0,
    ) as client:
        yield client
