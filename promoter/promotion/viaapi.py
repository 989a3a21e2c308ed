"""--commit-via api: the promotion commit is made on the branch by GitHub (GraphQL
createCommitOnBranch, which GitHub signs) instead of pushed with git.

The change loop commits in its private checkout as always; that commit's parent is the tip the
change was planned on (expectedHeadOid) and its files, byte for byte, are what GitHub is asked
to write, so GitHub's commit has the same tree. A moved branch is a rejected push (the loop plans
again on the new tip); afterwards the private checkout is moved to GitHub's commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any, Protocol

from promoter.config import COMMIT_VIA, load_config
from promoter.errors import GitError, Interrupted, PromoterError, UsageError
from promoter.forge import provider_for
from promoter.forge.github.commits import CreatedCommit, FileChange, GitHubCommits, StaleHead
from promoter.gitrepo import GitRunner, Workspace
from promoter.gitrepo.command import check
from promoter.promotion.options import CommitOptions, RepoOptions

_ASK_TIMEOUT = 30.0  # seconds to ask the remote, after an interrupt, whether the commit is there


@dataclass(frozen=True)
class Landed:
    """The commit the branch got (GitHub's own when made through the API), how, and the
    signature GitHub reports for it (ChangeResult's commit_via and verification)."""

    commit: str
    via: str = "git"
    verification: dict[str, Any] | None = None


class Lander(Protocol):
    """How the promotion commit `sha` (made in the private checkout) reaches the branch."""

    def land(self, ws: Workspace, sha: str, message: str) -> Landed: ...

    def interrupted(self, ws: Workspace, sha: str, branch: str) -> Interrupted: ...


def commit_via(opts: CommitOptions, ws: Workspace, repo: RepoOptions) -> str:
    """--commit-via (PROMOTER_COMMIT_VIA), else commit_via in promoter.yaml, else git."""
    if opts.commit_via is not None:
        if opts.commit_via not in COMMIT_VIA:
            raise UsageError(f"--commit-via must be git or api, got {opts.commit_via!r}")
        return opts.commit_via
    return load_config(ws.root, repo.config).commit_via


@contextmanager
def api_lander(ws: Workspace, repo: RepoOptions, opts: CommitOptions) -> Iterator[ApiCommit]:
    """The API way for ws's GitHub repository, with the token the GitHub token policy gives;
    UsageError (before anything is written, dry run too) when that cannot work."""
    if opts.sign:
        raise UsageError("--sign signs a commit made with git; with --commit-via api GitHub "
                         "makes and signs the commit", hint="drop --sign or --commit-via api")
    if not opts.dry_run and not repo.push:
        raise UsageError("--commit-via api makes the commit on GitHub; it cannot be combined "
                         "with --no-push", hint="use --dry-run to see the change")
    if ws.remote is None:
        raise UsageError(f"--commit-via api: branch {ws.branch} in {ws.where} has no upstream "
                         "on GitHub", hint="pass the repository URL as --repo")
    cfg = load_config(ws.root, repo.config)
    try:
        provider = provider_for(ws.remote_url() or "", cfg, opts.environ)
    except UsageError as exc:
        raise UsageError(f"--commit-via api: {exc.message}", hint=exc.hint) from exc
    try:
        yield ApiCommit(GitHubCommits(provider.api))
    finally:
        provider.shutdown()


class ApiCommit:
    """Lander: createCommitOnBranch with expectedHeadOid = the tip the change was planned on."""

    def __init__(self, commits: GitHubCommits) -> None:
        self._commits = commits

    def land(self, ws: Workspace, sha: str, message: str) -> Landed:
        base = _parent(ws, sha)
        branch = ws.upstream_branch or ws.branch
        try:
            made = self._commits.create(branch, base, message, _changes(ws, base, sha))
        except StaleHead as exc:
            found = _landed(ws, sha, base) if exc.after_retry else None
            if found is None:
                raise
            ws.sync(found)  # a retried request had made the commit after all
            return Landed(found, "api")
        ws.sync(made.oid)
        return Landed(made.oid, "api", _verification(made))

    def interrupted(self, ws: Workspace, sha: str, branch: str) -> Interrupted:
        """Ask the branch whether GitHub made the commit (the request may have arrived)."""
        quick = replace(ws, runner=GitRunner(ws.root, min(ws.runner.timeout, _ASK_TIMEOUT)))
        try:
            found = _landed(quick, sha, _parent(quick, sha))
        except (KeyboardInterrupt, PromoterError):
            return Interrupted(
                f"interrupted while asking GitHub to make the promotion commit on branch "
                f"{branch}; promoter could not ask whether it was made", pushed=None,
                hint=f"check with git ls-remote, or promoter history, whether {branch} has it")
        if found is not None:
            return Interrupted(
                f"interrupted, but GitHub had already made commit {found[:12]} on branch "
                f"{branch}: the change is deployed", pushed=True, commit=found,
                hint="nothing to undo; a local working copy catches up on the next run or "
                "git pull")
        return Interrupted(
            f"interrupted while asking GitHub to make the promotion commit: nothing was "
            f"committed (branch {branch} did not have it when promoter asked)", pushed=False,
            hint="run the command again")


def _verification(made: CreatedCommit) -> dict[str, Any]:
    return {"verified": made.signature_state == "VALID", "state": made.signature_state,
            "signed_by_github": made.signed_by_github, "url": made.url}


def _parent(ws: Workspace, sha: str) -> str:
    return check(ws.runner.run("rev-parse", "--verify", f"{sha}^1"),
                 f"cannot read the parent of commit {sha[:12]}").text.strip()


def _changes(ws: Workspace, base: str, sha: str) -> list[FileChange]:
    """The files `sha` changes against `base`, with their committed bytes (None: deleted)."""
    listing = check(ws.runner.run("diff-tree", "-r", "-z", "--no-renames", "--name-status",
                                  base, sha), f"cannot list the files of commit {sha[:12]}")
    fields = listing.text.split("\0")
    changes: list[FileChange] = []
    for status, path in zip(fields[0::2], fields[1::2], strict=False):
        if status == "D":
            changes.append(FileChange(path, None))
            continue
        blob = check(ws.runner.run("cat-file", "blob", f"{sha}:{path}"),
                     f"cannot read {path} of commit {sha[:12]}")
        changes.append(FileChange(path, blob.stdout))
    if not changes:
        raise GitError(f"internal error: commit {sha[:12]} changes no file",
                       hint="please report this")
    return changes


def _landed(ws: Workspace, sha: str, base: str) -> str | None:
    """The commit on the remote branch made from `sha` (parent `base`, same tree), if any."""
    tip = replace(ws, depth=None).fetch_tip()  # whole from base on: its children keep parents
    tree = check(ws.runner.run("rev-parse", "--verify", f"{sha}^{{tree}}"),
                 f"cannot read the tree of commit {sha[:12]}").text.strip()
    listing = ws.runner.run("rev-list", "--parents", "--ancestry-path", f"{base}..{tip}").text
    for line in listing.splitlines():
        commit, *parents = line.split()
        if parents == [base] and ws.runner.run(
                "rev-parse", "--verify", f"{commit}^{{tree}}").text.strip() == tree:
            return commit
    return None
