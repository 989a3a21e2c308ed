"""What a change produces: the plan of one attempt, the image deltas, and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from promoter.config import Config, Environment
from promoter.gitrepo import Workspace
from promoter.kustomize.entries import ImageChange, ImageDelta


@dataclass(frozen=True)
class ChangeResult:
    environment: str
    action: str
    changed: bool
    commit: str | None
    pushed: bool
    images: tuple[ImageDelta, ...]
    diff: str
    path: str
    source: str | None = None
    message: str | None = None
    attempts: int = 1
    dry_run: bool = False
    pull_request: dict[str, Any] | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things that went wrong after the change was made (e.g. PR labels); exit stays 0."""
        return tuple((self.pull_request or {}).get("warnings", ()))

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "action": self.action,
            "changed": self.changed,
            "commit": self.commit,
            "pushed": self.pushed,
            "dry_run": self.dry_run,
            "path": self.path,
            "source": self.source,
            "attempts": self.attempts,
            "images": [d.to_json() for d in self.images],
            "diff": self.diff,
            "pull_request": self.pull_request,
        }


@dataclass(frozen=True)
class Plan:
    """What one attempt will change, computed on the current tip."""

    environment: Environment
    changes: tuple[ImageChange, ...]
    source: str | None = None  # "ENV@COMMIT" for promotions


Planner = Callable[[Workspace, Config], Plan]
