"""What a change is given: where the repository is, how the change is recorded, and how long it
may wait for the promotion gates."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from promoter.clock import utc_now
from promoter.retry import RetryPolicy


@dataclass(frozen=True)
class RepoOptions:
    """Where the GitOps repository is and how to treat it."""

    repo: str = "."
    branch: str | None = None
    config: str | None = None
    push: bool = True


def _quiet(_line: str) -> None:
    """Say nothing (the default notify)."""


@dataclass(frozen=True)
class Waiting:
    """promote --wait: poll the gates until they pass, fail, or `timeout` seconds have passed
    (measured by `monotonic`); `notify` hears one line per pause, so a CI log shows progress."""

    wait: bool = False
    timeout: float = 3600.0
    interval: float = 15.0
    monotonic: Callable[[], float] = time.monotonic
    notify: Callable[[str], None] = _quiet


@dataclass(frozen=True)
class CommitOptions:
    """How a change is recorded."""

    dry_run: bool = False
    message: str | None = None
    skip_ci: bool = False
    max_attempts: int = 10
    auto_merge: str | None = None  # with a pull request: enable auto-merge with this method
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sleep: Callable[[float], None] = time.sleep
    now: Callable[[], datetime] = utc_now  # what time it is (soak); PROMOTER_NOW in the CLI
    waiting: Waiting = field(default_factory=Waiting)
    commit_via: str | None = None  # git or api; None: commit_via in promoter.yaml, else git
    sign: bool = False  # sign the commit with the user's key (user.signingkey, gpg.format)
    require_approval: bool = False  # --require-approval: refuse a change nobody approved
    override_approval: bool = False  # --override-approval: let it through, recording `reason`
    reason: str | None = None  # --reason: why a requirement was overridden
    approval_check: bool = True  # False for a preview that changes nothing (promoter diff)

    def retry_policy(self) -> RetryPolicy:
        """The pauses between attempts when the branch moves under us."""
        return RetryPolicy(attempts=self.max_attempts, sleep=self.sleep)
