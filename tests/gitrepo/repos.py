"""Helpers for the gitrepo tests: real git repositories, a bare one as the remote over file://."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from promoter.errors import PromoterError
from promoter.gitrepo import open_workspace
from tests.waiting import wait_exit

STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"


def git(cwd: Path, *args: str, input: str | None = None,
        env: dict[str, str] | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          input=input, env={**os.environ, **(env or {})})
    return done.stdout.strip()


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode())


def commit_file(root: Path, path: str, text: str, message: str) -> str:
    write(root, path, text)
    git(root, "add", path)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def make_remote(tmp_path: Path) -> Path:
    """A bare repository with main (staging + production overlays) and a release branch."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", bare.as_uri(), str(seed))
    write(seed, PRODUCTION, "images:\n- name: web\n  newTag: v1\n")
    git(seed, "add", PRODUCTION)
    commit_file(seed, STAGING, "images:\n- name: web\n  newTag: v1\n", "initial overlays")
    git(seed, "push", "-q", "origin", "main")
    git(seed, "checkout", "-q", "-b", "release")
    commit_file(seed, "RELEASE", "release branch\n", "release marker")
    git(seed, "push", "-q", "origin", "release")
    return bare


def clone(url: str, dest: Path) -> Path:
    git(dest.parent, "clone", "-q", url, str(dest))
    return dest


def remote_file(remote: Path, path: str, branch: str = "main") -> str:
    return git(remote, "show", f"{branch}:{path}")


def hook(repo: Path, name: str, script: str) -> None:
    """Install an executable hook (a sh script body) in a bare repository."""
    path = repo / "hooks" / name
    path.write_text(f"#!/bin/sh\n{script}")
    path.chmod(0o755)


def open_fails(repo: str, branch: str | None = None) -> PromoterError:
    with pytest.raises(PromoterError) as caught, open_workspace(repo, branch):
        pass
    return caught.value


def git_children() -> int:
    """Running git processes whose parent is this test process."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == os.getpid() and comm.startswith("git"):
            count += 1
    return count


def gone(pid: int, wait: float = 10.0) -> bool:
    """True once pid has exited (absent, or a zombie), waiting for at most `wait` seconds."""
    return wait_exit(pid, wait)
