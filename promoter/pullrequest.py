"""Promotion pull requests: the same change as promote/rollback, proposed for review instead of
pushed to the branch; and the state of that pull request (wait for it, merge it).

One open promotion pull request per environment: when one is open, its branch is replaced by
the new promotion commit (force-with-lease on the head it had) and its title and body are
refreshed; the newest promotion supersedes.
"""

from __future__ import annotations

import difflib
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from promoter.config import Config, load_config
from promoter.errors import ExitCode, GitError, PromoterError, UsageError
from promoter.forge import (
    GitHubProvider,
    ImageRow,
    PullRequest,
    PullRequestProvider,
    PullRequestStatus,
    api_url_from_remote_url,
    pr_body,
    repository_from_remote_url,
    token_from_env,
)
from promoter.forge.github import DEFAULT_API_URL
from promoter.gitrepo import Workspace, is_url, open_workspace
from promoter.kustomize import render
from promoter.promotion import (
    ChangeResult,
    CommitOptions,
    ImageDelta,
    Planner,
    RepoOptions,
    apply_plan,
    commit_edit,
    commit_message,
)

BRANCH_PREFIX = "promoter"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
ProviderFactory = Callable[[Workspace, Config, Mapping[str, str]], PullRequestProvider]


def branch_prefix(environment: str) -> str:
    return f"{BRANCH_PREFIX}/{environment}/"


def branch_name(environment: str, action: str, images: tuple[ImageDelta, ...],
                commit: str) -> str:
    """promoter/ENV/ACTION-IMAGE-TAG-COMMIT, sanitised for git and GitHub, under 100 chars."""
    first = images[0] if images else None
    parts = [action]
    if first is not None:
        parts += [first.name.rsplit("/", 1)[-1], (first.new_tag or first.new_digest or "")[-12:]]
    parts.append(commit[:8])
    leaf = _UNSAFE.sub("-", "-".join(p for p in parts if p)).strip(".-")
    leaf = re.sub(r"\.{2,}", ".", leaf)[:60].rstrip(".-").removesuffix(".lock")
    return branch_prefix(environment) + leaf


# --------------------------------------------------------------------------- propose


def propose(repo: RepoOptions, opts: CommitOptions, action: str, planner: Planner, *,
            provider_factory: ProviderFactory | None = None) -> ChangeResult:
    """Commit the change on a promoter/ENV/... branch and open or update its pull request."""
    factory = provider_factory or github_provider
    url, branch = _clone_target(repo)
    with open_workspace(url, branch, push=not opts.dry_run) as ws:
        cfg = load_config(ws.root, repo.config)
        plan = planner(ws, cfg)
        overlay = ws.root / plan.environment.path
        rendered_before = "" if opts.dry_run else render(overlay)
        result, edit = apply_plan(ws, plan, action, opts)
        if not result.changed or opts.dry_run:
            return result
        rendered_diff = _unified(rendered_before, render(overlay), f"rendered {overlay.name}")
        message = commit_message(plan, action, result.images, opts)
        sha = commit_edit(ws, result.path, edit, message)
        with _provider(factory(ws, cfg, opts.environ)) as provider:
            pr, branch, updated = _publish(ws, provider, cfg, result, message, sha, rendered_diff,
                                           opts)
        info = {"number": pr.number, "url": pr.url, "branch": branch, "base": pr.base_branch,
                "updated": updated, "title": pr.title}
        return replace(result, commit=sha, pushed=True, message=message, pull_request=info)


def _publish(ws: Workspace, provider: PullRequestProvider, cfg: Config, result: ChangeResult,
             message: str, sha: str, rendered_diff: str,
             opts: CommitOptions) -> tuple[PullRequest, str, bool]:
    existing = provider.find_open(head_prefix=branch_prefix(result.environment), base=ws.branch)
    branch = existing.head_branch if existing else branch_name(
        result.environment, result.action, result.images, sha)
    ws.push_branch(branch, expect=existing.head_sha if existing else None)
    title = message.splitlines()[0]
    source, source_commit = _split_source(result.source)
    body = pr_body(
        environment=result.environment, source=source, source_commit=source_commit,
        images=[ImageRow(d.name, d.old_tag, d.new_tag, d.old_digest, d.new_digest)
                for d in result.images if d.changed],
        build_url=opts.environ.get("CIRCLE_BUILD_URL"),
        overlay_diff=result.diff, rendered_diff=rendered_diff,
    )
    if existing is not None:
        return provider.update_pull_request(existing.number, title=title, body=body), branch, True
    try:
        pr = provider.open_pull_request(
            head=branch, base=ws.branch, title=title, body=body, labels=cfg.pr.labels,
            reviewers=cfg.pr.reviewers, team_reviewers=cfg.pr.team_reviewers)
    except PromoterError as exc:
        _cleanup(ws, branch, exc)
        raise
    return pr, branch, False


def _cleanup(ws: Workspace, branch: str, exc: PromoterError) -> None:
    try:
        ws.delete_remote_branch(branch)
    except GitError as cleanup:
        exc.message += f" (and the pushed branch {branch} could not be removed: {cleanup})"


def _split_source(source: str | None) -> tuple[str | None, str | None]:
    """"staging@SHA" -> ("staging", "SHA")."""
    if source and "@" in source:
        env, commit = source.split("@", 1)
        return env, commit
    return source, None


def _unified(before: str, after: str, label: str) -> str:
    lines = difflib.unified_diff(before.splitlines(keepends=True), after.splitlines(keepends=True),
                                 f"a/{label}", f"b/{label}")
    return "".join(lines)


# --------------------------------------------------------------------------- status


WAITING_STATES = ("approved", "waiting")


@dataclass(frozen=True)
class PullRequestReport:
    environment: str
    status: PullRequestStatus
    merged_now: bool = False
    timed_out: bool = False

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
    if found is None:
        raise UsageError(
            f"no open promotion pull request for {environment} into {base}",
            hint="open one with promote --pr, or pass --number N for a merged or closed one",
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
            provider.merge(number, sha=status.pr.head_sha, method=options.method)
            return PullRequestReport(environment, provider.status(number), merged_now=True)
        remaining = deadline - options.clock()
        if not options.wait or remaining <= 0:
            return PullRequestReport(environment, status, timed_out=options.wait)
        options.sleep(min(options.interval, remaining))


# --------------------------------------------------------------------------- provider choice


def github_provider(ws: Workspace, cfg: Config, environ: Mapping[str, str]) -> GitHubProvider:
    """GitHub, from PROMOTER_GITHUB_TOKEN/GITHUB_TOKEN; OWNER/REPO from the remote URL, else
    PROMOTER_GITHUB_REPOSITORY, else pr.repository in promoter.yaml."""
    url = ws.remote_url() or ""
    owner_repo = repository_from_remote_url(url)
    if owner_repo is None:
        named = environ.get("PROMOTER_GITHUB_REPOSITORY") or cfg.pr.repository
        if not named or not re.fullmatch(r"[\w.-]+/[\w.-]+", named):
            raise UsageError(
                "cannot tell which GitHub repository to open the pull request in",
                hint="use a GitHub remote URL, or set PROMOTER_GITHUB_REPOSITORY=OWNER/REPO or "
                "pr.repository in promoter.yaml",
            )
        owner_repo = (named.split("/")[0], named.split("/")[1])
    token = token_from_env(environ)
    if token is None:
        raise UsageError(
            "no GitHub token: set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN",
            hint="a token with the repo scope, or fine-grained Pull requests: write and "
            "Contents: write",
        )
    api = environ.get("PROMOTER_GITHUB_API_URL") or api_url_from_remote_url(url) or DEFAULT_API_URL
    return GitHubProvider(owner_repo[0], owner_repo[1], token, api_url=api)


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
