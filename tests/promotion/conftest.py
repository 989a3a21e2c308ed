"""Fixtures of the promotion tests: bare remotes built once per module and copied for each test."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps, make_gitops
from tests.promotion.bench import add_worker, commit_and_push


def _identity(mp: pytest.MonkeyPatch, home: Path) -> None:
    mp.setenv("HOME", str(home))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        mp.setenv(var, "Template Author")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        mp.setenv(var, "template@example.com")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Bare remotes built once: the project's layout, and the same with a `worker` image."""
    made: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        _identity(mp, tmp_path_factory.mktemp("template-home"))
        plain = make_gitops(tmp_path_factory.mktemp("plain"))
        made["plain"] = plain.remote
        two = make_gitops(tmp_path_factory.mktemp("two"))
        commit_and_push(two, add_worker, "add the worker")
        made["two"] = two.remote
    yield made


def _copy(template: Path, tmp: Path) -> GitOps:
    remote = tmp / "gitops.git"
    shutil.copytree(template, remote)
    return GitOps(remote, tmp)


@pytest.fixture
def gitops(templates: dict[str, Path], tmp_path: Path) -> GitOps:
    return _copy(templates["plain"], tmp_path)


@pytest.fixture
def two(templates: dict[str, Path], tmp_path: Path) -> GitOps:
    """Staging deploys web and worker; production has only a web entry."""
    return _copy(templates["two"], tmp_path)
