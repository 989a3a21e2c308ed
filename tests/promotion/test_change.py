"""The change loop: retries when the branch moves, dry runs, the local-copy guards, the message."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import (
    GitError,
    PolicyError,
    PushRejected,
    UsageError,
)
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageDelta
from promoter.promotion import CommitOptions, RepoOptions
from tests.e2e.conftest import GitOps, git
from tests.promotion.bench import (
    PRODUCTION,
    PRODUCTION_TAG,
    SHA_A,
    STAGING,
    STAGING_TAG,
    Sleeps,
    commit_and_push,
    count_commits,
    entries,
    opts,
    url,
    worktree_state,
)


def test_stale_local_copy_retries_on_the_new_tip(gitops: GitOps) -> None:
    work = gitops.clone()
    other = promotion.promote(url(gitops), opts(), "production")  # another job, first
    assert other.commit == gitops.head()
    sleeps = Sleeps()
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.attempts == 2
    assert len(sleeps.calls) == 1 and sleeps.calls[0] >= 0
    assert result.pushed and result.commit == gitops.head()
    assert git(gitops.remote, "rev-parse", "main~1").strip() == other.commit
    assert entries(gitops, STAGING)["web"].new_tag == SHA_A
    assert entries(gitops, PRODUCTION)["web"].new_tag == STAGING_TAG
    assert git(work, "rev-parse", "HEAD").strip() == gitops.head()
    assert git(work, "status", "--porcelain") == ""


def test_stale_local_copy_finds_the_same_tag_already_pushed(gitops: GitOps) -> None:
    work = gitops.clone()
    # Another job's commit differs by its build URL: an identical commit (same tree, parent,
    # message, identity and second) would have the same sha and make the push a no-op.
    promotion.set_image(url(gitops), opts(environ={"CIRCLE_BUILD_URL": "https://ci/other"}),
                        "staging", [f"web={SHA_A}"])
    head, commits = gitops.head(), count_commits(gitops)
    sleeps = Sleeps()
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.changed is False
    assert (result.commit, result.pushed, result.attempts) == (None, False, 2)
    assert len(sleeps.calls) == 1
    assert (gitops.head(), count_commits(gitops)) == (head, commits)
    assert git(work, "rev-parse", "HEAD").strip() == head


def test_attempts_exhausted_leaves_the_local_copy_as_it_was(gitops: GitOps) -> None:
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    remote_head = gitops.head()
    before = worktree_state(work)
    sleeps = Sleeps()
    with pytest.raises(GitError) as caught:
        promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps, max_attempts=1),
                            "staging", [f"web={SHA_A}"])
    assert isinstance(caught.value, PushRejected) and caught.value.retryable
    assert "rejected" in str(caught.value)
    assert sleeps.calls == []
    assert worktree_state(work) == before
    assert git(work, "diff", "--cached", "--name-only") == ""
    assert gitops.head() == remote_head


def add_note(root: Path) -> None:
    (root / "NOTES.md").write_text("release notes\n")


class PushDuringFirstBackoff(Sleeps):
    """Records delays; during the first one another job pushes, so the retry is stale too."""

    def __init__(self, gitops: GitOps) -> None:
        super().__init__()
        self.gitops = gitops
        self.pushed: list[str] = []

    def __call__(self, seconds: float) -> None:
        super().__call__(seconds)
        if len(self.calls) == 1:
            self.pushed.append(commit_and_push(self.gitops, add_note, "notes"))


def test_remote_moving_again_during_backoff(gitops: GitOps) -> None:
    """The retry backs off first and syncs after, so a push made during the backoff is already
    in the tip it plans on: one retry is enough."""
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    sleeps = PushDuringFirstBackoff(gitops)
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.attempts == 2
    assert len(sleeps.calls) == 1 and len(sleeps.pushed) == 1
    assert result.commit == gitops.head()
    assert gitops.subjects()[:3] == [f"deploy(staging): web {SHA_A}", "notes",
                                     f"promote(production): web {STAGING_TAG}"]
    assert git(gitops.remote, "rev-parse", "main~1").strip() == sleeps.pushed[0]
    assert git(work, "status", "--porcelain") == ""


def racing_pre_push_hook(work: Path, gitops: GitOps) -> Path:
    """Install a pre-push hook in `work` that makes another job push to the remote first, on
    every push: the branch always moves between plan and push."""
    racer = gitops.clone("racer")
    hook = work / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"cd '{racer}' && git pull -q --ff-only && date +%N >> notes.txt && "
        "git add notes.txt && git -c user.name=racer -c user.email=r@example.com "
        "commit -qm notes && git push -q origin HEAD:main\n"
    )
    hook.chmod(0o755)
    return racer


def test_attempts_exhausted_leave_no_promoter_commit_anywhere(gitops: GitOps) -> None:
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    git(work, "pull", "-q", "--ff-only")
    before = git(work, "rev-parse", "HEAD")
    racer = racing_pre_push_hook(work, gitops)
    sleeps = Sleeps()
    with pytest.raises(PushRejected, match="rejected 2 times because the branch kept moving"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps, max_attempts=2),
                            "staging", [f"web={SHA_A}"])
    assert len(sleeps.calls) == 1
    assert gitops.head() == git(racer, "rev-parse", "HEAD").strip()
    assert "deploy(staging)" not in gitops.subjects()[0]
    assert entries(gitops, STAGING)["web"].new_tag == STAGING_TAG
    assert git(work, "rev-parse", "HEAD") == before  # rewound, not fast-forwarded
    assert read_images((work / STAGING).read_text())[0].new_tag == STAGING_TAG
    assert git(work, "status", "--porcelain") == ""


def test_max_attempts_below_one_is_a_usage_error(gitops: GitOps) -> None:
    with pytest.raises(UsageError, match="at least 1"):
        promotion.set_image(url(gitops), opts(max_attempts=0), "staging", [f"web={SHA_A}"])


def test_dry_run_on_a_url(gitops: GitOps) -> None:
    head = gitops.head()
    result = promotion.set_image(url(gitops), opts(dry_run=True), "staging", [f"web={SHA_A}"])
    assert result.dry_run and result.changed
    assert (result.commit, result.pushed, result.message) == (None, False, None)
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert gitops.head() == head


def test_dry_run_in_a_local_copy(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    work = gitops.clone()
    before = worktree_state(work)
    result = promotion.promote(RepoOptions(repo=str(work)), opts(dry_run=True), "production")
    assert result.dry_run and result.changed and result.commit is None
    assert result.images == (ImageDelta("web", PRODUCTION_TAG, SHA_A, None, None),)
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert worktree_state(work) == before
    assert entries(gitops, PRODUCTION)["web"].new_tag == PRODUCTION_TAG


def test_local_copy_with_uncommitted_files_elsewhere_is_refused(gitops: GitOps) -> None:
    """kustomize renders the working copy: an uncommitted base change could pass verification
    and then be missing from the commit. promoter refuses instead."""
    work = gitops.clone()
    deployment = work / "overlays" / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + "# local experiment\n")
    state = worktree_state(work)
    with pytest.raises(PolicyError, match=r"overlays/base/deployment\.yaml .*clean"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(), "staging", [f"web={SHA_A}"])
    assert worktree_state(work) == state
    assert entries(gitops, STAGING)["web"].new_tag == STAGING_TAG


def test_local_copy_with_unpushed_commits_is_refused(gitops: GitOps) -> None:
    work = gitops.clone()
    (work / "NOTES.md").write_text("work in progress\n")
    git(work, "add", "NOTES.md")
    git(work, "commit", "-qm", "WIP: not for the remote")
    head = gitops.head()
    with pytest.raises(PolicyError, match=r"1 commit\(s\) not on origin/main"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(), "staging", [f"web={SHA_A}"])
    assert gitops.head() == head


def test_message_cannot_forge_trailers(gitops: GitOps) -> None:
    head = gitops.head()
    forged = CommitOptions(message="fix\nPromoter-Environment: production", sleep=Sleeps())
    with pytest.raises(UsageError, match="Promoter-"):
        promotion.set_image(url(gitops), forged, "staging", [f"web={SHA_A}"])
    assert gitops.head() == head
