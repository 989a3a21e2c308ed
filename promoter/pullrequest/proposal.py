"""Proposing a promotion: the same change as promote/rollback, committed on the environment's
promotion branch and opened (or updated) as a pull request instead of pushed to the branch.

One open promotion pull request per environment, on one fixed branch, promoter/ENV/promotion.
When one is open, its branch is replaced by the new promotion commit (force-with-lease on the
head it had) and its title and body are refreshed: the newest promotion supersedes. Concurrent
runs for one environment meet on that branch: a run whose lease fails, or whose pull request
the forge refuses because another run opened it meanwhile, looks again and updates that one.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from promoter.config import AUTO_MERGE_METHODS, Config, load_config
from promoter.errors import ForgeError, GitError, PromoterError, PushRejected, UsageError
from promoter.forge import (
    Draft,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
    pr_body,
    provider_for,
)
from promoter.gitrepo import Workspace, open_workspace
from promoter.kustomize.render import render
from promoter.promotion import (
    ChangeResult,
    CommitOptions,
    Plan,
    Planner,
    RepoOptions,
    commit_kept,
    commit_message,
    edited,
    interrupted_push,
    preview,
    settled,
)
from promoter.promotion.approval import ApprovalGate, approval_line
from promoter.promotion.waiting import ready_plan
from promoter.pullrequest.branches import branch_prefix, promotion_branch
from promoter.pullrequest.session import ProviderFactory, clone_target, forge_session
from promoter.retry import RetryPolicy
from promoter.trailers import split_source


@dataclass(frozen=True)
class _Proposal:
    """Everything a promotion pull request is made of, ready before anything is pushed."""

    environment: str
    branch: str  # promoter/ENV/promotion
    base: str
    sha: str  # the promotion commit
    title: str
    body: str
    labels: Sequence[str]
    reviewers: Sequence[str]
    team_reviewers: Sequence[str]


@dataclass(frozen=True)
class _Published:
    pr: PullRequest
    branch: str
    updated: bool  # False: this run opened the pull request
    warnings: tuple[str, ...]
    auto_merge: str | None = None  # the method auto-merge was enabled with

    def info(self) -> dict[str, Any]:
        return {"number": self.pr.number, "url": self.pr.url, "branch": self.branch,
                "base": self.pr.base_branch, "updated": self.updated, "title": self.pr.title,
                "auto_merge": self.auto_merge, "warnings": list(self.warnings)}


@dataclass
class _Progress:
    """What earlier attempts of one run did: opened the pull request, and its warnings."""

    opened: bool = False
    warnings: list[str] = field(default_factory=list)


def propose(repo: RepoOptions, opts: CommitOptions, action: str, planner: Planner, *,
            provider_factory: ProviderFactory = provider_for) -> ChangeResult:
    """Commit the change on promoter/ENV/promotion and open or update its pull request.

    The result's pull_request holds number, url, branch, base, updated, title and warnings
    (what could not be done on an opened pull request, each saying what to do instead).
    """
    opts = _checked(repo, opts)
    url, branch = clone_target(repo)
    approvals = ApprovalGate(opts)
    with open_workspace(url, branch, push=not opts.dry_run) as ws:
        plan = ready_plan(ws, settled(planner, action, opts),
                          lambda: load_config(ws.root, repo.config), opts)
        cfg = load_config(ws.root, repo.config)
        if opts.dry_run:
            return approvals.noted(approvals.approved(
                _preview(ws, cfg, plan, action, opts, provider_factory), plan))
        overlay = plan.environment.path
        rendered_before = render(ws.root, overlay)
        with edited(ws, plan, action) as (result, edits):
            if not result.changed:
                return result
            result = approvals.approved(result, plan)
            plan = replace(plan, approval=result.approval)
            rendered = _unified(rendered_before, render(ws.root, overlay), f"rendered {overlay}")
            message = commit_message(plan, action, result.images, opts)
            with forge_session(provider_factory, ws, cfg, opts.environ) as provider:
                sha = commit_kept(ws, edits, message, sign=opts.sign)
                proposal = _Proposal(
                    environment=result.environment,
                    branch=promotion_branch(plan.environment.name), base=ws.branch, sha=sha,
                    title=message.splitlines()[0], body=_body(result, rendered, opts.environ),
                    labels=cfg.pr.labels, reviewers=cfg.pr.reviewers,
                    team_reviewers=cfg.pr.team_reviewers)
                published = _publish(ws, provider, proposal, opts)
                method = opts.auto_merge or cfg.pr.auto_merge
                if method is not None:
                    published = _auto_merge(provider, published, method)
        return approvals.noted(replace(result, commit=sha, pushed=True, message=message,
                                       pull_request=published.info()))


def _checked(repo: RepoOptions, opts: CommitOptions) -> CommitOptions:
    """The options of a --pr change, with the --reason cleaned (UsageError for what cannot
    be)."""
    if not repo.push and not opts.dry_run:
        raise UsageError("--pr pushes a branch; drop --no-push, or use --dry-run",
                         hint="--dry-run shows the change without committing or pushing")
    if opts.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {opts.max_attempts}")
    if opts.auto_merge is not None and opts.auto_merge not in AUTO_MERGE_METHODS:
        raise UsageError(f"--auto-merge {opts.auto_merge!r} is not a merge method",
                         hint=f"use one of {', '.join(AUTO_MERGE_METHODS)}")
    return opts.policy_checked()


def _preview(ws: Workspace, cfg: Config, plan: Plan, action: str, opts: CommitOptions,
             provider_factory: ProviderFactory) -> ChangeResult:
    """A dry run fails where the real run would before it touches the remote: the edit is
    verified in the throwaway clone, and for a change the provider is chosen as the real run
    chooses it (token, repository, API URL), without a request."""
    result = preview(ws, plan, action)
    if result.changed:
        with forge_session(provider_factory, ws, cfg, opts.environ):
            pass
    return result


def _body(result: ChangeResult, rendered_diff: str, environ: Mapping[str, str]) -> str:
    source, source_commit = split_source(result.source)
    return pr_body(
        environment=result.environment, source=source, source_commit=source_commit,
        images=[d for d in result.images if d.changed],
        build_url=environ.get("CIRCLE_BUILD_URL"),
        overlay_diff=result.diff, rendered_diff=rendered_diff, action=result.action,
        approval=approval_line(result.approval),
    )


def _unified(before: str, after: str, label: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{label}", f"b/{label}")
    return "".join(lines)


def _publish(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
             opts: CommitOptions) -> _Published:
    """Push the commit and open or update the pull request; again (after a jittered pause)
    while another run for the same environment gets in between, at most opts.max_attempts
    times."""
    progress = _Progress()
    for _attempt in RetryPolicy(attempts=opts.max_attempts, sleep=opts.sleep).tries():
        try:
            published = _publish_once(ws, provider, proposal, progress)
        except KeyboardInterrupt as exc:  # say whether the promotion branch got the commit
            raise interrupted_push(ws, proposal.sha, proposal.branch) from exc
        if published is not None:
            return published
    raise GitError(
        f"the promotion branch {proposal.branch} kept changing while promoter published commit "
        f"{proposal.sha} ({opts.max_attempts} attempts): another run for "
        f"{proposal.environment} is publishing at the same time",
        hint="run promoter pr-status to see which commit the pull request has; run again or "
        "raise --max-attempts",
    )


def _publish_once(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
                  progress: _Progress) -> _Published | None:
    """One attempt; None when another run got in between and it must be tried again."""
    existing = provider.find_open(head_prefix=branch_prefix(proposal.environment),
                                  base=proposal.base)
    target = existing.head_branch if existing else proposal.branch
    # No open pull request: the branch may be left from a closed or merged one; replace it.
    expect = existing.head_sha if existing else ws.branches.remote_branch_sha(target)
    try:
        ws.branches.push_branch(target, expect=expect)
    except PushRejected as exc:
        if exc.retryable:  # another run pushed to the branch in between
            return None
        raise
    if existing is None:
        pr = _open(ws, provider, proposal, target, progress.warnings)
        if pr is None:
            return None
        progress.opened = True
    else:
        pr = _update(provider, existing.number, proposal, target)
    if ws.branches.remote_branch_sha(target) != proposal.sha:
        return None  # pushed over after our push: the title and body may be the other run's
    return _Published(pr, target, not progress.opened, tuple(progress.warnings))


def _auto_merge(provider: PullRequestProvider, published: _Published,
                method: str) -> _Published:
    """Enable auto-merge on the pull request; when GitHub will not, the pull request is kept
    and a warning says why."""
    try:
        provider.enable_auto_merge(published.pr.number, method)
    except ForgeError as exc:
        warning = (f"{exc.message.rstrip('.')}; the pull request is open without auto-merge: "
                   "merge it yourself (or with promoter pr-status --merge), or allow auto-merge "
                   "in the repository settings")
        return replace(published, warnings=(*published.warnings, warning))
    return replace(published, auto_merge=method)


def _open(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
          branch: str, warnings: list[str]) -> PullRequest | None:
    try:
        return provider.open_pull_request(Draft(
            head=branch, base=proposal.base, title=proposal.title, body=proposal.body,
            labels=proposal.labels, reviewers=proposal.reviewers,
            team_reviewers=proposal.team_reviewers))
    except PullRequestExists:
        return None  # another run opened it since find_open: update that one
    except PullRequestIncomplete as exc:
        warnings.extend(exc.problems)  # it is open: keep it and its branch
        return exc.pull_request
    except PromoterError as exc:
        left = _cleanup(ws, provider, proposal, branch)
        if left is None:
            raise
        raise _same_kind(exc)(
            f"{exc.message} (and the pushed branch {branch} could not be removed: {left})",
            hint=exc.hint) from exc


def _update(provider: PullRequestProvider, number: int, proposal: _Proposal,
            branch: str) -> PullRequest:
    try:
        return provider.update_pull_request(number, title=proposal.title, body=proposal.body)
    except PromoterError as exc:
        raise _same_kind(exc)(
            f"{exc.message}; branch {branch} now has commit {proposal.sha}, but pull request "
            f"#{number} still shows the previous title and body",
            hint=(f"{exc.hint}; then " if exc.hint else "")
            + "run the same command again to refresh the title and body") from exc


def _cleanup(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
             branch: str) -> PromoterError | None:
    """Remove the pushed branch when no pull request uses it and nobody pushed to it since;
    what went wrong doing so, if anything."""
    try:
        if provider.find_open(head_prefix=branch, base=proposal.base) is None:
            ws.branches.delete_remote_branch(branch, expect=proposal.sha)
    except PromoterError as problem:
        return problem
    return None


def _same_kind(exc: PromoterError) -> type[PromoterError]:
    """The class of a new error that adds context to `exc`: its own class, or (when that takes
    more than a message and a hint) its nearest base that does; the exit code stays."""
    for cls in type(exc).__mro__:
        if issubclass(cls, PromoterError) and cls.__init__ is PromoterError.__init__:
            return cls
    return PromoterError
