"""The change loop: plan on the branch tip, edit the overlay byte-exactly, render and verify it,
commit with trailers, push. When the push is rejected because the branch moved, the workspace
moves to the new tip and the change is planned and applied again there (not a textual rebase),
after a jittered pause (promoter.retry).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager, nullcontext
from dataclasses import dataclass, field, replace

from promoter.config import load_config
from promoter.errors import (
    Interrupted,
    PolicyError,
    PromoterError,
    ProtectedBranch,
    PushRejected,
    UsageError,
)
from promoter.filesession import FileSession, file_session
from promoter.forge.protection import explain_protection
from promoter.gitrepo import GitRunner, Workspace, is_url, open_workspace
from promoter.gitrepo.private import private_workspace
from promoter.gitrepo.publish import publish
from promoter.gitrepo.signing import check_signing, signing_key
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageDelta, deltas
from promoter.kustomize.files import FileEdit
from promoter.kustomize.session import EditSession, edit_session
from promoter.kustomize.verify import set_images_verified
from promoter.promotion.approval import ApprovalGate
from promoter.promotion.guards import settled
from promoter.promotion.options import CommitOptions, RepoOptions
from promoter.promotion.results import ChangeResult, Plan, Planner
from promoter.promotion.versions import kustomization_rel, read_entries
from promoter.promotion.viaapi import Landed, Lander, api_lander, commit_via
from promoter.promotion.waiting import ready_plan
from promoter.trailers import ImageTrailer, Record, ci_metadata, format_message

_ASK_TIMEOUT = 30.0  # seconds to ask the remote, after an interrupt, whether a push arrived


def change(repo: RepoOptions, opts: CommitOptions, action: str, planner: Planner, *,
           depth: int | None = None, guarded: bool = True) -> ChangeResult:
    """Plan on the branch tip, edit, verify, commit and push; again on the new tip (after a
    jittered pause) while the push is rejected because the branch moved.

    Every plan meets the freeze and hold rules on its tip (promotion.guards); only `diff`,
    which shows what promote would change and changes nothing, passes guarded=False.
    Everything happens in a private checkout (the temporary clone, or a scratch checkout of a
    local working copy); a local copy is moved to the finished commit only at the end."""
    opts = checked_options(repo, opts)
    if guarded:
        planner = settled(planner, action, opts)
    push = repo.push and not opts.dry_run
    progress, approvals = _Progress(), ApprovalGate(opts)
    try:
        with open_workspace(repo.repo, repo.branch, push=push, depth=depth,
                            read_only=opts.dry_run) as ws, landing(ws, repo, opts) as lander:
            start = ws.head()
            progress.lander = lander
            try:
                with private_workspace(ws) as work:
                    result = _attempts(work, opts, action, planner, repo.config, progress,
                                       approvals)
                    end = work.head()
                done = result if opts.dry_run else _published(ws, start, end, result)
                return approvals.noted(done)
            except KeyboardInterrupt as exc:
                raise progress.interrupted(ws) from exc
    except KeyboardInterrupt as exc:  # while opening, or while removing the temporary clone
        raise progress.interrupted(None) from exc


def checked_options(repo: RepoOptions, opts: CommitOptions) -> CommitOptions:
    """opts, checked before anything is read or written: UsageError for a bad count, a
    --no-push that would lose the commit, Promoter-* lines in --message, an override without
    a reason, a malformed PROMOTER_NOW. The overrides' reason comes back cleaned."""
    if opts.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {opts.max_attempts}")
    if is_url(repo.repo) and not repo.push and not opts.dry_run:
        raise UsageError(
            "--no-push with a repository URL would throw the commit away with the temporary clone",
            hint="use --dry-run to see the change, or run in a local working copy",
        )
    check_message(opts.message)
    return opts.policy_checked()


@contextmanager
def landing(ws: Workspace, repo: RepoOptions, opts: CommitOptions) -> Iterator[Lander]:
    """How the commit will reach the branch (git push, or the GitHub API), once everything it
    needs is checked: the local copy, the signing key (--sign), GitHub's token (api)."""
    if not opts.dry_run:
        check_local_copy(ws)
    via_api = commit_via(opts, ws, repo) == "api"
    if opts.sign and not via_api:  # (api_lander refuses --sign)
        if opts.dry_run:
            signing_key(ws)  # configured; the dry run signs nothing
        else:
            check_signing(ws)
    with api_lander(ws, repo, opts) if via_api else nullcontext(GitPush()) as lander:
        yield lander


class GitPush:
    """Lander: the commit reaches the branch with git push."""

    def land(self, ws: Workspace, sha: str, message: str) -> Landed:
        ws.push_upstream()
        return Landed(sha)

    def interrupted(self, ws: Workspace, sha: str, branch: str) -> Interrupted:
        return interrupted_push(ws, sha, branch)


@dataclass
class _Progress:
    """How far a change got: what an interrupt message must say."""

    pushing: str | None = None  # the commit a push was started for
    branch: str = ""
    pushed: bool = False  # the push of `pushing` returned successfully
    lander: Lander | None = None  # how it is pushed: which asks the remote after an interrupt

    def interrupted(self, ws: Workspace | None) -> Interrupted:
        if self.pushing is None:
            return Interrupted("interrupted; nothing was pushed, and nothing was left behind",
                               pushed=False)
        if not self.pushed:
            if ws is not None:
                lander = self.lander or GitPush()
                return lander.interrupted(ws, self.pushing, self.branch)
            return Interrupted(
                f"interrupted after a push of commit {self.pushing[:12]} to branch "
                f"{self.branch} was started; promoter could not ask the remote whether it "
                "arrived", pushed=None, commit=self.pushing,
                hint=f"check with git ls-remote, or promoter history, whether {self.branch} "
                "has it")
        return Interrupted(
            f"interrupted after commit {self.pushing[:12]} reached the remote (branch "
            f"{self.branch}): the change is deployed", pushed=True, commit=self.pushing,
            hint="nothing to undo; a local working copy catches up on the next run or git pull")


def _published(ws: Workspace, start: str, end: str, result: ChangeResult) -> ChangeResult:
    """A local copy moved to where the private checkout ended (the commit made there, or the
    remote tip it caught up with); a temporary clone as it is."""
    if ws.temporary:
        return result
    problem = publish(ws, start, end)
    return result if problem is None else replace(result, notes=(*result.notes, problem))


def _attempts(ws: Workspace, opts: CommitOptions, action: str, planner: Planner,
              config: str | None, progress: _Progress, approvals: ApprovalGate) -> ChangeResult:
    for attempt in opts.retry_policy().tries():
        if attempt.number > 1:
            ws.sync()  # after the pause: plan again on the freshest tip
        plan = ready_plan(ws, planner, lambda: load_config(ws.root, config), opts)
        try:
            result = _attempt(ws, plan, action, opts, attempt.number, progress, approvals)
        except ProtectedBranch as exc:  # not retried; say which rule refused it
            cfg = load_config(ws.root, config)
            raise explain_protection(exc, ws.remote_url() or "", cfg, opts.environ) from exc
        if result is not None:
            return result
    raise PushRejected(
        f"the push was rejected {opts.max_attempts} times because the branch kept moving",
        retryable=True,
        hint="raise --max-attempts (PROMOTER_MAX_ATTEMPTS) or re-run the job",
    )


def _attempt(ws: Workspace, plan: Plan, action: str, opts: CommitOptions,
             attempt: int, progress: _Progress, approvals: ApprovalGate) -> ChangeResult | None:
    """One plan-edit-commit-push in the private checkout. None means: rejected because the
    branch moved, try again. A change is checked by the ApprovalGate before it is committed."""
    if opts.dry_run:
        return approvals.approved(preview(ws, plan, action, attempt), plan)
    with edited(ws, plan, action, attempt) as (base, edits):
        if not base.changed:
            return base
        base = approvals.approved(base, plan)
        plan = replace(plan, approval=base.approval)
        message = commit_message(plan, action, base.images, opts)
        sha = commit_kept(ws, edits, message, sign=opts.sign)
    if not ws.will_push:
        return replace(base, commit=sha, message=message)
    progress.pushing, progress.branch = sha, ws.upstream_branch or ws.branch
    try:
        landed = (progress.lander or GitPush()).land(ws, sha, message)
    except PushRejected as exc:
        if exc.retryable:
            progress.pushing = None  # the remote refused it: nothing of it arrived
            return None  # the branch moved: the caller syncs (dropping this commit) and retries
        raise
    progress.pushing, progress.pushed = landed.commit, True
    return replace(base, commit=landed.commit, pushed=True, message=message,
                   commit_via=landed.via, verification=landed.verification)


def interrupted_push(ws: Workspace, sha: str, branch: str | None = None) -> Interrupted:
    """What to say when an interrupt stopped a push of `sha` to `branch` (default: the
    upstream branch): ask the remote whether the commit is there (the push was killed, but the
    remote may have taken it before)."""
    branch = branch or ws.upstream_branch or ws.branch
    quick = replace(ws, runner=GitRunner(ws.root, min(ws.runner.timeout, _ASK_TIMEOUT)))
    try:
        there = quick.branches.remote_branch_sha(branch)
    except (KeyboardInterrupt, PromoterError):
        return Interrupted(
            f"interrupted while pushing commit {sha[:12]} to branch {branch}; promoter could "
            "not ask the remote whether it arrived", pushed=None, commit=sha,
            hint=f"check with git ls-remote, or promoter history, whether {branch} has it")
    if there == sha:
        return Interrupted(
            f"interrupted, but commit {sha[:12]} had already reached the remote (branch "
            f"{branch}): the change is deployed", pushed=True, commit=sha,
            hint="nothing to undo; a local working copy catches up on the next run or git pull")
    return Interrupted(
        f"interrupted while pushing: nothing was pushed (the remote did not have commit "
        f"{sha[:12]} when promoter asked; branch {branch} is at {(there or 'nothing')[:12]})",
        pushed=False, commit=sha, hint="run the command again")


@dataclass
class Edits:
    """The files one change edits, each in its session, and what was done to each."""

    sessions: list[EditSession | FileSession] = field(default_factory=list)
    files: list[FileEdit] = field(default_factory=list)

    def add(self, session: EditSession | FileSession, edit: FileEdit) -> None:
        self.sessions.append(session)
        self.files.append(edit)

    @property
    def changed(self) -> list[FileEdit]:
        return [edit for edit in self.files if edit.changed]

    def keep(self) -> None:
        for session in self.sessions:
            session.keep()


@contextmanager
def edited(ws: Workspace, plan: Plan, action: str,
           attempt: int = 1) -> Iterator[tuple[ChangeResult, Edits]]:
    """The plan applied in ws: the overlay edited, rendered and verified (when the plan changes
    images) and the other files written or removed, each in its session: leaving the block
    restores them all unless commit_kept() committed them."""
    with ExitStack() as stack:
        edits = Edits()
        images: tuple[ImageDelta, ...] = ()
        if plan.changes:
            images = _edit_overlay(ws, plan, stack, edits)
        for wanted in plan.files:
            ws.ensure_clean([wanted.label])
            session = stack.enter_context(file_session(ws.root, wanted.label))
            edits.add(session, session.apply(wanted.text))
        yield _result(plan, action, images, edits, attempt), edits


def _edit_overlay(ws: Workspace, plan: Plan, stack: ExitStack,
                  edits: Edits) -> tuple[ImageDelta, ...]:
    rel = kustomization_rel(ws, plan.environment)
    ws.ensure_clean([rel])
    before = read_entries(ws, rel)
    session = stack.enter_context(edit_session(ws.root / rel, label=rel))
    edit = set_images_verified(ws.root, plan.environment.path, plan.changes)
    edits.add(session, edit)
    return deltas(plan.changes, before, read_images(edit.after, source=rel))


def commit_kept(ws: Workspace, edits: Edits, message: str, *, sign: bool = False) -> str:
    """Commit the changed files of the sessions (signed with the user's key when `sign`); from
    then on the edits are kept."""
    sha = ws.commit([edit.label for edit in edits.changed], message, sign=sign)
    edits.keep()
    return sha


def preview(ws: Workspace, plan: Plan, action: str, attempt: int = 1) -> ChangeResult:
    """A dry run edits, renders and verifies exactly like the real run, in a private
    checkout, where the sessions restore every file: it fails where the real run would
    fail, and changes nothing."""
    with private_workspace(ws) as work, edited(work, plan, action, attempt) as (result, _):
        return replace(result, dry_run=True)


def _result(plan: Plan, action: str, images: tuple[ImageDelta, ...], edits: Edits,
            attempt: int) -> ChangeResult:
    changed = edits.changed
    path = (edits.files[0].label if edits.files
            else plan.held.path if plan.held else plan.environment.path)
    return ChangeResult(plan.environment.name, action, bool(changed), None, False, images,
                        "".join(edit.diff() for edit in changed), path, plan.source,
                        attempts=attempt, hold=plan.held, overrides=plan.overrides,
                        gate=plan.gate.to_json() if plan.gate is not None else None)


def commit_message(plan: Plan, action: str, changed: Sequence[ImageDelta],
                   opts: CommitOptions) -> str:
    meta = ci_metadata(opts.environ)
    placed = plan.placed_hold
    record = Record(
        action=action,
        environment=plan.environment.name,
        images=tuple(ImageTrailer(d.name, d.new_tag, d.new_digest) for d in changed if d.changed),
        source=plan.source,
        build_url=meta.get("build_url"),
        workflow_id=meta.get("workflow_id"),
        triggered_by=meta.get("triggered_by"),
        hold=placed.reason if placed else None,
        gates=plan.gate.gates if plan.gate is not None else (),
        soak=plan.gate.soak_text if plan.gate is not None else None,
        approvals=plan.approval.approvers if plan.approval else (),
        overrides=(*plan.overrides, *(plan.approval.overrides() if plan.approval else ())),
    )
    return format_message(record, body=_with_renames(opts.message, changed), skip_ci=opts.skip_ci)


def _with_renames(body: str | None, changed: Sequence[ImageDelta]) -> str | None:
    """The message body, with a line saying which images now point to another name."""
    renames = [f"{d.name} now points to {d.new_new_name or d.name} (was "
               f"{d.old_new_name or d.name})" for d in changed if d.renamed]
    if not renames:
        return body
    note = f"New image name: {'; '.join(renames)}."
    return f"{body.strip()}\n\n{note}" if body and body.strip() else note


def check_local_copy(ws: Workspace) -> None:
    """A local copy is verified and pushed as it is: it must hold nothing but what is committed
    and pushed, else kustomize would render uncommitted files and the push would carry the
    user's own unpushed commits."""
    if ws.temporary:
        return
    try:
        ws.ensure_clean(["."])
    except PolicyError as exc:
        raise PolicyError(
            f"{exc.message}; kustomize renders the working copy, so promoter only works on a "
            "clean one",
            hint="commit, stash or discard those changes, or pass the repository URL as --repo",
        ) from exc
    ahead = ws.unpushed_commits() if ws.will_push else []
    if ahead:
        raise PolicyError(
            f"branch {ws.branch} in {ws.root} has {len(ahead)} commit(s) not on "
            f"{ws.remote}/{ws.upstream_branch} ({ahead[0][:12]}…); promoter would push them too",
            hint="push or reset them first, or pass the repository URL as --repo",
        )


def check_message(message: str | None) -> None:
    if message and re.search(r"(?im)^\s*\*?\s*promoter-[a-z-]+\s*:", message):
        raise UsageError(
            "--message may not contain Promoter-* lines: promoter writes those trailers itself",
            hint="say why in plain text; promoter records what, where and from which build",
        )
