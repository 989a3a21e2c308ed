"""Where a change is built: somewhere private, so the user's files, index and branch are not
touched until the commit is complete.

For a temporary clone that is the clone itself. For a local working copy it is a scratch
checkout: a detached git worktree of the same repository in a private directory (its own index,
its own HEAD, the shared object store and remote configuration). The commit is made and pushed
from there; promoter.gitrepo.publish then moves the local branch to it. A killed run leaves only
the private directory, which the next run removes (promoter.gitrepo.tempdirs), and a worktree
registration that `git worktree prune` drops.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

from promoter.gitrepo.command import GitRunner, check
from promoter.gitrepo.tempdirs import PREFIX, private_dir
from promoter.gitrepo.workspace import Workspace
from promoter.process import deferred_interrupts


@contextlib.contextmanager
def private_workspace(ws: Workspace, start: str = "HEAD") -> Iterator[Workspace]:
    """ws itself when it is a temporary clone; else a scratch checkout of `start`, removed (and
    unregistered) when the block ends."""
    if ws.temporary:
        yield ws
        return
    with private_dir() as parent:
        tree = parent / "tree"
        check(ws.runner.run("worktree", "add", "--quiet", "--detach", str(tree), start),
              f"cannot make a private checkout of {ws.where}",
              hint="check that the repository is writable and has room")
        try:
            yield _scratch(ws, tree)
        finally:
            with deferred_interrupts():
                ws.runner.run("worktree", "remove", "--force", "--force", str(tree))
                ws.runner.run("worktree", "prune")


def _scratch(ws: Workspace, tree: Path) -> Workspace:
    """A Workspace for the scratch checkout: private (it may be reset at will), pushing to ws's
    upstream branch, named in messages as ws is."""
    return replace(ws, root=tree, temporary=True, depth=None,
                   runner=GitRunner(tree, ws.runner.timeout))


def sweep_worktrees(ws: Workspace) -> None:
    """Forget the scratch checkouts of runs that were killed: their directories are gone (the
    next run's sweep removed them) but git still lists them, possibly locked mid-creation."""
    if ws.temporary:
        return
    listing = ws.runner.run("worktree", "list", "--porcelain", "-z").text
    ours = Path(tempfile.gettempdir())
    for record in listing.split("\0\0"):
        path = _field(record, "worktree")
        if path is None or Path(path).exists():
            continue
        if Path(path).parent.parent == ours and Path(path).parent.name.startswith(PREFIX):
            ws.runner.run("worktree", "unlock", path)
    ws.runner.run("worktree", "prune")


def _field(record: str, name: str) -> str | None:
    for line in record.split("\0"):
        key, _, value = line.partition(" ")
        if key == name:
            return value
    return None
