"""End-to-end fixtures: a bare GitOps remote made from the project's overlays/, and the installed
`promoter` command run in a subprocess the way a CircleCI job runs it (CI=true, no terminal)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from promoter.kustomize.document import read_images

PROJECT = Path(__file__).resolve().parents[2]
PROMOTER = Path(sys.executable).with_name("promoter")
ENV_PATHS = {"staging": "overlays/staging", "production": "overlays/production"}


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class GitOps:
    """A bare remote (file:// URL) holding overlays/ and promoter.yaml."""

    remote: Path
    tmp: Path

    @property
    def url(self) -> str:
        return self.remote.as_uri()

    def run(self, *args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            repo: str | None = None) -> subprocess.CompletedProcess[str]:
        full = dict(os.environ, CI="true", **(env or {}))
        argv = [str(PROMOTER), *args]
        if repo is not None or cwd is None:
            argv += ["--repo", repo or self.url]
        return subprocess.run(argv, cwd=cwd or self.tmp, env=full, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL, check=False, timeout=300)

    def json(self, *args: str, env: Mapping[str, str] | None = None,
             expect: int = 0) -> Any:
        done = self.run(*args, "--json", env=env)
        assert done.returncode == expect, done.stderr + done.stdout
        return json.loads(done.stdout)

    def head(self) -> str:
        return git(self.remote, "rev-parse", "main").strip()

    def show(self, path: str, ref: str = "main") -> str:
        return git(self.remote, "show", f"{ref}:{path}")

    def message(self, ref: str = "main") -> str:
        return git(self.remote, "log", "-1", "--format=%B", ref)

    def subjects(self) -> list[str]:
        return git(self.remote, "log", "--format=%s", "main").splitlines()

    def tag(self, env: str, image: str = "web") -> str | None:
        text = self.show(f"{ENV_PATHS[env]}/kustomization.yaml")
        return next(e.new_tag for e in read_images(text) if e.name == image)

    def clone(self, name: str = "work") -> Path:
        dest = self.tmp / name
        git(self.tmp, "clone", "--quiet", self.url, str(dest))
        return dest


def make_gitops(tmp: Path) -> GitOps:
    remote = tmp / "gitops.git"
    seed = tmp / "seed"
    git(tmp, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(tmp, "init", "--quiet", "--initial-branch=main", str(seed))
    shutil.copytree(PROJECT / "overlays", seed / "overlays")
    shutil.copy2(PROJECT / "promoter.yaml", seed / "promoter.yaml")
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "initial layout")
    git(seed, "push", "--quiet", remote.as_uri(), "main")
    shutil.rmtree(seed)
    return GitOps(remote, tmp)


@pytest.fixture
def gitops(tmp_path: Path) -> GitOps:
    assert PROMOTER.exists(), f"the promoter entry point is not installed at {PROMOTER}"
    return make_gitops(tmp_path)
