"""Credentials reach git through its environment (promoter.gitrepo.auth), never argv."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from promoter.gitrepo.auth import forget_remote_settings, remote_environment, use_remote_settings
from promoter.gitrepo.command import GitRunner

HOST = "https://git.example.invalid"


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    forget_remote_settings()
    yield
    forget_remote_settings()


def test_settings_follow_the_ones_the_environment_has() -> None:
    use_remote_settings(lambda url: {f"http.{HOST}/.extraHeader": "X: 1"} if url.startswith(
        HOST) else {})
    assert remote_environment(f"{HOST}/a.git", {"GIT_CONFIG_COUNT": "2"}) == {
        "GIT_CONFIG_COUNT": "3", "GIT_CONFIG_KEY_2": f"http.{HOST}/.extraHeader",
        "GIT_CONFIG_VALUE_2": "X: 1"}
    assert remote_environment("file:///elsewhere", {}) == {}


def test_a_command_that_talks_to_the_remote_gets_them(tmp_path: Path) -> None:
    use_remote_settings(lambda url: {f"http.{url}.extraHeader": "Authorization: Basic c2VjcmV0"})
    runner = GitRunner(tmp_path, 30.0)
    key = f"http.{HOST}/a.git.extraheader"
    asked = runner.run("config", "--get", key, url=f"{HOST}/a.git")
    assert asked.text.strip() == "Authorization: Basic c2VjcmV0"
    assert not runner.run("config", "--get", key).ok  # a local command does not
