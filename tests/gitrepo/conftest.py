"""Fixtures for the gitrepo tests: a bare remote, its file:// URL, a clone of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo.repos import clone, make_remote


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository with main (staging + production overlays) and a release branch."""
    return make_remote(tmp_path)


@pytest.fixture
def url(remote: Path) -> str:
    return remote.as_uri()


@pytest.fixture
def work(url: str, tmp_path: Path) -> Path:
    """A clone of the remote: a local working copy with an upstream."""
    return clone(url, tmp_path / "work")
