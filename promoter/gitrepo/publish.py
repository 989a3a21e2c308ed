"""Moving a local working copy to a commit built privately (promoter.gitrepo.private): its branch
first, with a compare-and-swap, then its index and files, as a fast-forward would.

A journal file in the repository's git directory says what is being moved while it is moved. A
run killed in between leaves it behind; the next run (recover) finishes the move, or sees that
the branch never moved, and removes it, together with the index lock the killed git left.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from promoter.errors import GitError
from promoter.gitrepo.command import check
from promoter.gitrepo.workspace import Workspace

JOURNAL = "promoter-publish"


def publish(ws: Workspace, old: str, new: str) -> str | None:
    """Move ws's branch from `old` to `new` (a descendant), then its index and files. None when
    done; else why the local copy was left as it was (the commit itself is not lost)."""
    git = ws.runner.run
    if old == new:
        return None
    if not git("merge-base", "--is-ancestor", old, new).ok:
        return (f"branch {ws.branch} in {ws.where} was left at {old[:12]}: it has diverged from "
                f"the commit promoter made ({new[:12]}); run git pull --rebase")
    journal = _journal(ws)
    _write(journal, f"{ws.branch} {old} {new}\n")
    moved = git("update-ref", "-m", "promoter: fast-forward", f"refs/heads/{ws.branch}", new, old)
    if not moved.ok:
        journal.unlink(missing_ok=True)
        return (f"branch {ws.branch} in {ws.where} moved while promoter ran, so it was left as "
                f"it is; promoter's commit is {new[:12]} (run git pull)")
    _checkout(ws, old, new)
    journal.unlink(missing_ok=True)
    return None


def recover(ws: Workspace) -> None:
    """Finish the move a killed run left half-done, if any."""
    journal = _journal(ws)
    try:
        branch, old, new = journal.read_text().split()
    except (OSError, ValueError):
        return
    (journal.parent / "index.lock").unlink(missing_ok=True)  # the killed git's, if any
    tip = ws.runner.run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}").text.strip()
    current = ws.runner.run("symbolic-ref", "--quiet", "--short", "HEAD").text.strip()
    if tip == new and current == branch:
        _checkout(ws, old, new)
    journal.unlink(missing_ok=True)


def _checkout(ws: Workspace, old: str, new: str) -> None:
    check(ws.runner.run("read-tree", "-m", "-u", old, new),
          f"cannot update the files of {ws.where} to commit {new[:12]}",
          hint=f"the branch is at {new[:12]}; run git reset --keep {new[:12]}")


def _journal(ws: Workspace) -> Path:
    found = check(ws.runner.run("rev-parse", "--git-path", JOURNAL),
                  f"cannot find the git directory of {ws.where}").text.strip()
    path = Path(found)
    return path if path.is_absolute() else ws.root / path


def _write(path: Path, text: str) -> None:
    """Write text to path atomically (a killed run leaves the old file or the new one)."""
    temporary = path.with_name(path.name + ".tmp")
    try:
        with open(temporary, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            temporary.unlink()
        raise GitError(f"cannot write {path} (promoter's journal of the branch move): "
                       f"{exc.strerror}", hint="check that the repository is writable") from exc
