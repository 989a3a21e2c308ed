"""The README's main job: `promoter demo`, through the installed command, non-interactive."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from promoter.kustomize.document import read_images
from tests.e2e.conftest import PROMOTER, git


def run_demo(tmp_path: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PROMOTER), "demo", "--workdir", str(tmp_path / "demo"), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False, timeout=300)


def deployed_tag(remote: Path, env: str) -> str | None:
    text = git(remote, "show", f"main:overlays/{env}/kustomization.yaml")
    return next(e.new_tag for e in read_images(text) if e.name == "web")


def test_demo_ends_with_the_same_tag_in_staging_and_production(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--yes", env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    remote = tmp_path / "demo" / "gitops.git"
    staging, production = deployed_tag(remote, "staging"), deployed_tag(remote, "production")
    assert staging == production
    assert staging is not None and staging in done.stdout
    assert "was never deployed to staging" in done.stdout
    assert "Promoter-Source: staging@" in done.stdout
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    assert subjects[0] == f"promote(production): web {staging}"
    assert subjects[1] == f"deploy(staging): web {staging}"


def test_demo_json_in_ci_without_a_terminal(tmp_path: Path) -> None:
    done = run_demo(tmp_path, "--json", env=dict(os.environ, CI="true"))
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["approved"] is True
    assert doc["staging_tag"] == doc["production_tag"] == doc["tag"]
    assert "approved automatically (CI is set)" in done.stderr
