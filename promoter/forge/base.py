"""What promoter needs from a pull-request forge, independent of the provider.

A provider (GitHub today; GitLab merge requests or Bitbucket later) is one class that
satisfies `PullRequestProvider`, which includes `CommitStatuses` (what a sync agent reported on
a commit, for promotion gates). Everything above it (promoter.pullrequest, promoter.promotion's
gates, the CLI) only uses these Protocols and the frozen dataclasses below.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from promoter.errors import ForgeError

MERGED = "merged"
CLOSED = "closed"
APPROVED = "approved"
CHANGES_REQUESTED = "changes-requested"
WAITING = "waiting"

SUCCESS = "success"
PENDING = "pending"
FAILURE = "failure"

#: Review states that decide a reviewer's verdict; COMMENTED and PENDING do not change it.
_DECISIVE_REVIEW_STATES = frozenset({"APPROVED", "CHANGES_REQUESTED", "DISMISSED"})


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str
    head_branch: str
    head_sha: str
    base_branch: str
    title: str
    state: str  # "open" | "closed"
    merged: bool
    draft: bool


@dataclass(frozen=True)
class Draft:
    """A pull request to open: branch `head` into `base`, its text, and who should review it."""

    head: str
    base: str
    title: str
    body: str
    labels: Sequence[str] = ()
    reviewers: Sequence[str] = ()
    team_reviewers: Sequence[str] = ()


@dataclass(frozen=True)
class Review:
    user: str
    state: str  # upper case: APPROVED, CHANGES_REQUESTED, COMMENTED, DISMISSED, PENDING
    commit_id: str | None


@dataclass(frozen=True)
class PullRequestStatus:
    pr: PullRequest
    approvals: tuple[str, ...]
    changes_requested: tuple[str, ...]
    mergeable: bool | None  # None: the forge has not computed it yet
    mergeable_state: str | None
    auto_merge: str | None = None  # the merge method auto-merge will use; None: not enabled

    @property
    def state(self) -> str:
        """One of "merged", "closed", "approved", "changes-requested", "waiting"."""
        if self.pr.merged:
            return MERGED
        if self.pr.state == "closed":
            return CLOSED
        if self.changes_requested:
            return CHANGES_REQUESTED
        if self.approvals:
            return APPROVED
        return WAITING


class PullRequestExists(ForgeError):
    """open_pull_request refused: a pull request from this head into this base is already open
    (another run opened it meanwhile). Find it and update it instead."""


class PullRequestIncomplete(ForgeError):
    """open_pull_request opened the pull request, but labels or reviewers could not be applied.

    `pull_request` is the open pull request; `problems` says, one sentence each, what is missing
    and what to do about it.
    """

    def __init__(self, message: str, *, pull_request: PullRequest, problems: Sequence[str],
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.pull_request = pull_request
        self.problems = tuple(problems)


@dataclass(frozen=True)
class CommitCheck:
    """What one commit status (by context) or check run (by name) says about a commit."""

    name: str  # the status's context or the check run's name
    state: str  # SUCCESS, PENDING or FAILURE
    detail: str  # as the forge said it: "error", "in_progress", "timed_out", "success", ...
    at: datetime | None  # when it reached that state (a check run not completed: None)
    kind: str  # "status" or "check-run"


class CommitStatuses(Protocol):
    def commit_checks(self, sha: str) -> tuple[CommitCheck, ...]:
        """The latest commit status of each context and the latest check run of each name on
        commit `sha` (a full commit id)."""
        ...


class PullRequestProvider(CommitStatuses, Protocol):
    def find_open(self, *, head_prefix: str, base: str) -> PullRequest | None:
        """The open PR into `base` whose head branch (this repository) starts with head_prefix."""
        ...

    def find_latest(self, *, head: str, base: str) -> PullRequest | None:
        """The newest PR into `base` from branch `head` (this repository), open, merged or
        closed: what pr-status reads when the promotion PR was merged before it looked."""
        ...

    def open_pull_request(self, draft: Draft) -> PullRequest:
        """Open the pull request, then label it and request reviews. PullRequestExists when one
        from head into base is open already; PullRequestIncomplete when it was opened but the
        labels or review requests failed."""
        ...

    def update_pull_request(self, number: int, *, title: str, body: str) -> PullRequest: ...

    def get_pull_request(self, number: int) -> PullRequest: ...

    def status(self, number: int) -> PullRequestStatus: ...

    def merge(
        self, number: int, *, sha: str, method: str = "merge", commit_title: str | None = None
    ) -> str:
        """Merge only if the head is still `sha`; return the merge commit sha."""
        ...

    def enable_auto_merge(self, number: int, method: str) -> None:
        """Let the forge merge the PR with `method` once its reviews and checks pass;
        ForgeError saying why not (e.g. the repository does not allow auto-merge)."""
        ...


def verdicts(
    reviews: Iterable[Review], *, head_sha: str
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(approvals, changes_requested) from reviews in chronological order.

    Only reviews of the head commit count; each user's latest decisive review wins (a later
    comment does not cancel an approval; a dismissal does). Users are returned sorted.
    """
    latest: dict[str, str] = {}
    for review in reviews:
        if review.commit_id != head_sha or review.state not in _DECISIVE_REVIEW_STATES:
            continue
        latest[review.user] = review.state
    approvals = tuple(sorted(u for u, s in latest.items() if s == "APPROVED"))
    changes = tuple(sorted(u for u, s in latest.items() if s == "CHANGES_REQUESTED"))
    return approvals, changes

