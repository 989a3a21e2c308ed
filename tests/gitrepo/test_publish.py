"""gitrepo.publish: a local copy moved to a privately built commit, and a half-done move finished
by the next run."""

from __future__ import annotations

from pathlib import Path

from promoter.gitrepo import open_workspace
from promoter.gitrepo.publish import JOURNAL, publish
from tests.gitrepo.repos import STAGING, commit_file, git, write


def _commit_elsewhere(work: Path, text: str) -> str:
    """A commit on top of HEAD made without touching work's branch, index or files."""
    tree = git(work, "rev-parse", "HEAD^{tree}")
    blob = git(work, "hash-object", "-w", "--stdin", input=text)
    index = work / ".git" / "promoter-test-index"
    env = {"GIT_INDEX_FILE": str(index)}
    git(work, "read-tree", tree, env=env)
    git(work, "update-index", "--cacheinfo", f"100644,{blob},{STAGING}", env=env)
    new_tree = git(work, "write-tree", env=env)
    index.unlink()
    return git(work, "commit-tree", new_tree, "-p", "HEAD", "-m", "built privately")


def test_publish_moves_branch_index_and_files(work: Path) -> None:
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")
    with open_workspace(str(work)) as ws:
        assert publish(ws, old, new) is None
    assert git(work, "rev-parse", "HEAD") == new
    assert (work / STAGING).read_text() == "published\n"
    assert git(work, "status", "--porcelain") == ""
    assert not (work / ".git" / JOURNAL).exists()


def test_a_branch_that_moved_meanwhile_is_left_alone(work: Path) -> None:
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")
    mine = commit_file(work, "mine.txt", "x\n", "the user committed meanwhile")
    with open_workspace(str(work)) as ws:
        problem = publish(ws, old, new)
    assert problem is not None and "moved while promoter ran" in problem
    assert git(work, "rev-parse", "HEAD") == mine
    assert git(work, "status", "--porcelain") == ""


def test_a_diverged_commit_is_not_published(work: Path) -> None:
    old = git(work, "rev-parse", "HEAD")
    unrelated = git(work, "commit-tree", git(work, "rev-parse", "HEAD^{tree}"), "-m", "orphan")
    with open_workspace(str(work)) as ws:
        problem = publish(ws, old, unrelated)
    assert problem is not None and "git pull --rebase" in problem
    assert git(work, "rev-parse", "HEAD") == old


def test_a_move_killed_halfway_is_finished_by_the_next_run(work: Path) -> None:
    """SIGKILL between moving the branch and updating the index and files: the journal and an
    index lock are left; the next run finishes the move and removes both."""
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")
    (work / ".git" / JOURNAL).write_text(f"main {old} {new}\n")
    git(work, "update-ref", "refs/heads/main", new, old)
    (work / ".git" / "index.lock").write_text("")
    with open_workspace(str(work)):
        pass
    assert git(work, "rev-parse", "HEAD") == new
    assert (work / STAGING).read_text() == "published\n"
    assert git(work, "status", "--porcelain") == ""
    assert not (work / ".git" / JOURNAL).exists()
    assert not (work / ".git" / "index.lock").exists()


def test_a_move_killed_before_the_branch_moved_leaves_everything_as_it_was(work: Path) -> None:
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")
    (work / ".git" / JOURNAL).write_text(f"main {old} {new}\n")
    before = (work / STAGING).read_text()
    with open_workspace(str(work)):
        pass
    assert git(work, "rev-parse", "HEAD") == old
    assert (work / STAGING).read_text() == before
    assert not (work / ".git" / JOURNAL).exists()


def test_publishing_the_same_commit_is_a_no_op(work: Path) -> None:
    head = git(work, "rev-parse", "HEAD")
    write(work, "untracked.txt", "kept\n")
    with open_workspace(str(work)) as ws:
        assert publish(ws, head, head) is None
    assert (work / "untracked.txt").read_text() == "kept\n"
