"""Promotion pull requests: the same change as promote/rollback, proposed for review instead of
pushed to the branch; and the state of that pull request (wait for it, merge it).

One open promotion pull request per environment, on one fixed branch, promoter/ENV/promotion.
When one is open, its branch is replaced by the new promotion commit (force-with-lease on the
head it had) and its title and body are refreshed: the newest promotion supersedes. Concurrent
runs for one environment meet on that branch: a run whose lease fails, or whose pull request
GitHub refuses because another run opened it meanwhile, looks again and updates that one.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from promoter.config import Config, load_config
from promoter.errors import ExitCode, GitError, PromoterError, PushRejected, UsageError
from promoter.forge import (
    GitHubProvider,
    ImageRow,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
    PullRequestStatus,
    api_url_from_remote_url,
    pr_body,
    repository_from_remote_url,
    token_from_env,
)
from promoter.forge.github import DEFAULT_API_URL, remote_host
from promoter.gitrepo import Workspace, backoff_delays, is_url, open_workspace
from promoter.kustomize.render import render
from promoter.promotion import (
    ChangeResult,
    CommitOptions,
    Planner,
    RepoOptions,
    commit_kept,
    commit_message,
    edited,
    preview,
)
from promoter.sanitize import redact
from promoter.trailers import split_source

BRANCH_PREFIX = "promoter"
BRANCH_LEAF = "promotion"
ProviderFactory = Callable[[Workspace, Config, Mapping[str, str]], PullRequestProvider]


def branch_prefix(environment: str) -> str:
    """promoter/ENV/: every promotion pull request branch of ENV (older versions of promoter
    named one branch per promotion under it), and nothing of another environment."""
    return f"{BRANCH_PREFIX}/{environment}/"


def promotion_branch(environment: str) -> str:
    """promoter/ENV/promotion, the branch of ENV's promotion pull request."""
    if ".." in environment or environment.endswith((".", ".lock")) or environment.startswith("."):
        raise UsageError(
            f"environment name {environment!r} cannot be part of a git branch name "
            f"({branch_prefix(environment)}{BRANCH_LEAF})",
            hint="rename the environment in promoter.yaml: no '..', not starting with '.', not "
            "ending in '.' or '.lock'",
        )
    return branch_prefix(environment) + BRANCH_LEAF


# --------------------------------------------------------------------------- propose


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

    def info(self) -> dict[str, Any]:
        return {"number": self.pr.number, "url": self.pr.url, "branch": self.branch,
                "base": self.pr.base_branch, "updated": self.updated, "title": self.pr.title,
                "warnings": list(self.warnings)}


@dataclass
class _Progress:
    """What earlier attempts of one run did: opened the pull request, and its warnings."""

    opened: bool = False
    warnings: list[str] = field(default_factory=list)


def propose(repo: RepoOptions, opts: CommitOptions, action: str, planner: Planner, *,
            provider_factory: ProviderFactory | None = None) -> ChangeResult:
    """Commit the change on promoter/ENV/promotion and open or update its pull request.

    The result's pull_request holds number, url, branch, base, updated, title and warnings
    (what could not be done on an opened pull request, each saying what to do instead).
    """
    if not repo.push and not opts.dry_run:
        raise UsageError("--pr pushes a branch; drop --no-push, or use --dry-run",
                         hint="--dry-run shows the change without committing or pushing")
    if opts.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {opts.max_attempts}")
    factory = provider_factory or github_provider
    url, branch = _clone_target(repo)
    with open_workspace(url, branch, push=not opts.dry_run) as ws:
        cfg = load_config(ws.root, repo.config)
        plan = planner(ws, cfg)
        pr_branch = promotion_branch(plan.environment.name)
        if opts.dry_run:
            return preview(ws, plan, action)
        overlay = plan.environment.path
        rendered_before = render(ws.root, overlay)
        with edited(ws, plan, action) as (result, session):
            if not result.changed:
                return result
            rendered_diff = _unified(rendered_before, render(ws.root, overlay),
                                     f"rendered {overlay}")
            message = commit_message(plan, action, result.images, opts)
            body = _body(result, rendered_diff, opts.environ)
            with _provider(factory(ws, cfg, opts.environ)) as provider:
                sha = commit_kept(ws, session, message)
                proposal = _Proposal(
                    environment=result.environment, branch=pr_branch, base=ws.branch, sha=sha,
                    title=message.splitlines()[0], body=body, labels=cfg.pr.labels,
                    reviewers=cfg.pr.reviewers, team_reviewers=cfg.pr.team_reviewers)
                published = _publish(ws, provider, proposal, opts)
        return replace(result, commit=sha, pushed=True, message=message,
                       pull_request=published.info())


def _body(result: ChangeResult, rendered_diff: str, environ: Mapping[str, str]) -> str:
    source, source_commit = split_source(result.source)
    return pr_body(
        environment=result.environment, source=source, source_commit=source_commit,
        images=[ImageRow(d.name, d.old_tag, d.new_tag, d.old_digest, d.new_digest)
                for d in result.images if d.changed],
        build_url=environ.get("CIRCLE_BUILD_URL"),
        overlay_diff=result.diff, rendered_diff=rendered_diff, action=result.action,
    )


def _publish(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
             opts: CommitOptions) -> _Published:
    """Push the commit and open or update the pull request; again (after a jittered pause)
    while another run for the same environment gets in between, at most opts.max_attempts
    times."""
    progress = _Progress()
    for attempt, delay in zip(range(1, opts.max_attempts + 1),
                              backoff_delays(opts.max_attempts), strict=True):
        published = _publish_once(ws, provider, proposal, progress)
        if published is not None:
            return published
        if attempt < opts.max_attempts:
            opts.sleep(delay)
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


def _open(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
          branch: str, warnings: list[str]) -> PullRequest | None:
    try:
        return provider.open_pull_request(
            head=branch, base=proposal.base, title=proposal.title, body=proposal.body,
            labels=proposal.labels, reviewers=proposal.reviewers,
            team_reviewers=proposal.team_reviewers)
    except PullRequestExists:
        return None  # another run opened it since find_open: update that one
    except PullRequestIncomplete as exc:
        warnings.extend(exc.problems)  # it is open: keep it and its branch
        return exc.pull_request
    except PromoterError as exc:
        _cleanup(ws, provider, proposal, branch, exc)
        raise


def _update(provider: PullRequestProvider, number: int, proposal: _Proposal,
            branch: str) -> PullRequest:
    try:
        return provider.update_pull_request(number, title=proposal.title, body=proposal.body)
    except PromoterError as exc:
        exc.message += (f"; branch {branch} now has commit {proposal.sha}, but pull request "
                        f"#{number} still shows the previous title and body")
        exc.hint = (f"{exc.hint}; then " if exc.hint else "") + (
            "run the same command again to refresh the title and body")
        raise


def _cleanup(ws: Workspace, provider: PullRequestProvider, proposal: _Proposal,
             branch: str, exc: PromoterError) -> None:
    """Remove the pushed branch when no pull request uses it and nobody pushed to it since."""
    try:
        if provider.find_open(head_prefix=branch, base=proposal.base) is not None:
            return
        ws.branches.delete_remote_branch(branch, expect=proposal.sha)
    except PromoterError as cleanup:
        exc.message += f" (and the pushed branch {branch} could not be removed: {cleanup})"


def _unified(before: str, after: str, label: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{label}", f"b/{label}")
    return "".join(lines)


# --------------------------------------------------------------------------- status


@dataclass(frozen=True)
class PullRequestReport:
    environment: str
    status: PullRequestStatus
    merged_now: bool = False
    timed_out: bool = False
    would_merge: bool = False  # a dry run found it approved and mergeable, and did not merge

    @property
    def state(self) -> str:
        return self.status.state

    @property
    def exit_code(self) -> ExitCode:
        """merged 0; closed unmerged or changes requested 3; still open 8."""
        if self.state == "merged":
            return ExitCode.OK
        if self.state in ("closed", "changes-requested"):
            return ExitCode.POLICY
        return ExitCode.WAITING

    def to_json(self) -> dict[str, Any]:
        pr = self.status.pr
        return {
            "environment": self.environment,
            "number": pr.number,
            "url": pr.url,
            "branch": pr.head_branch,
            "head_sha": pr.head_sha,
            "base": pr.base_branch,
            "title": pr.title,
            "state": self.state,
            "merged": pr.merged,
            "merged_now": self.merged_now,
            "would_merge": self.would_merge,
            "timed_out": self.timed_out,
            "approvals": list(self.status.approvals),
            "changes_requested": list(self.status.changes_requested),
            "mergeable": self.status.mergeable,
            "mergeable_state": self.status.mergeable_state,
            "exit_code": int(self.exit_code),
        }


@dataclass(frozen=True)
class WaitOptions:
    wait: bool = False
    timeout: float = 3600.0
    interval: float = 15.0
    merge: bool = False
    method: str = "merge"
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    dry_run: bool = False  # with merge: report would_merge instead of merging


def pr_status(repo: RepoOptions, environment: str, *, number: int | None = None,
              options: WaitOptions = WaitOptions(), environ: Mapping[str, str],
              provider_factory: ProviderFactory | None = None) -> PullRequestReport:
    """The promotion pull request of ENV: approvals, mergeability, merged or closed."""
    if options.interval <= 0 or options.timeout < 0:
        raise UsageError("--interval must be positive and --timeout not negative")
    if options.method not in ("merge", "squash", "rebase"):
        raise UsageError(f"--method must be merge, squash or rebase, not {options.method!r}")
    factory = provider_factory or github_provider
    url, branch = _clone_target(repo)
    with open_workspace(url, branch, push=False, depth=1) as ws:
        cfg = load_config(ws.root, repo.config)
        env = cfg.environment(environment)
        with _provider(factory(ws, cfg, environ)) as provider:
            pr = _find(provider, env.name, ws.branch, number)
            return _poll(provider, env.name, pr.number, options)


def _find(provider: PullRequestProvider, environment: str, base: str,
          number: int | None) -> PullRequest:
    if number is not None:
        return provider.get_pull_request(number)
    found = provider.find_open(head_prefix=branch_prefix(environment), base=base)
    if found is None:  # merged or closed before we looked: the newest one tells
        found = provider.find_latest(head=promotion_branch(environment), base=base)
    if found is None:
        raise UsageError(
            f"no promotion pull request for {environment} into {base}",
            hint="open one with promote --pr, or pass --number N",
        )
    return found


def _poll(provider: PullRequestProvider, environment: str, number: int,
          options: WaitOptions) -> PullRequestReport:
    deadline = options.clock() + options.timeout
    while True:
        status = provider.status(number)
        if status.state in ("merged", "closed"):
            return PullRequestReport(environment, status)
        if options.merge and status.state == "approved" and status.mergeable:
            if options.dry_run:
                return PullRequestReport(environment, status, would_merge=True)
            provider.merge(number, sha=status.pr.head_sha, method=options.method)
            return PullRequestReport(environment, provider.status(number), merged_now=True)
        remaining = deadline - options.clock()
        if not options.wait or remaining <= 0:
            return PullRequestReport(environment, status, timed_out=options.wait)
        options.sleep(min(options.interval, remaining))


# --------------------------------------------------------------------------- provider choice


def github_provider(ws: Workspace, cfg: Config, environ: Mapping[str, str]) -> GitHubProvider:
    """GitHub, from PROMOTER_GITHUB_TOKEN/GITHUB_TOKEN; OWNER/REPO from the remote URL, else
    PROMOTER_GITHUB_REPOSITORY, else pr.repository in promoter.yaml; the API from
    PROMOTER_GITHUB_API_URL, else api.github.com for a github.com (or a local) remote."""
    url = ws.remote_url() or ""
    owner, repo = _repository(url, cfg, environ)
    api = _api_url(url, environ)
    token = token_from_env(environ)
    if token is None:
        raise UsageError(
            "no GitHub token: set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN",
            hint="a token with the repo scope, or fine-grained Pull requests: write and "
            "Contents: write",
        )
    return GitHubProvider(owner, repo, token, api_url=api)


def _repository(url: str, cfg: Config, environ: Mapping[str, str]) -> tuple[str, str]:
    found = repository_from_remote_url(url)
    if found is not None:
        return found
    named = environ.get("PROMOTER_GITHUB_REPOSITORY") or cfg.pr.repository
    if not named or not re.fullmatch(r"[\w.-]+/[\w.-]+", named):
        raise UsageError(
            "cannot tell which GitHub repository to open the pull request in",
            hint="use a GitHub remote URL, or set PROMOTER_GITHUB_REPOSITORY=OWNER/REPO or "
            "pr.repository in promoter.yaml",
        )
    owner, repo = named.split("/")
    return owner, repo


def _api_url(url: str, environ: Mapping[str, str]) -> str:
    """Where the token goes: never to a host that was not named as a GitHub API."""
    explicit = environ.get("PROMOTER_GITHUB_API_URL", "").strip()
    if explicit:
        return explicit
    inferred = api_url_from_remote_url(url)
    if inferred is not None:
        return inferred
    if url.startswith("file://") or not is_url(url):
        return DEFAULT_API_URL  # a local remote (a mirror, tests): OWNER/REPO named explicitly
    host = remote_host(url) or "its host"
    raise UsageError(
        f"the remote {redact(url)} is not on github.com: promoter will not send the GitHub "
        f"token to {host} without being told it is a GitHub API",
        hint="set PROMOTER_GITHUB_API_URL (GitHub Enterprise Server: "
        f"https://{host}/api/v3; github.com: {DEFAULT_API_URL})",
    )


@contextmanager
def _provider(provider: PullRequestProvider) -> Iterator[PullRequestProvider]:
    try:
        yield provider
    finally:
        shutdown = getattr(provider, "shutdown", None)
        if callable(shutdown):
            shutdown()


def _clone_target(repo: RepoOptions) -> tuple[str, str | None]:
    """Pull requests are made in a temporary clone: of the URL, or of a local copy's upstream
    (URL and branch)."""
    if is_url(repo.repo):
        return repo.repo, repo.branch
    with open_workspace(repo.repo, repo.branch, push=False) as local:
        url, branch = local.remote_url(), local.upstream_branch
    if url is None:
        raise UsageError(
            f"{repo.repo} has no upstream remote to open a pull request against",
            hint="pass the GitOps repository URL as --repo, or set an upstream branch",
        )
    return url, branch
