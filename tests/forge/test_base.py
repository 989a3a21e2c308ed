"""The provider-neutral pieces: the state of a pull request, and the reviews that decide it."""

from __future__ import annotations

import pytest

from promoter.forge.base import PullRequest, PullRequestStatus, Review, verdicts


def _pr(*, state: str = "open", merged: bool = False) -> PullRequest:
    return PullRequest(number=1, url="u", head_branch="h", head_sha="new", base_branch="main",
                       title="t", state=state, merged=merged, draft=False)


@pytest.mark.parametrize(
    ("pr", "approvals", "changes", "expected"),
    [
        (_pr(state="closed", merged=True), ("a",), ("b",), "merged"),
        (_pr(state="closed"), ("a",), (), "closed"),
        (_pr(), ("a",), ("b",), "changes-requested"),
        (_pr(), ("a",), (), "approved"),
        (_pr(), (), (), "waiting"),
    ],
)
def test_status_state_precedence(
    pr: PullRequest, approvals: tuple[str, ...], changes: tuple[str, ...], expected: str
) -> None:
    status = PullRequestStatus(pr=pr, approvals=approvals, changes_requested=changes,
                               mergeable=None, mergeable_state=None)
    assert status.state == expected


def test_verdicts_count_only_the_head_commit_and_the_latest_decision() -> None:
    reviews = [
        Review("alice", "APPROVED", "old"),
        Review("bob", "APPROVED", "new"),
        Review("bob", "COMMENTED", "new"),
        Review("carol", "APPROVED", "new"),
        Review("carol", "DISMISSED", "new"),
        Review("dave", "CHANGES_REQUESTED", "new"),
        Review("erin", "CHANGES_REQUESTED", "new"),
        Review("erin", "APPROVED", "new"),
        Review("frank", "PENDING", "new"),
        Review("gus", "APPROVED", None),
    ]
    assert verdicts(reviews, head_sha="new") == (("bob", "erin"), ("dave",))
