"""Shared fixtures. Tests that read ../shared skip with a reason when it is absent."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("PROMOTER_SHARED", PROJECT.parent / "shared"))
CORPUS = SHARED / "corpus"
GITHUB_OPENAPI = SHARED / "github-openapi" / "api.github.com.subset.json"
GITHUB_GRAPHQL = SHARED / "github-graphql" / "schema.graphql"


def require_shared(path: Path) -> Path:
    """Return path, or skip the calling test when ../shared (or that part of it) is absent."""
    if not path.exists():
        pytest.skip(f"{path} is absent: ../shared is only beside the team's workspace checkout")
    return path


@pytest.fixture
def corpus_dir() -> Path:
    return require_shared(CORPUS)


@pytest.fixture
def github_openapi_path() -> Path:
    return require_shared(GITHUB_OPENAPI)


@pytest.fixture
def github_graphql_schema() -> Path:
    """GitHub's GraphQL schema, for tests of the schema itself (the stand-in's GraphQL endpoint
    validates against it when present and answers unvalidated without it)."""
    return require_shared(GITHUB_GRAPHQL)


@pytest.fixture
def github_openapi_if_present() -> Path | None:
    """The GitHub OpenAPI description for tests that check against it when they can: the GitHub
    stand-in validates against it, and runs unchecked (None) on a clone without ../shared."""
    return GITHUB_OPENAPI if GITHUB_OPENAPI.is_file() else None


def pytest_report_header() -> str:
    if GITHUB_OPENAPI.is_file():
        return f"GitHub stand-in: every request and response checked against {GITHUB_OPENAPI}"
    return (f"GitHub stand-in: unchecked, plain bodies ({GITHUB_OPENAPI} is absent; the "
            "contract tests skip)")


@pytest.fixture(autouse=True)
def _git_identity(
    monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Isolate tests from the developer's git config and CI variables."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "Test Author")
    monkeypatch.setenv("GIT_AUTHOR_EMAIL", "author@example.com")
    monkeypatch.setenv("GIT_COMMITTER_NAME", "Test Author")
    monkeypatch.setenv("GIT_COMMITTER_EMAIL", "author@example.com")
    for name in list(os.environ):
        if name.startswith(("CIRCLE_", "PROMOTER_", "GITHUB_")):
            monkeypatch.delenv(name, raising=False)
