"""Shared pieces of the promotion tests: constants, repository helpers, the options used."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path

from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.promotion import CommitOptions, RepoOptions
from tests.e2e.conftest import PROJECT, GitOps, git

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
SHA_C = "c3d4e5f60718293a4b5c6d7e8f90123456789012"
DIGEST = "sha256:" + "ab" * 32
STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"
REGISTRY = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
WORKER_TAG = "0badc0ffee"


def project_tag(rel: str) -> str:
    tag = next(e.new_tag for e in read_images((PROJECT / rel).read_text()) if e.name == "web")
    assert tag is not None
    return tag


STAGING_TAG = project_tag(STAGING)
PRODUCTION_TAG = project_tag(PRODUCTION)

WORKER_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/component: worker
  template:
    metadata:
      labels:
        app.kubernetes.io/component: worker
    spec:
      containers:
        - name: worker
          image: worker:set-by-overlay
"""
WORKER_ENTRY = f"""\
  - name: worker
    newName: {REGISTRY}/worker
    newTag: {WORKER_TAG}
"""



def commit_and_push(gitops: GitOps, edit: Callable[[Path], None], message: str) -> str:
    """Change the remote's main through a fresh clone, as another person or job would."""
    work = Path(tempfile.mkdtemp(prefix="other-", dir=gitops.tmp)) / "repo"
    git(gitops.tmp, "clone", "--quiet", gitops.url, str(work))
    edit(work)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", message)
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD").strip()


def add_worker(root: Path) -> None:
    """A second workload with its own image; staging pins it, production has no entry yet."""
    (root / "overlays" / "base" / "worker.yaml").write_text(WORKER_DEPLOYMENT)
    base = root / "overlays" / "base" / "kustomization.yaml"
    last = "  - migrate-job.yaml\n"
    text = base.read_text()
    assert last in text
    base.write_text(text.replace(last, f"{last}  - worker.yaml\n"))
    staging = root / STAGING
    staging.write_text(staging.read_text() + WORKER_ENTRY)


def entries(gitops: GitOps, rel: str, ref: str = "main") -> dict[str, ImageEntry]:
    return {e.name: e for e in read_images(gitops.show(rel, ref))}


def count_commits(gitops: GitOps) -> int:
    return int(git(gitops.remote, "rev-list", "--count", "main"))


def trailer_pairs(message: str) -> list[tuple[str, str]]:
    done = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                          capture_output=True, text=True, check=True)
    return [(k, v) for k, _, v in (line.partition(": ") for line in done.stdout.splitlines())]


def worktree_state(work: Path) -> tuple[str, bytes, bytes, str]:
    """HEAD, both overlay files' bytes and `git status` of a local copy."""
    return (git(work, "rev-parse", "HEAD"), (work / STAGING).read_bytes(),
            (work / PRODUCTION).read_bytes(), git(work, "status", "--porcelain"))


class Sleeps:
    """A CommitOptions.sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def opts(*, dry_run: bool = False, max_attempts: int = 10, sleep: Sleeps | None = None,
         environ: dict[str, str] | None = None) -> CommitOptions:
    """No CI variables from the test's environment, and never a real sleep."""
    return CommitOptions(dry_run=dry_run, max_attempts=max_attempts, environ=environ or {},
                         sleep=sleep or Sleeps())


def url(gitops: GitOps) -> RepoOptions:
    return RepoOptions(repo=gitops.url)
