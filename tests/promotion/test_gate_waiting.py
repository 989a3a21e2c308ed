"""promote with gates against a real bare remote, statuses from an in-memory reader and a fake
clock: the deployment stretch read from git, --wait polling until the statuses pass or the soak
is over (no real waiting), giving up at --timeout, and planning again on the freshest tip."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from promoter import promotion
from promoter.config import Config
from promoter.forge.base import FAILURE, PENDING, SUCCESS, CommitCheck
from promoter.promotion import CommitOptions, RepoOptions
from promoter.promotion.gating import GateContext, GateRefused
from promoter.promotion.options import Waiting
from tests.e2e.conftest import GitOps, git
from tests.promotion.bench import SHA_A, SHA_B, commit_and_push, url

ARGO = "argocd/web-staging"
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)


@dataclass
class Statuses:
    """A CommitStatuses: what the sync agent reported, per commit; `on_read` runs before each
    read (a status that turns while promoter polls)."""

    checks: dict[str, list[CommitCheck]] = field(default_factory=dict)
    reads: list[str] = field(default_factory=list)
    on_read: Callable[[int], None] = lambda _n: None

    def report(self, sha: str, state: str, at: datetime = T0) -> None:
        self.checks[sha] = [CommitCheck(ARGO, state, state, at if state == SUCCESS else None,
                                        "status")]

    def commit_checks(self, sha: str) -> tuple[CommitCheck, ...]:
        self.reads.append(sha)
        self.on_read(len(self.reads))
        return tuple(self.checks.get(sha, ()))

    def factory(self, _url: str, _cfg: Config, _environ: Mapping[str, str]) -> Statuses:
        return self


@dataclass
class FakeTime:
    """Both clocks promote --wait reads, moved only by its sleep."""

    wall: datetime = T0
    mono: float = 1000.0
    sleeps: list[float] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def now(self) -> datetime:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.mono += seconds
        self.wall += timedelta(seconds=seconds)


def gated(gitops: GitOps, gates: str) -> None:
    def edit(root: Path) -> None:
        config = root / "promoter.yaml"
        text = config.read_text(encoding="utf-8")
        marker = "    from: staging"
        config.write_text(text.replace(marker, f"{marker}\n    gates:\n{gates}", 1),
                          encoding="utf-8")
    commit_and_push(gitops, edit, "production: gates")


def deploy(gitops: GitOps, tag: str) -> str:
    promotion.set_image(url(gitops), CommitOptions(environ={}), "staging", [f"web={tag}"])
    return gitops.head()


def promote(gitops: GitOps, statuses: Statuses, time: FakeTime, *, wait: bool = True,
            timeout: float = 3600.0, dry_run: bool = False) -> promotion.ChangeResult:
    waiting = Waiting(wait=wait, timeout=timeout, interval=15.0, monotonic=time.monotonic,
                      notify=time.notes.append)
    opts = CommitOptions(environ={}, sleep=time.sleep, now=time.now, waiting=waiting,
                         dry_run=dry_run)
    context = GateContext({}, time.now, statuses.factory)
    return promotion.change(RepoOptions(repo=gitops.url), opts, "promote",
                            promotion.promote_planner("production", None, (), None, context))


def test_wait_polls_until_the_status_passes(gitops: GitOps) -> None:
    gated(gitops, f"      statuses: [{ARGO}]")
    deployed = deploy(gitops, SHA_A)
    statuses, time = Statuses(), FakeTime()
    statuses.report(deployed, PENDING)
    statuses.on_read = lambda n: statuses.report(deployed, SUCCESS) if n == 3 else None
    result = promote(gitops, statuses, time)
    assert result.pushed and gitops.tag("production") == SHA_A
    assert time.sleeps == [15.0, 15.0]
    assert len(time.notes) == 2 and f"{ARGO} is pending" in time.notes[0]
    assert time.notes[0].startswith("waiting 15s (at most 1h in all): ")
    assert result.gate is not None and result.gate["gates"][0]["commit"] == deployed


def test_wait_stops_at_a_failure(gitops: GitOps) -> None:
    gated(gitops, f"      statuses: [{ARGO}]")
    deployed = deploy(gitops, SHA_A)
    statuses, time = Statuses(), FakeTime()
    statuses.report(deployed, PENDING)
    statuses.on_read = lambda n: statuses.report(deployed, FAILURE) if n == 2 else None
    with pytest.raises(GateRefused, match="is failure") as caught:
        promote(gitops, statuses, time)
    assert caught.value.final and time.sleeps == [15.0]


def test_wait_gives_up_at_the_timeout(gitops: GitOps) -> None:
    gated(gitops, f"      statuses: [{ARGO}]")
    deploy(gitops, SHA_A)
    time = FakeTime()
    with pytest.raises(GateRefused, match=r"gave up waiting after --timeout 40s: .* is missing"):
        promote(gitops, Statuses(), time, timeout=40.0)
    assert time.sleeps == [15.0, 15.0, 10.0]
    assert gitops.tag("production") != SHA_A


def test_wait_waits_out_the_soak(gitops: GitOps) -> None:
    gated(gitops, "      soak: 30m")
    deploy(gitops, SHA_A)
    deployed_at = datetime.fromisoformat(git(gitops.remote, "log", "-1", "--format=%cI").strip())
    time = FakeTime(wall=deployed_at + timedelta(minutes=10))
    result = promote(gitops, Statuses(), time)
    assert time.sleeps == [300.0] * 4  # notes at least every five minutes
    assert "20m left" in time.notes[0] and "5m left" in time.notes[-1]
    assert result.gate == {"gates": [], "soak": "30m"}
    assert "Promoter-Soak: 30m" in gitops.message()


def test_a_soak_longer_than_the_timeout_is_refused_at_once(gitops: GitOps) -> None:
    gated(gitops, "      soak: 30m")
    deploy(gitops, SHA_A)
    time = FakeTime(wall=datetime.now(UTC))
    with pytest.raises(GateRefused, match="--timeout 15m ends before that"):
        promote(gitops, Statuses(), time, timeout=900.0)
    assert time.sleeps == []


def test_without_wait_a_refusal_is_immediate(gitops: GitOps) -> None:
    gated(gitops, f"      statuses: [{ARGO}]")
    deploy(gitops, SHA_A)
    time = FakeTime()
    with pytest.raises(GateRefused, match="is missing") as caught:
        promote(gitops, Statuses(), time, wait=False)
    assert caught.value.exit_code == 3 and time.sleeps == []


def test_wait_plans_again_on_the_freshest_tip(gitops: GitOps) -> None:
    """Staging moves on while promote waits: the next poll promotes (and gates) the new
    version, not the one it started waiting for."""
    gated(gitops, f"      statuses: [{ARGO}]")
    deploy(gitops, SHA_A)
    statuses, time = Statuses(), FakeTime()
    moved: list[str] = []

    def staging_moves(n: int) -> None:
        if n == 1:
            moved.append(deploy(gitops, SHA_B))
            statuses.report(moved[0], SUCCESS)
    statuses.on_read = staging_moves
    result = promote(gitops, statuses, time)
    assert gitops.tag("production") == SHA_B and time.sleeps == [15.0]
    assert result.gate is not None and result.gate["gates"][0]["commit"] == moved[0]
