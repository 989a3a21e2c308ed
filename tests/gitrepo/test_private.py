"""gitrepo.private: changes are built in a private checkout; the user's copy is not touched."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from promoter.errors import PushRejected
from promoter.gitrepo import open_workspace
from promoter.gitrepo.private import private_workspace, sweep_worktrees
from tests.gitrepo.repos import PRODUCTION, STAGING, clone, commit_file, git, remote_file, write


def test_a_temporary_clone_is_its_own_private_checkout(url: str) -> None:
    with open_workspace(url) as ws, private_workspace(ws) as work:
        assert work is ws


def test_a_local_copy_gets_a_scratch_checkout_removed_on_exit(work: Path) -> None:
    head = git(work, "rev-parse", "HEAD")
    index = (work / ".git" / "index").read_bytes()
    with open_workspace(str(work)) as ws, private_workspace(ws) as scratch:
        assert scratch.root != ws.root and scratch.temporary
        assert (scratch.root / STAGING).read_text() == (work / STAGING).read_text()
        write(scratch.root, STAGING, "tried\n")
        sha = scratch.commit([STAGING], "built privately")
        tree = scratch.root
    assert not tree.exists() and not tree.parent.exists()
    assert git(work, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert git(work, "rev-parse", "HEAD") == head  # the commit exists, the branch did not move
    assert git(work, "cat-file", "-t", sha) == "commit"
    assert (work / ".git" / "index").read_bytes() == index
    assert git(work, "status", "--porcelain") == ""


def test_a_push_race_is_retried_in_the_scratch_checkout(remote: Path, work: Path,
                                                         tmp_path: Path) -> None:
    other = clone(remote.as_uri(), tmp_path / "other")
    theirs = commit_file(other, PRODUCTION, "theirs\n", "someone else")
    git(other, "push", "-q", "origin", "main")
    before = git(work, "rev-parse", "HEAD")
    with open_workspace(str(work)) as ws, private_workspace(ws) as scratch:
        write(scratch.root, STAGING, "ours\n")
        scratch.commit([STAGING], "ours")
        with pytest.raises(PushRejected) as caught:
            scratch.push_upstream()
        assert caught.value.retryable
        scratch.sync()
        assert scratch.head() == theirs
        write(scratch.root, STAGING, "ours\n")
        ours = scratch.commit([STAGING], "ours again")
        scratch.push_upstream()
    assert git(remote, "rev-parse", "main") == ours
    assert remote_file(remote, PRODUCTION) == "theirs"
    assert git(work, "rev-parse", "HEAD") == before


def test_registrations_of_killed_scratch_checkouts_are_forgotten(work: Path) -> None:
    """A run killed mid-`git worktree add` leaves a locked registration of a directory that the
    next run's sweep removed."""
    gone = Path(tempfile.mkdtemp(prefix="promoter-work-")) / "tree"
    git(work, "worktree", "add", "--quiet", "--detach", str(gone), "HEAD")
    git(work, "worktree", "lock", str(gone))
    shutil.rmtree(gone.parent)
    with open_workspace(str(work)) as ws:
        sweep_worktrees(ws)
    assert git(work, "worktree", "list", "--porcelain").count("worktree ") == 1
