"""gitrepo.branches: promotion pull request branches on the remote, pushed and deleted with a
lease."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.errors import GitError, PushRejected, UsageError
from promoter.gitrepo import open_workspace
from tests.gitrepo.repos import STAGING, commit_file, git, write

BRANCH = "promoter/staging/promotion"


def test_remote_branch_read_and_delete_with_a_lease(remote: Path, url: str) -> None:
    with open_workspace(url) as ws:
        assert ws.branches.remote_branch_sha(BRANCH) is None
        head = ws.head()
        ws.branches.push_branch(BRANCH, expect=None)
        assert ws.branches.remote_branch_sha(BRANCH) == head
        with pytest.raises(GitError, match="cannot delete branch"):
            ws.branches.delete_remote_branch(BRANCH, expect="0" * 40)
        assert ws.branches.remote_branch_sha(BRANCH) == head
        ws.branches.delete_remote_branch(BRANCH, expect=head)
        assert ws.branches.remote_branch_sha(BRANCH) is None
    assert BRANCH not in git(remote, "branch", "--list")


def test_push_branch_replaces_only_what_it_expects(remote: Path, url: str) -> None:
    with open_workspace(url) as ws:
        first = ws.head()
        ws.branches.push_branch(BRANCH, expect=None)
        write(ws.root, STAGING, "next\n")
        second = ws.commit([STAGING], "next promotion")
        with pytest.raises(PushRejected) as caught:
            ws.branches.push_branch(BRANCH, expect=None)  # someone pushed it in between
        assert caught.value.retryable
        assert f"branch {BRANCH} was rejected" in str(caught.value)
        ws.branches.push_branch(BRANCH, expect=first)
    assert git(remote, "rev-parse", BRANCH) == second


def test_push_branch_refuses_an_invalid_name(url: str) -> None:
    with open_workspace(url) as ws:
        for name in ("bad..name", "-f", "with space"):
            with pytest.raises(UsageError, match="not a valid branch name"):
                ws.branches.push_branch(name, expect=None)


def test_without_a_remote_there_is_nothing_to_push_to(tmp_path: Path) -> None:
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    commit_file(work, STAGING, "a\n", "initial")
    with open_workspace(str(work)) as ws:
        with pytest.raises(GitError, match="no remote to push to"):
            ws.branches.push_branch(BRANCH, expect=None)
        with pytest.raises(GitError, match="no remote to read"):
            ws.branches.remote_branch_sha(BRANCH)
        ws.branches.delete_remote_branch(BRANCH, expect="0" * 40)  # nothing to delete


def test_unreadable_remote_names_the_remote_without_credentials(
    remote: Path, url: str
) -> None:
    with open_workspace(url) as ws:
        git(ws.root, "remote", "set-url", "origin",
            remote.with_name("gone.git").as_uri().replace("file://", "file://bot:s3cret@"))
        with pytest.raises(GitError) as caught:
            ws.branches.remote_branch_sha(BRANCH)
    assert f"cannot read branch {BRANCH} on origin (" in str(caught.value)
    assert "s3cret" not in str(caught.value)
