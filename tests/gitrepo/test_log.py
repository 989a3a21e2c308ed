"""gitrepo.log: commits, the commits that changed a file, a file at a commit."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from promoter.errors import ContentError, GitError
from promoter.gitrepo import open_workspace
from tests.gitrepo.repos import STAGING, commit_file, git, write


def test_file_at_reads_exact_bytes(work: Path) -> None:
    crlf = "images:\r\n- name: web\r\n  newTag: v3"
    sha = commit_file(work, STAGING, crlf, "crlf, no final newline")
    with open_workspace(str(work)) as ws:
        assert ws.log.file_at(sha, STAGING) == crlf
        assert ws.log.file_at(f"{sha}^", STAGING) == "images:\n- name: web\n  newTag: v1\n"
        assert ws.log.file_at(sha, "overlays/absent.yaml") is None
        assert ws.log.file_at(sha, "overlays/staging") is None
        with pytest.raises(GitError, match="cannot read commit"):
            ws.log.file_at("0" * 40, STAGING)


def test_file_at_refuses_invalid_utf8(work: Path) -> None:
    (work / STAGING).write_bytes(b"images: \xff\n")
    git(work, "commit", "-q", "-am", "latin-1")
    with open_workspace(str(work)) as ws, pytest.raises(ContentError, match="not valid UTF-8"):
        ws.log.file_at("HEAD", STAGING)


def test_file_at_in_a_partial_clone_fetches_old_content(url: str, remote: Path) -> None:
    first = git(remote, "rev-parse", "main")
    with open_workspace(url) as ws:
        write(ws.root, STAGING, "second\n")
        ws.commit([STAGING], "second")
        assert ws.log.file_at(first, STAGING) == "images:\n- name: web\n  newTag: v1\n"


def merged_side_branch(work: Path) -> tuple[str, str, str]:
    """main gets an unrelated commit, side changes STAGING; merged with --no-ff."""
    git(work, "checkout", "-q", "-b", "side")
    side = commit_file(work, STAGING, "from side\n", "side change")
    git(work, "checkout", "-q", "main")
    unrelated = commit_file(work, "README", "readme\n", "unrelated")
    git(work, "merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    return side, unrelated, git(work, "rev-parse", "HEAD")


def test_path_commits_follow_merged_side_branches(work: Path) -> None:
    initial = git(work, "rev-parse", "HEAD")
    side, unrelated, _merge = merged_side_branch(work)
    with open_workspace(str(work)) as ws:
        assert ws.log.path_commits(STAGING) == [side, initial]
        assert ws.log.path_commits(STAGING, max_count=1) == [side]
        assert ws.log.path_commits("README") == [unrelated]


def test_path_commits_in_a_shallow_clone_fetch_the_real_history(
    remote: Path, url: str
) -> None:
    initial = git(remote, "rev-parse", "main")
    with open_workspace(url, depth=1) as ws:
        write(ws.root, "README", "unrelated\n")
        ws.commit(["README"], "unrelated")
        ws.push_upstream()
        with open_workspace(url, depth=1) as shallow:
            assert git(shallow.root, "rev-list", "--count", "HEAD") == "1"
            assert shallow.log.path_commits(STAGING, max_count=1) == [initial]
            assert git(shallow.root, "rev-parse", "--is-shallow-repository") == "false"
            assert shallow.depth is None


def test_shallow_local_copy_without_upstream_cannot_be_deepened(
    url: str, tmp_path: Path
) -> None:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", "--depth=1", url, str(work))
    git(work, "remote", "remove", "origin")
    with open_workspace(str(work)) as ws, pytest.raises(GitError, match="shallow clone"):
        ws.log.prefetch(STAGING)


def test_path_commits_keep_a_merge_that_made_new_content(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "side")
    commit_file(work, STAGING, "side\n", "side")
    git(work, "checkout", "-q", "main")
    commit_file(work, STAGING, "main\n", "main")
    subprocess.run(["git", "merge", "-q", "side"], cwd=work, capture_output=True, check=False)
    resolved = commit_file(work, STAGING, "resolved\n", "merge with conflict resolution")
    with open_workspace(str(work)) as ws:
        assert ws.log.path_commits(STAGING, max_count=1) == [resolved]
        assert len(ws.log.path_commits(STAGING)) == 4


def test_commits_report_merges_and_fields(work: Path) -> None:
    side, unrelated, merge = merged_side_branch(work)
    with open_workspace(str(work)) as ws:
        infos = ws.log.commits()
        staging_only = [info.sha for info in ws.log.commits(STAGING)]
        assert [info.sha for info in ws.log.commits(max_count=2)] == [merge, unrelated]
        assert [info.sha for info in ws.log.commits(grep="SIDE CHANGE")] == [side]
    assert [info.sha for info in infos][:3] == [merge, unrelated, side]
    top = infos[0]
    assert top.parents == (unrelated, side)
    assert top.subject == "Merge branch 'side'"
    assert top.message == "Merge branch 'side'\n"
    assert top.author == "Test Author <author@example.com>"
    assert top.date == git(work, "log", "-1", "--format=%aI", merge)
    assert "T" in top.date
    assert merge in staging_only and side in staging_only and unrelated not in staging_only
