"""What a change is given: where the repository is, how the change is recorded, and how long it
may wait for the promotion gates."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from promoter import clock
from promoter.errors import UsageError
from promoter.retry import RetryPolicy
from promoter.sanitize import one_line, strip_control

REASON_MAX = 1000  # characters of a --reason
Clock = Callable[[], datetime]
"""What time it is, timezone-aware (promoter.clock.now: PROMOTER_NOW, else the system's time)."""


def clock_of(environ: Mapping[str, str]) -> Clock:
    """A Clock reading PROMOTER_NOW in environ each time it is asked (the system's time
    without it)."""
    return lambda: clock.now(environ)


@dataclass(frozen=True)
class RepoOptions:
    """Where the GitOps repository is and how to treat it."""

    repo: str = "."
    branch: str | None = None
    config: str | None = None
    push: bool = True


def clean_reason(text: str | None) -> str | None:
    """A --reason as it is recorded: one line, no control characters; None when blank. A
    reason that cannot be written as text, or is too long for a trailer, is a UsageError."""
    if text is None:
        return None
    reason = one_line(strip_control(text))
    if any("\ud800" <= char <= "\udfff" for char in reason):
        raise UsageError("--reason is not valid UTF-8 text", hint="write the reason in UTF-8")
    if len(reason) > REASON_MAX:
        raise UsageError(f"--reason has {len(reason)} characters; at most {REASON_MAX}",
                         hint="say it in a sentence; details belong in --message")
    return reason or None


@dataclass(frozen=True)
class Overrides:
    """What the person running a change lets through, and why: --override-freeze,
    --override-hold and --reason TEXT. What was overridden is recorded in the commit
    (`Promoter-Override: freeze: TEXT`)."""

    reason: str | None = None
    freeze: bool = False
    hold: bool = False

    def checked(self) -> Overrides:
        """The overrides with the reason cleaned; an override without a reason is a
        UsageError."""
        reason = clean_reason(self.reason)
        for flag, given in (("--override-freeze", self.freeze), ("--override-hold", self.hold)):
            if given and reason is None:
                raise UsageError(f"{flag} needs --reason TEXT: the reason is recorded in the "
                                 "commit", hint=f"{flag} --reason 'why this cannot wait'")
        return replace(self, reason=reason)
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
    now: Clock = clock.utc_now  # what time it is (soak, freeze windows, when a hold began)
    overrides: Overrides = field(default_factory=Overrides)  # freeze, hold (reason: from --reason)
    waiting: Waiting = field(default_factory=Waiting)
    commit_via: str | None = None  # git or api; None: commit_via in promoter.yaml, else git
    sign: bool = False  # sign the commit with the user's key (user.signingkey, gpg.format)
    require_approval: bool = False  # --require-approval: refuse a change nobody approved
    override_approval: bool = False  # --override-approval: let it through, recording `reason`
    reason: str | None = None  # --reason: why a requirement was overridden
    approval_check: bool = True  # False for a preview that changes nothing (promoter diff)

    def policy_checked(self) -> CommitOptions:
        """These options with the --reason cleaned; UsageError for an override without a reason,
        or a malformed PROMOTER_NOW (the clock is read once to find out)."""
        self.now()
        return replace(self, overrides=self.overrides.checked(), reason=clean_reason(self.reason))

    def retry_policy(self) -> RetryPolicy:
        """The pauses between attempts when the branch moves under us."""
        return RetryPolicy(attempts=self.max_attempts, sleep=self.sleep)
