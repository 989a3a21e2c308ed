"""The read-only commands: status, diff, history, validate. Nothing here commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promoter.config import load_config
from promoter.errors import ContentError, PromoterError, UsageError
from promoter.gitrepo import open_workspace
from promoter.history import HistoryEntry, environment_history
from promoter.kustomize.entries import ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.rendered import list_images
from promoter.promotion.change import change
from promoter.promotion.options import CommitOptions, RepoOptions
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

    def to_json(self) -> dict[str, Any]:
        return {**shallow(self), "images": [e.to_json() for e in self.images]}


def status(repo: RepoOptions) -> list[EnvironmentStatus]:
    """Every environment's images; one unreadable overlay is reported, not fatal."""
    with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
        cfg = load_config(ws.root, repo.config)
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
            result.append(EnvironmentStatus(env.name, env.path, env.source, tuple(mine or ()),
                                            in_sync, errors.get(env.name)))
        return result


def diff(repo: RepoOptions, source: str, target: str) -> ChangeResult:
    """What `promote TARGET` (from SOURCE, which must be TARGET's source) would change; the
    gates are promote's to check (diff promotes nothing)."""
    return change(RepoOptions(repo.repo, repo.branch, repo.config, push=False),
                   CommitOptions(dry_run=True, approval_check=False), "promote",
                   promote_planner(target, None, (), source, gates=None), depth=None)


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
