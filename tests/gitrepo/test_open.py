"""gitrepo.open: a local working copy as it is, or a temporary clone of a URL."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from promoter.errors import GitError, UsageError
from promoter.gitrepo import Workspace, open_workspace
from tests.gitrepo.repos import (
    STAGING,
    clone,
    commit_file,
    git,
    git_children,
    open_fails,
    write,
)


def test_url_clone_uses_the_remote_default_branch(remote: Path, url: str) -> None:
    git(remote, "symbolic-ref", "HEAD", "refs/heads/release")
    with open_workspace(url) as ws:
        assert ws.branch == "release"
        assert ws.temporary and ws.remote == "origin" and ws.will_push
        assert (ws.root / "RELEASE").read_text() == "release branch\n"
        assert git(ws.root, "rev-parse", "HEAD") == git(remote, "rev-parse", "release")
        fetched = git(ws.root, "config", "--get-all", "remote.origin.fetch")
        assert fetched == "+refs/heads/release:refs/remotes/origin/release"  # single branch


def test_url_clone_of_an_explicit_branch(remote: Path, url: str) -> None:
    with open_workspace(url, "release") as ws:
        assert ws.branch == "release"
        assert ws.head() == git(remote, "rev-parse", "release")


def test_url_clone_with_depth_is_shallow(url: str) -> None:
    with open_workspace(url, "release", depth=1) as ws:
        assert git(ws.root, "rev-parse", "--is-shallow-repository") == "true"
        assert git(ws.root, "rev-list", "--count", "HEAD") == "1"
    with open_workspace(url, "release") as ws:
        assert git(ws.root, "rev-list", "--count", "HEAD") == "2"


def test_url_clone_of_an_unknown_branch_fails_and_leaves_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caught = open_fails(url, "nope")
    assert isinstance(caught, GitError)
    assert "branch nope does not exist" in str(caught)
    assert "--branch" in str(caught)
    assert list(temp.iterdir()) == []


def test_url_clone_is_removed_when_the_body_raises(url: str) -> None:
    with pytest.raises(RuntimeError, match="boom"), open_workspace(url) as ws:
        root = ws.root
        assert (root / STAGING).exists()
        raise RuntimeError("boom")
    assert not root.exists()
    assert not root.parent.exists()


def test_clone_error_redacts_credentials() -> None:
    caught = open_fails("https://user:secret@127.0.0.1:9/x.git")
    assert isinstance(caught, GitError)
    message = str(caught)
    assert "secret" not in message
    assert "https://127.0.0.1:9/x.git" in message


def test_unreachable_file_url_is_a_git_error(tmp_path: Path) -> None:
    caught = open_fails((tmp_path / "missing.git").as_uri())
    assert isinstance(caught, GitError)
    assert "cannot clone" in str(caught)


def test_empty_remote_has_no_commits(tmp_path: Path) -> None:
    empty = tmp_path / "empty.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(empty))
    caught = open_fails(empty.as_uri())
    assert isinstance(caught, GitError)
    assert "has no commits yet" in str(caught)


def test_option_like_url_is_refused() -> None:
    caught = open_fails("-oProxyCommand=touch:x")
    assert isinstance(caught, UsageError)
    assert "is not a repository URL" in str(caught)


def test_invalid_branch_name_is_a_usage_error(url: str) -> None:
    caught = open_fails(url, "bad..name")
    assert isinstance(caught, UsageError)
    assert "not a valid branch name" in str(caught)
    assert isinstance(open_fails(url, "-x"), UsageError)


def test_local_copy_with_upstream(url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
    with open_workspace(str(work)) as ws:
        assert (ws.root, ws.branch, ws.temporary) == (work.resolve(), "main", False)
        assert ws.remote == "origin" and ws.upstream_branch == "main" and ws.will_push


def test_local_copy_on_another_branch_is_a_usage_error(work: Path) -> None:
    caught = open_fails(str(work), "release")
    assert isinstance(caught, UsageError)
    assert "checked out, not release" in str(caught)
    assert "git checkout release" in str(caught)


def test_detached_head_is_a_usage_error(work: Path) -> None:
    git(work, "checkout", "-q", "--detach")
    caught = open_fails(str(work))
    assert isinstance(caught, UsageError)
    assert "detached" in str(caught)


def test_detached_head_is_accepted_read_only(work: Path) -> None:
    git(work, "checkout", "-q", "--detach")
    with open_workspace(str(work), read_only=True) as ws:
        assert ws.branch == "HEAD"
        assert ws.head() == git(work, "rev-parse", "HEAD")


def test_not_a_repository(tmp_path: Path) -> None:
    """A --repo that is no working copy is a usage error (exit 2), not a git failure."""
    caught = open_fails(str(tmp_path))
    assert isinstance(caught, UsageError)
    assert "not a git working copy" in str(caught)
    caught = open_fails(str(tmp_path / "absent"))
    assert isinstance(caught, UsageError)
    assert "does not exist" in str(caught)


def test_bare_repository_path_is_refused(remote: Path) -> None:
    caught = open_fails(str(remote))
    assert isinstance(caught, UsageError)
    assert "bare repository" in str(caught)


def test_subdirectory_of_a_working_copy_is_refused(work: Path) -> None:
    caught = open_fails(str(work / "overlays"))
    assert isinstance(caught, UsageError)
    assert "not its top" in str(caught)
    assert str(work.resolve()) in str(caught)


@pytest.mark.parametrize("local", [False, True])
def test_no_git_process_outlives_a_command(url: str, work: Path, local: bool) -> None:
    """Every git command runs to its end (the Repo used to find a local copy is closed): no
    persistent `git cat-file` or other helper keeps running while or after a workspace is
    used."""
    before = git_children()
    with open_workspace(str(work) if local else url) as ws:
        assert ws.log.file_at(ws.head(), STAGING)
        assert ws.log.commits(max_count=1)
        assert git_children() == before
    assert git_children() == before


def test_workspace_is_a_plain_dataclass(url: str) -> None:
    with open_workspace(url, push=False) as ws:
        assert isinstance(ws, Workspace)
        assert "runner" not in repr(ws) and "log=" not in repr(ws)
        assert ws.upstream_branch == "main" and ws.depth is None


def test_ci_checkout_without_upstream_pushes_to_origin_same_branch(
    remote: Path, work: Path
) -> None:
    """CircleCI checks out with `git checkout -B main SHA`: no upstream, but origin/main known."""
    sha = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "--detach")
    git(work, "branch", "-q", "-D", "main")
    git(work, "checkout", "-q", "-B", "main", sha)
    assert subprocess.run(["git", "config", "--get", "branch.main.remote"], cwd=work,
                          capture_output=True, check=False).returncode == 1
    with open_workspace(str(work)) as ws:
        assert ws.remote == "origin" and ws.upstream_branch == "main" and ws.will_push
        write(ws.root, STAGING, "resources: []\n")
        pushed = ws.commit([STAGING], "from a CI checkout")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == pushed


def test_local_copy_without_upstream(tmp_path: Path) -> None:
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    commit_file(work, STAGING, "a\n", "initial")
    with open_workspace(str(work)) as ws:
        assert ws.remote is None and ws.upstream_branch is None and not ws.will_push
