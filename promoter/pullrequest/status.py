"""Reading an environment's promotion pull request: its state (approvals, mergeability, merged
or closed), waiting for it to be decided, and merging it once approved (pr-status)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from promoter.config import load_config
from promoter.errors import ExitCode, UsageError
from promoter.forge import PullRequest, PullRequestProvider, PullRequestStatus, provider_for
from promoter.gitrepo import open_workspace
from promoter.promotion import RepoOptions
from promoter.pullrequest.branches import branch_prefix, promotion_branch
from promoter.pullrequest.session import ProviderFactory, clone_target, forge_session


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
              provider_factory: ProviderFactory = provider_for) -> PullRequestReport:
    """The promotion pull request of ENV: approvals, mergeability, merged or closed."""
    if options.interval <= 0 or options.timeout < 0:
        raise UsageError("--interval must be positive and --timeout not negative")
    if options.method not in ("merge", "squash", "rebase"):
        raise UsageError(f"--method must be merge, squash or rebase, not {options.method!r}")
    url, branch = clone_target(repo)
    with open_workspace(url, branch, push=False, depth=1) as ws:
        cfg = load_config(ws.root, repo.config)
        env = cfg.environment(environment)
        with forge_session(provider_factory, ws, cfg, environ) as provider:
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
    """Read the state until it is decided (merged, closed; merged now when asked to merge an
    approved, mergeable one) or, with wait, until the timeout; without wait, once."""
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
