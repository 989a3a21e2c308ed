"""Branches on the remote other than the one checked out: the promotion pull request branches
promoter pushes with a lease, reads and deletes; and the check of a branch name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from promoter.errors import GitError, PushRejected, UsageError
from promoter.gitrepo.command import GitRunner, check, detail
from promoter.gitrepo.rejection import push_rejection, remote_said, retryable

if TYPE_CHECKING:
    from promoter.gitrepo.workspace import Workspace


def check_branch_name(branch: str, *, timeout: float) -> None:
    """UsageError unless branch is a valid branch name (git check-ref-format --branch)."""
    valid = not branch.startswith("-") and GitRunner(None, timeout).run(
        "check-ref-format", "--branch", branch).ok
    if not valid:
        raise UsageError(f"{branch!r} is not a valid branch name",
                         hint="pass an existing branch with --branch")


class Branches:
    """Remote branches next to a workspace's own (`Workspace.branches`)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def push_branch(self, branch: str, *, expect: str | None) -> None:
        """Push HEAD to refs/heads/BRANCH, replacing it only if it is still at `expect`
        (None: it must not exist yet). For promotion pull request branches."""
        ws = self._ws
        if ws.remote is None:
            raise GitError(f"branch {ws.branch} in {ws.where} has no remote to push to")
        check_branch_name(branch, timeout=ws.runner.timeout)
        ref = f"refs/heads/{branch}"
        lease = f"--force-with-lease={ref}:{expect or ''}"
        result = ws.runner.run("push", "--porcelain", lease, "--", ws.remote, f"HEAD:{ref}",
                               remote=ws.remote)
        if result.ok:
            return
        where = f"{ws.runner.describe(ws.remote)} branch {branch}"
        rejection = push_rejection(result.text) or detail(result)
        raise PushRejected(f"push to {where} was rejected: {rejection}",
                           retryable=retryable(rejection, remote_said(result.stderr_text)),
                           hint="someone else pushed to the promotion branch; run again")

    def remote_branch_sha(self, branch: str) -> str | None:
        """The commit refs/heads/BRANCH points at on the remote now; None when it does not
        exist."""
        ws = self._ws
        if ws.remote is None:
            raise GitError(f"branch {ws.branch} in {ws.where} has no remote to read")
        ref = f"refs/heads/{branch}"
        result = ws.runner.run("ls-remote", "--", ws.remote, ref, remote=ws.remote)
        if not result.ok:
            raise GitError(f"cannot read branch {branch} on {ws.runner.describe(ws.remote)}: "
                           f"{detail(result)}", hint="check network access and credentials")
        for line in result.text.splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def delete_remote_branch(self, branch: str, *, expect: str) -> None:
        """Delete refs/heads/BRANCH on the remote only if it still points at `expect` (a
        promotion branch promoter pushed and no pull request took)."""
        ws = self._ws
        if ws.remote is None:
            return
        ref = f"refs/heads/{branch}"
        result = ws.runner.run("push", "--porcelain", f"--force-with-lease={ref}:{expect}", "--",
                               ws.remote, f":{ref}", remote=ws.remote)
        if not result.ok:
            reason = push_rejection(result.text) or detail(result)
            raise GitError(f"cannot delete branch {branch} on {ws.runner.describe(ws.remote)}: "
                           f"{reason}", hint="check network access and credentials")

    def fetch(self, branch: str) -> str:
        """Fetch refs/heads/BRANCH from the remote (no local branch changes) and return the
        commit it points at, whose content can then be read (Log.file_at)."""
        ws = self._ws
        if ws.remote is None:
            raise GitError(f"branch {ws.branch} in {ws.where} has no remote to fetch from")
        depth = [f"--depth={ws.depth}"] if ws.depth is not None else []
        result = ws.runner.run("fetch", "--quiet", "--no-tags", *depth, "--", ws.remote,
                               f"refs/heads/{branch}", remote=ws.remote)
        if not result.ok:
            raise GitError(f"cannot fetch branch {branch} from "
                           f"{ws.runner.describe(ws.remote)}: {detail(result)}",
                           hint="check network access and credentials")
        return check(ws.runner.run("rev-parse", "--verify", "FETCH_HEAD^{commit}"),
                     "cannot read the fetched commit").text.strip()
