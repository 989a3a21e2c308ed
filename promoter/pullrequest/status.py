"""Reading an environment's promotion pull request: its state (approvals, mergeability, merged
or closed), waiting for it to be decided, and merging it once approved and, when the target has
gates, once they let its versions through (pr-status)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from promoter.clock import utc_now
from promoter.config import load_config
from promoter.durations import format_duration
from promoter.errors import ExitCode, UsageError
from promoter.forge import PullRequest, PullRequestProvider, PullRequestStatus, provider_for
from promoter.gitrepo import open_workspace
from promoter.promotion import RepoOptions
from promoter.promotion.gating import GatePass, GateRefused
from promoter.pullrequest.branches import branch_prefix, promotion_branch
from promoter.pullrequest.gated import MergeGate, merge_gate
from promoter.pullrequest.session import ProviderFactory, clone_target, forge_session


@dataclass(frozen=True)
class PullRequestReport:
    environment: str
    status: PullRequestStatus
    merged_now: bool = False
    timed_out: bool = False
    would_merge: bool = False  # a dry run found it approved and mergeable, and did not merge
    gate: GatePass | None = None  # the target's gates let its versions through

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
            "gate": self.gate.to_json() if self.gate is not None else None,
            "auto_merge": self.status.auto_merge,
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
    now: Callable[[], datetime] = utc_now  # what time it is, for the gates' soak


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
            gate = merge_gate(ws, cfg, env.name, provider, options.now)
            return _poll(provider, env.name, pr.number, options, gate)


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
          options: WaitOptions, gate: MergeGate) -> PullRequestReport:
    """Read the state until it is decided (merged, closed; merged now when asked to merge an
    approved, mergeable one whose gates pass) or, with wait, until the timeout; without wait,
    once."""
    deadline = options.clock() + options.timeout
    while True:
        status = provider.status(number)
        if status.state in ("merged", "closed"):
            return PullRequestReport(environment, status)
        if options.merge and status.state == "approved" and status.mergeable:
            passed = _gates(gate, status.pr, options, deadline)
            if passed is not None:
                return _merge(provider, environment, status, options, passed[0])
        remaining = deadline - options.clock()
        if not options.wait or remaining <= 0:
            return PullRequestReport(environment, status, timed_out=options.wait)
        options.sleep(min(options.interval, remaining))


def _gates(gate: MergeGate, pr: PullRequest, options: WaitOptions,
           deadline: float) -> tuple[GatePass | None] | None:
    """(what let it through,) when the gates pass; None to poll again (with --wait, while
    waiting can change the refusal); else the refusal (exit 3)."""
    try:
        return (gate(pr),)
    except GateRefused as refused:
        if not options.wait or refused.final:
            raise
        if deadline - options.clock() <= 0:
            limit = format_duration(timedelta(seconds=options.timeout))
            raise GateRefused(f"gave up waiting after --timeout {limit}: {refused.message}",
                              final=True, hint=refused.hint) from refused
        return None


def _merge(provider: PullRequestProvider, environment: str, status: PullRequestStatus,
           options: WaitOptions, gate: GatePass | None) -> PullRequestReport:
    """Merge the approved pull request (guarded by its head sha), or with dry_run, say so."""
    if options.dry_run:
        return PullRequestReport(environment, status, would_merge=True, gate=gate)
    number = status.pr.number
    provider.merge(number, sha=status.pr.head_sha, method=options.method)
    return PullRequestReport(environment, provider.status(number), merged_now=True, gate=gate)
