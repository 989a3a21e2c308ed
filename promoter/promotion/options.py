"""What a change is given: where the repository is, and how the change is recorded."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from promoter.retry import RetryPolicy


@dataclass(frozen=True)
class RepoOptions:
    """Where the GitOps repository is and how to treat it."""

    repo: str = "."
    branch: str | None = None
    config: str | None = None
    push: bool = True


@dataclass(frozen=True)
class CommitOptions:
    """How a change is recorded."""

    dry_run: bool = False
    message: str | None = None
    skip_ci: bool = False
    max_attempts: int = 10
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sleep: Callable[[float], None] = time.sleep

    def retry_policy(self) -> RetryPolicy:
        """The pauses between attempts when the branch moves under us."""
        return RetryPolicy(attempts=self.max_attempts, sleep=self.sleep)
