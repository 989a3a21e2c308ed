"""Promotion gates: before TARGET receives versions from its source, the source must have run them
healthy. The sync agent (Argo CD notifications, Flux's notification-controller) reports health
as commit statuses or check runs on the commits it synced; promoter reads them on the commits at
which the source had those versions (promotion.versions.deployment).

`statuses`: one of those commits has every listed context (or check-run name) successful; a
pending or failing one never passes. `soak`: healthy at least this long, from the earliest such
success (without `statuses`: from the deploy commit's commit time) until now, or until the
commit that replaced the versions. Refusals are GateRefused (a PolicyError, exit 3) saying
whether waiting can change them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from promoter.clock import utc_now
from promoter.config import Config, Environment
from promoter.durations import format_duration
from promoter.errors import PolicyError, UsageError
from promoter.forge import CommitCheck, CommitStatuses, statuses_for
from promoter.forge.base import FAILURE, PENDING, SUCCESS
from promoter.gates import Gates
from promoter.gitrepo import Workspace
from promoter.kustomize.entries import ImageEntry
from promoter.promotion.versions import Deployment, deployment, kustomization_rel
from promoter.trailers import GateTrailer

#: (remote URL, or ""; promoter.yaml; environment) -> what reads commit statuses.
StatusFactory = Callable[[str, Config, Mapping[str, str]], CommitStatuses]


@dataclass(frozen=True)
class GateContext:
    """How gates are checked: where the statuses come from (environ: the GitHub token, API and
    repository; os.environ when None), and what time it is."""

    environ: Mapping[str, str] | None = None
    now: Callable[[], datetime] = utc_now
    factory: StatusFactory = statuses_for


@dataclass(frozen=True)
class GatePass:
    """What let a promotion through: the contexts and the commit that showed them successful,
    and, when a soak was required, how long the source had been healthy."""

    gates: tuple[GateTrailer, ...] = ()
    soak: timedelta | None = None

    @property
    def soak_text(self) -> str | None:
        """`47m` (whole minutes from a minute on), `45s` below; None without a soak."""
        if self.soak is None:
            return None
        seconds = int(self.soak.total_seconds())
        return format_duration(timedelta(seconds=seconds - seconds % 60 if seconds >= 60
                                         else seconds))

    def to_json(self) -> dict[str, Any]:
        return {"gates": [gate.to_json() for gate in self.gates], "soak": self.soak_text}


class GateRefused(PolicyError):
    """The gates do not let the promotion through. `final`: waiting cannot change that (a
    failing status, versions replaced before their soak was over); `ready_in`: the seconds
    until the soak is over, when that is all that is missing."""

    def __init__(self, message: str, *, final: bool, ready_in: float | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.final = final
        self.ready_in = ready_in


def check_gates(ws: Workspace, cfg: Config, target: Environment, source: Environment,
                wanted: Sequence[ImageEntry], context: GateContext) -> GatePass | None:
    """TARGET's gates for receiving wanted's versions from SOURCE: GatePass, or GateRefused;
    None when nothing is wanted. A gate with statuses and no way to reach GitHub is a
    UsageError, before anything else (even with nothing to promote: the next run would fail)."""
    gates = target.gates or Gates()
    environ = os.environ if context.environ is None else context.environ
    with _reader(context.factory, ws, cfg, environ, target, gates) as reader:
        if not wanted:
            return None
        stretch = deployment(ws, kustomization_rel(ws, source), wanted, source.name)
        board = read_board(reader, stretch.commits, gates.statuses) if reader else {}
    return judge(gates, stretch, board, now=context.now(), target=target.name)


@contextmanager
def _reader(factory: StatusFactory, ws: Workspace, cfg: Config, environ: Mapping[str, str],
            target: Environment, gates: Gates) -> Iterator[CommitStatuses | None]:
    """The status reader of the workspace's remote (None when no statuses are gated); its
    connections (a `shutdown` method, if any) are closed afterwards."""
    if not gates.statuses:
        yield None
        return
    try:
        reader = factory(ws.remote_url() or "", cfg, environ)
    except UsageError as exc:
        raise UsageError(f"the gates of {target.name} read commit statuses from GitHub: "
                         f"{exc.message}", hint=exc.hint) from exc
    try:
        yield reader
    finally:
        shutdown = getattr(reader, "shutdown", None)
        if callable(shutdown):
            shutdown()


#: For each commit, the verdict of each gated name (casefolded): absent when not reported.
Board = dict[str, dict[str, CommitCheck]]


def read_board(reader: CommitStatuses, commits: Sequence[str], names: Sequence[str]) -> Board:
    """What each commit's statuses and check runs say about each of names."""
    wanted = {name.casefold() for name in names}
    board: Board = {}
    for sha in commits:
        found: dict[str, list[CommitCheck]] = {}
        for check in reader.commit_checks(sha):
            if check.name.casefold() in wanted:
                found.setdefault(check.name.casefold(), []).append(check)
        board[sha] = {name: verdict(checks) for name, checks in found.items()}
    return board


def verdict(checks: Sequence[CommitCheck]) -> CommitCheck:
    """One name's verdict on one commit from all its statuses and check runs: any failing one
    fails it, else any pending one holds it, else it is successful since the latest success."""
    for state in (FAILURE, PENDING):
        for check in checks:
            if check.state == state:
                return check
    return max(checks, key=lambda c: c.at or datetime.max.replace(tzinfo=UTC))


def judge(gates: Gates, stretch: Deployment, board: Board, *, now: datetime,
          target: str) -> GatePass:
    """GatePass, or GateRefused saying what is missing, failing or too early."""
    names = [name.casefold() for name in gates.statuses]
    passing = [sha for sha in stretch.commits
               if all(board.get(sha, {}).get(n, _MISSING).state == SUCCESS for n in names)]
    if names and not passing:
        raise _not_passed(gates, stretch, board, target)
    chosen = passing[0] if names else None
    trailers = tuple(GateTrailer(name, SUCCESS, chosen) for name in gates.statuses if chosen)
    if gates.soak is None:
        return GatePass(trailers)
    start, since = _healthy_since(names, passing, stretch, board)
    end = stretch.replaced.time if stretch.replaced else now
    healthy = max(end - start, timedelta(0))
    if healthy < gates.soak:
        raise _too_early(gates.soak, healthy, since, stretch, target)
    return GatePass(trailers, healthy)


_MISSING = CommitCheck("", "missing", "missing", None, "status")


def _healthy_since(names: Sequence[str], passing: Sequence[str], stretch: Deployment,
                   board: Board) -> tuple[datetime, str]:
    """When the versions became healthy, and how that is known: the earliest commit at which
    every gated name was successful, or without names, the deploy commit."""
    if not names:
        return stretch.deployed.time, (f"commit {stretch.deployed.sha[:12]} deployed them at "
                                       f"{_when(stretch.deployed.time)}")
    times = {sha: max(board[sha][n].at or datetime.max.replace(tzinfo=UTC) for n in names)
             for sha in passing}
    first = min(times, key=lambda sha: times[sha])
    return times[first], f"all gated statuses were successful on {first[:12]} at " \
                         f"{_when(times[first])}"


def _not_passed(gates: Gates, stretch: Deployment, board: Board, target: str) -> GateRefused:
    """What each gated name says on the newest commit that reports it, as a refusal (final
    when one of them is failing)."""
    parts, final = [], False
    for name in gates.statuses:
        latest = next(((sha, board[sha][name.casefold()]) for sha in stretch.commits
                       if name.casefold() in board.get(sha, {})), None)
        if latest is None:
            parts.append(f"{name} is missing")
            continue
        sha, check = latest
        final = final or check.state == FAILURE
        parts.append(f"{name} is {check.state} ({check.detail}) on {sha[:12]}")
    message = (f"{target} is gated: {'; '.join(parts)} (read on {len(stretch.commits)} "
               f"commit(s) of {stretch.describe()})")
    if final:
        return GateRefused(message, final=True, hint="fix the failure in "
                           f"{stretch.environment} (or deploy a fixed build there) until the "
                           "sync agent reports success, then promote again")
    return GateRefused(message, final=False, hint="promote again once the sync agent reports "
                       "success, or wait for it with --wait (and --timeout)")


def _too_early(soak: timedelta, healthy: timedelta, since: str, stretch: Deployment,
               target: str) -> GateRefused:
    need = f"{target} requires a soak of {format_duration(soak)}"
    if stretch.replaced is not None:
        return GateRefused(
            f"{stretch.describe()}: healthy only {format_duration(healthy)} ({since}) before "
            f"{_when(stretch.replaced.time)}; {need}", final=True,
            hint=f"promote a version that has soaked in {stretch.environment}")
    left = soak - healthy
    shown = format_duration(left + timedelta(seconds=0.999))  # rounded up to the second
    return GateRefused(
        f"{stretch.describe()}: healthy for {format_duration(healthy)} ({since}); {need}: "
        f"{shown} left", final=False, ready_in=left.total_seconds(),
        hint=f"promote again in {shown}, or wait with --wait (and a --timeout longer than that)")


def _when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
