"""gitrepo.publish: a local copy fast-forwarded to a privately built commit in one git process."""

from __future__ import annotations

import signal
from pathlib import Path
from typing import Any

import pytest

from promoter.gitrepo import open_workspace
from promoter.gitrepo.publish import publish
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


def test_an_interrupt_during_the_move_is_delivered_after_it(work: Path) -> None:
    """SIGTERM (as KeyboardInterrupt) arriving while git moves the branch: the move completes,
    then the interrupt is raised; the local copy is never half-moved."""
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")

    def interrupt(_signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        with open_workspace(str(work)) as ws:
            real_run = ws.runner.run

            def run_and_signal(*args: str, **kwargs: Any) -> Any:
                if args[:1] == ("merge",):
                    signal.raise_signal(signal.SIGTERM)  # arrives before the merge starts
                return real_run(*args, **kwargs)

            object.__setattr__(ws.runner, "run", run_and_signal)
            with pytest.raises(KeyboardInterrupt):
                publish(ws, old, new)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert git(work, "rev-parse", "HEAD") == new
    assert (work / STAGING).read_text() == "published\n"
    assert git(work, "status", "--porcelain") == ""


def test_a_dirty_file_in_the_way_leaves_everything_as_it_was(work: Path) -> None:
    old = git(work, "rev-parse", "HEAD")
    new = _commit_elsewhere(work, "published\n")
    write(work, STAGING, "the user's edit\n")
    with open_workspace(str(work), read_only=True) as ws:
        problem = publish(ws, old, new)
    assert problem is not None and "left as it is" in problem
    assert git(work, "rev-parse", "HEAD") == old
    assert (work / STAGING).read_text() == "the user's edit\n"


def test_publishing_the_same_commit_is_a_no_op(work: Path) -> None:
    head = git(work, "rev-parse", "HEAD")
    write(work, "untracked.txt", "kept\n")
    with open_workspace(str(work)) as ws:
        assert publish(ws, head, head) is None
    assert (work / "untracked.txt").read_text() == "kept\n"
