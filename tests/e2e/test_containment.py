"""Containment through the installed command: symbolic links committed to the GitOps repository
(reached through a file:// URL) and made in a local working copy. A link leaving the repository
is exit 4 naming the link and its target, before anything is written or rendered, dry run or
not; promoter never writes through any link; the file outside is unchanged, content and inode."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps, git
from tests.e2e.test_exit_codes import one_error_line

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
STAGING = "overlays/staging/kustomization.yaml"
# kustomize is never reached: a render would fail the test with another message.
NO_RENDER = {"PROMOTER_KUSTOMIZE": "/nonexistent/kustomize-must-not-run"}


@dataclass
class Outside:
    """A file outside the repository that a committed link points at."""

    path: Path
    content: bytes
    inode: int

    def assert_unchanged(self) -> None:
        assert self.path.read_bytes() == self.content
        assert self.path.stat().st_ino == self.inode


def outside_copy(gitops: GitOps, tmp_path: Path) -> Outside:
    """overlays/staging/kustomization.yaml copied to a folder outside the repository."""
    folder = tmp_path / "outside"
    folder.mkdir()
    path = folder / "kustomization.yaml"
    path.write_text(gitops.show(STAGING))
    return Outside(path, path.read_bytes(), path.stat().st_ino)


def commit_link(gitops: GitOps, make: Callable[[Path], None], name: str = "link") -> Path:
    """A clone with `make` applied, committed and pushed; the clone is returned."""
    work = gitops.clone(name)
    make(work)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "a symbolic link")
    git(work, "push", "--quiet", "origin", "main")
    return work


def file_link(target: Path) -> Callable[[Path], None]:
    def make(work: Path) -> None:
        (work / STAGING).unlink()
        (work / STAGING).symlink_to(target)
    return make


def folder_link(target: Path) -> Callable[[Path], None]:
    def make(work: Path) -> None:
        folder = work / "overlays" / "staging"
        for child in folder.iterdir():
            child.unlink()
        folder.rmdir()
        folder.symlink_to(target)
    return make


CHANGES = [
    ("set-image", "staging", f"web={SHA}"),
    ("set-image", "staging", f"web={SHA}", "--dry-run"),
]


@pytest.mark.parametrize("args", CHANGES, ids=["real", "dry-run"])
@pytest.mark.parametrize("kind", ["file", "folder"])
def test_a_committed_link_leaving_the_repository_is_exit_4(
        gitops: GitOps, tmp_path: Path, args: tuple[str, ...], kind: str) -> None:
    outside = outside_copy(gitops, tmp_path)
    if kind == "file":
        commit_link(gitops, file_link(outside.path))
        expected = f"{STAGING} is a symbolic link to {outside.path}, outside the repository"
    else:
        commit_link(gitops, folder_link(outside.path.parent))
        expected = (f"overlays/staging is a symbolic link to {outside.path.parent}, outside "
                    "the repository")
    head = gitops.head()
    done = gitops.run(*args, env=NO_RENDER)
    assert done.returncode == 4, done.stderr
    assert expected in one_error_line(done.stderr)
    outside.assert_unchanged()
    assert gitops.head() == head


@pytest.mark.parametrize("dry_run", [False, True])
def test_a_link_leaving_a_local_working_copy_is_exit_4(gitops: GitOps, tmp_path: Path,
                                                        dry_run: bool) -> None:
    outside = outside_copy(gitops, tmp_path)
    work = commit_link(gitops, file_link(outside.path))
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"web={SHA}", *(["--dry-run"] * dry_run),
                      cwd=work, env=NO_RENDER)
    assert done.returncode == 4, done.stderr
    assert f"{STAGING} is a symbolic link to {outside.path}" in one_error_line(done.stderr)
    outside.assert_unchanged()
    assert (work / STAGING).is_symlink()
    assert git(work, "status", "--porcelain") == ""
    assert gitops.head() == head


def test_promote_into_a_linked_production_overlay_is_exit_4(gitops: GitOps,
                                                              tmp_path: Path) -> None:
    folder = tmp_path / "outside-production"
    folder.mkdir()
    target = folder / "kustomization.yaml"
    target.write_text(gitops.show("overlays/production/kustomization.yaml"))
    outside = Outside(target, target.read_bytes(), target.stat().st_ino)

    def make(work: Path) -> None:
        path = work / "overlays" / "production" / "kustomization.yaml"
        path.unlink()
        path.symlink_to(target)

    commit_link(gitops, make)
    for extra in ((), ("--dry-run",)):
        done = gitops.run("promote", "production", *extra, env=NO_RENDER)
        assert done.returncode == 4, done.stderr
        assert "outside the repository" in one_error_line(done.stderr)
    outside.assert_unchanged()


def test_a_link_inside_the_repository_is_read_but_never_written(gitops: GitOps) -> None:
    def make(work: Path) -> None:
        shared = work / "shared"
        shared.mkdir()
        os.replace(work / STAGING, shared / "kustomization.yaml")
        text = (shared / "kustomization.yaml").read_text()
        (shared / "kustomization.yaml").write_text(
            text.replace("- namespace.yaml", "- ../overlays/staging/namespace.yaml")
            .replace("- ../base", "- ../overlays/base")
            .replace("- path: replicas.yaml", "- path: ../overlays/staging/replicas.yaml"))
        (work / STAGING).symlink_to("../../shared/kustomization.yaml")

    commit_link(gitops, make)
    before = gitops.show("shared/kustomization.yaml")
    head = gitops.head()
    for extra in ((), ("--dry-run",)):
        done = gitops.run("set-image", "staging", f"web={SHA}", *extra)
        assert done.returncode == 4, done.stderr
        assert (f"{STAGING} is a symbolic link to ../../shared/kustomization.yaml, and promoter "
                "does not write through symbolic links") in one_error_line(done.stderr)
    assert gitops.head() == head
    assert gitops.show("shared/kustomization.yaml") == before
    status = gitops.json("status")
    staging = next(e for e in status["environments"] if e["name"] == "staging")
    assert staging["error"] is None and staging["images"][0]["name"] == "web"


def test_promoter_yaml_linked_outside_is_exit_4(gitops: GitOps, tmp_path: Path) -> None:
    outside_config = tmp_path / "elsewhere.yaml"
    outside_config.write_text(gitops.show("promoter.yaml"))
    inode = outside_config.stat().st_ino

    def make(work: Path) -> None:
        (work / "promoter.yaml").unlink()
        (work / "promoter.yaml").symlink_to(outside_config)
        (work / "deploy").symlink_to(tmp_path)

    commit_link(gitops, make)
    done = gitops.run("status")
    assert done.returncode == 4
    assert f"promoter.yaml is a symbolic link to {outside_config}" in one_error_line(done.stderr)
    done = gitops.run("status", "--config", "deploy/elsewhere.yaml")
    assert done.returncode == 4
    assert "passes through deploy, a symbolic link to" in one_error_line(done.stderr)
    done = gitops.run("status", "--config", "../elsewhere.yaml")
    assert done.returncode == 2
    assert "outside the repository" in one_error_line(done.stderr)
    assert outside_config.stat().st_ino == inode
