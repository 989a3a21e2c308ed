"""The read-only commands: status, diff, history, validate. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promoter.clock import utc_now
from promoter.config import load_config
from promoter.errors import ContentError, PromoterError, UsageError
from promoter.freeze import OpenWindow, open_window
from promoter.gitrepo import Workspace, open_workspace
from promoter.history import HistoryEntry, environment_history
from promoter.holds import Hold, hold_path, read_hold
from promoter.kustomize.entries import ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.rendered import list_images
from promoter.promotion.change import change
from promoter.promotion.options import Clock, CommitOptions, RepoOptions
from promoter.promotion.planners import promote_planner
from promoter.promotion.results import ChangeResult, shallow
from promoter.promotion.versions import kustomization_rel, read_entries, same_images


@dataclass(frozen=True)
class EnvironmentStatus:
    name: str
    path: str
    source: str | None
    images: tuple[ImageEntry, ...]
    in_sync: bool | None  # None for an environment without a source (or unreadable)
    error: str | None = None  # this environment's kustomization could not be read
    hold: Hold | None = None  # the environment is held
    hold_error: str | None = None  # its hold file exists but cannot be read
    freeze: OpenWindow | None = None  # a freeze window is open now

    def to_json(self) -> dict[str, Any]:
        hold = self.hold.to_json() if self.hold else None
        if self.hold_error is not None:
            hold = {"path": hold_path(self.name), "error": self.hold_error}
        return {**shallow(self, leave_out=("hold_error",)),
                "images": [e.to_json() for e in self.images], "hold": hold,
                "freeze": self.freeze.to_json() if self.freeze else None}


def status(repo: RepoOptions, now: Clock = utc_now) -> list[EnvironmentStatus]:
    """Every environment's images, hold and open freeze window (at now()); one unreadable
    overlay or hold file is reported, not fatal."""
    with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
        cfg = load_config(ws.root, repo.config)
        moment = now()
        entries: dict[str, list[ImageEntry]] = {}
        errors: dict[str, str] = {}
        for env in cfg.environments:
            try:
                entries[env.name] = read_entries(ws, kustomization_rel(ws, env))
            except ContentError as exc:
                errors[env.name] = str(exc)
        result = []
        for env in cfg.environments:
            mine, theirs = entries.get(env.name), entries.get(env.source or "")
            in_sync = None if mine is None or theirs is None else same_images(theirs, mine)
            held, hold_error = _hold_of(ws, env.name)
            result.append(EnvironmentStatus(
                env.name, env.path, env.source, tuple(mine or ()), in_sync,
                errors.get(env.name), held, hold_error, open_window(env.freeze, moment)))
        return result


def _hold_of(ws: Workspace, environment: str) -> tuple[Hold | None, str | None]:
    try:
        return read_hold(ws.root, environment), None
    except ContentError as exc:
        return None, str(exc)


def diff(repo: RepoOptions, source: str, target: str) -> ChangeResult:
    """What `promote TARGET` (from SOURCE, which must be TARGET's source) would change; shown
    in a freeze window and while held too (it changes nothing); the gates are promote's to
    check (diff promotes nothing)."""
    return change(RepoOptions(repo.repo, repo.branch, repo.config, push=False),
                   CommitOptions(dry_run=True, approval_check=False), "promote",
                   promote_planner(target, None, (), source, gates=None), depth=None,
                   guarded=False)


def history(repo: RepoOptions, environment: str, *, limit: int | None = None
            ) -> list[HistoryEntry]:
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    with open_workspace(repo.repo, repo.branch, push=False, depth=None, read_only=True) as ws:
        env = load_config(ws.root, repo.config).environment(environment)
        rel = kustomization_rel(ws, env)
        return environment_history(ws, env.name, path=rel, limit=limit)


@dataclass(frozen=True)
class Validation:
    name: str
    path: str
    images: tuple[ImageRef, ...]
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "ok": self.error is None,
            "error": self.error,
            "images": [{"name": i.name, "tag": i.tag, "digest": i.digest} for i in self.images],
        }


def validate(repo: RepoOptions, environments: Sequence[str] = ()) -> list[Validation]:
    """Render each environment; the caller turns any error into exit 4."""
    with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
        cfg = load_config(ws.root, repo.config)
        envs = [cfg.environment(n) for n in environments] or list(cfg.environments)
        results = []
        for env in envs:
            try:
                kustomization_rel(ws, env)
                found = tuple(list_images(ws.root, env.path))
                results.append(Validation(env.name, env.path, found, None))
            except PromoterError as exc:
                results.append(Validation(env.name, env.path, (), str(exc)))
        return results
