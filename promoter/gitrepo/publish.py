"""Moving a local working copy to a commit built privately (promoter.gitrepo.private): one
fast-forward, as `git pull` would make it.

The branch, index and files move in ONE git process (`git merge --ff-only`), started in its own
process group and run to its end even when promoter is interrupted (a SIGTERM is delivered after
it; a SIGKILL of promoter does not reach it). So no run, however it ends, leaves the local copy
half-moved.
"""

from __future__ import annotations

from promoter.gitrepo.command import detail
from promoter.gitrepo.workspace import Workspace
from promoter.process import deferred_interrupts


def publish(ws: Workspace, old: str, new: str) -> str | None:
    """Fast-forward ws's branch from `old` to `new` (a descendant), with its index and files.
    None when done; else why the local copy was left as it was (the commit itself is not lost:
    it is on the remote, or named in the reason)."""
    git = ws.runner.run
    if old == new:
        return None
    if not git("merge-base", "--is-ancestor", old, new).ok:
        return (f"branch {ws.branch} in {ws.where} was left at {old[:12]}: it has diverged from "
                f"the commit promoter made ({new[:12]}); run git pull --rebase")
    if git("rev-parse", "--verify", "--quiet", "HEAD").text.strip() != old:
        return _moved(ws, new)
    with deferred_interrupts():
        done = git("merge", "--ff-only", "--quiet", "--no-verify-signatures", new)
    if done.ok:
        return None
    return f"{_moved(ws, new)}: {detail(done)}"


def _moved(ws: Workspace, new: str) -> str:
    return (f"branch {ws.branch} in {ws.where} moved while promoter ran, so it was left as it "
            f"is; promoter's commit is {new[:12]} (run git pull)")
