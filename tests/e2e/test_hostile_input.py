"""Hostile input through the installed command: YAML past promoter's bounds, an API URL that is
not one. Each is refused in its documented class, with one clean line on stderr, no traceback,
and nothing pushed."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps, git
from tests.hostile_yaml import billion_laughs, nested, oversized

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
STAGING = "overlays/staging/kustomization.yaml"


def refused(done: subprocess.CompletedProcess[str], code: int) -> str:
    """The one error line of a run that exited with `code`."""
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr and "unexpected error" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and not CONTROL.search(lines[0]), done.stderr
    return lines[0]


def commit(gitops: GitOps, files: dict[str, str]) -> None:
    work = gitops.clone("hostile")
    for name, text in files.items():
        (work / name).parent.mkdir(parents=True, exist_ok=True)
        (work / name).write_text(text)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "hostile content")
    git(work, "push", "--quiet", "origin", "main")


@pytest.mark.parametrize(("extra", "words"), [
    (billion_laughs(), "its YAML aliases would expand to more than 100,000 nodes"),
    (nested(100_000, "labels"), "flow collections ([...], {...}) nested more than 20 levels"),
    ("", "is 1,048,577 bytes; promoter reads YAML files of at most 1 MiB"),
], ids=["billion-laughs", "100000-deep", "over-1-MiB"])
def test_a_kustomization_past_the_bounds_is_exit_4_and_nothing_is_pushed(
        gitops: GitOps, extra: str, words: str) -> None:
    original = gitops.show(STAGING)
    commit(gitops, {STAGING: extra + original if extra else oversized(original)})
    head = gitops.head()
    line = refused(gitops.run("set-image", "staging", f"web={SHA}"), 4)
    assert line.startswith(f"promoter: error: {STAGING}") and words in line
    assert gitops.head() == head


def test_a_promoter_yaml_nested_too_deep_is_exit_2(gitops: GitOps) -> None:
    commit(gitops, {"promoter.yaml": nested(100_000, "environments")})
    line = refused(gitops.run("status"), 2)
    assert "promoter.yaml:1: lists and mappings nested more than 100 levels deep" in line


def test_a_circleci_config_bomb_is_exit_4(gitops: GitOps, tmp_path: Path) -> None:
    config = tmp_path / "config.yml"
    config.write_text("version: 2.1\n" + billion_laughs())
    done = gitops.run("check-pipeline", str(config), "--json")
    line = refused(done, 4)
    assert f"{config}: its YAML aliases would expand" in line
    assert json.loads(done.stdout)["error"]["exit_code"] == 4


@pytest.mark.parametrize("value", ["api.github.com", "https://", "https://ghe example.com/api"])
def test_a_malformed_api_url_is_exit_2_naming_the_variable(gitops: GitOps, value: str) -> None:
    done = gitops.run("pr-status", "production", env={
        "PROMOTER_GITHUB_API_URL": value, "GITHUB_TOKEN": "ghp_unused",
        "PROMOTER_GITHUB_REPOSITORY": "acme/gitops"})
    line = refused(done, 2)
    assert "PROMOTER_GITHUB_API_URL=" in line and "is not an http(s) URL with a host" in line
