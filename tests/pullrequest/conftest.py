"""Fixtures for the pull-request orchestration tests: a real bare GitOps remote (production is
promoted from staging, which has SHA_A) and the in-memory forge following its branches. Nothing
here needs ../shared."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from promoter.config import Config
from promoter.forge import PullRequestProvider
from promoter.promotion import (
    ChangeResult,
    CommitOptions,
    RepoOptions,
    promote_planner,
    set_image,
)
from promoter.pullrequest import PullRequestReport, WaitOptions, pr_status, propose
from tests.e2e.conftest import GitOps, git, make_gitops
from tests.forge.memory import MemoryForge

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
BRANCH = "promoter/production/promotion"


@dataclass
class Bench:
    """Runs promoter's pull-request flows against `gitops` and `forge`."""

    gitops: GitOps
    forge: MemoryForge
    sleeps: list[float] = field(default_factory=list)

    def factory(self, url: str, cfg: Config, environ: Mapping[str, str]) -> PullRequestProvider:
        return self.forge

    def promote(self, *, build: str = "https://ci/1", max_attempts: int = 10,
                target: str = "production") -> ChangeResult:
        opts = CommitOptions(environ={"CIRCLE_BUILD_URL": build}, sleep=self.sleeps.append,
                             max_attempts=max_attempts)
        return propose(RepoOptions(repo=self.gitops.url), opts, "promote",
                       promote_planner(target, None, (), None), provider_factory=self.factory)

    def status(self, options: WaitOptions | None = None, *,
               number: int | None = None) -> PullRequestReport:
        return pr_status(RepoOptions(repo=self.gitops.url), "production", number=number,
                         options=options or WaitOptions(), environ={},
                         provider_factory=self.factory)

    def set_staging(self, tag: str) -> None:
        set_image(RepoOptions(repo=self.gitops.url), CommitOptions(environ={}), "staging",
                  [f"web={tag}"])

    def branches(self) -> list[str]:
        refs = git(self.gitops.remote, "for-each-ref", "--format=%(refname:short)", "refs/heads")
        return refs.split()

    def tip(self, branch: str = BRANCH) -> str:
        return git(self.gitops.remote, "rev-parse", branch).strip()

    def commit_to_main(self, path: str, text: str) -> None:
        work = self._clone()
        (work / path).write_text(text, encoding="utf-8")
        git(work, "commit", "--quiet", "-am", f"edit {path}")
        git(work, "push", "--quiet", "origin", "main")

    def push_to(self, branch: str) -> str:
        """Someone else pushes a commit to `branch`; its sha."""
        work = self._clone()
        start = branch if branch in self.branches() else "main"
        git(work, "checkout", "--quiet", "-B", branch, f"origin/{start}")
        git(work, "commit", "--quiet", "--allow-empty", "-m", f"push to {branch}")
        git(work, "push", "--quiet", "origin", f"HEAD:refs/heads/{branch}")
        return self.tip(branch)

    def _clone(self) -> Path:
        return self.gitops.clone(f"work-{len(list(self.gitops.tmp.iterdir()))}")


@pytest.fixture
def bench(tmp_path: Path) -> Bench:
    gitops = make_gitops(tmp_path)
    bench = Bench(gitops, MemoryForge(gitops.remote))
    bench.set_staging(SHA_A)
    return bench
