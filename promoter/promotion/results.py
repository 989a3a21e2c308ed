"""What a change produces: the plan of one attempt, the image deltas, and the result."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from promoter.config import Config, Environment
from promoter.gitrepo import Workspace
from promoter.kustomize.entries import ImageChange, ImageDelta
from promoter.trailers import Approver

if TYPE_CHECKING:
    from promoter.promotion.gating import GatePass


def shallow(result: Any, leave_out: tuple[str, ...] = ()) -> dict[str, Any]:
    """A result dataclass's fields by name, values as they are (the caller converts nested
    objects)."""
    return {f.name: getattr(result, f.name) for f in fields(result) if f.name not in leave_out}


@dataclass(frozen=True)
class Approval:
    """What a change records about its approval: who approved the CI job, in which approval
    jobs, and the reason when a requirement was overridden instead."""

    approvers: tuple[Approver, ...] = ()
    override: str | None = None  # the --reason of --override-approval, when it was used

    def overrides(self) -> tuple[str, ...]:
        """The Promoter-Override trailer values: `approval: REASON`."""
        return (f"approval: {self.override}",) if self.override else ()


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
    gate: dict[str, Any] | None = None  # what let a promotion through (GatePass.to_json())
    notes: tuple[str, ...] = ()  # said after the change was made (a local copy left behind)
    commit_via: str = "git"  # how the commit reached the branch: git push, or the GitHub API
    verification: dict[str, Any] | None = None  # api: the signature GitHub reports
    approval: Approval | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things that went wrong after the change was made (e.g. PR labels, a local copy not
        moved); the exit code stays 0."""
        return (*self.notes, *(self.pull_request or {}).get("warnings", ()))

    def to_json(self) -> dict[str, Any]:
        data = shallow(self, leave_out=("message", "notes", "approval"))
        approval = self.approval or Approval()
        return {**data, "images": [d.to_json() for d in self.images],
                "approved_by": [a.to_json() for a in approval.approvers],
                "overrides": list(approval.overrides()), "warnings": list(self.warnings)}


@dataclass(frozen=True)
class Plan:
    """What one attempt will change, computed on the current tip."""

    environment: Environment
    changes: tuple[ImageChange, ...]
    source: str | None = None  # "ENV@COMMIT" for promotions
    gate: GatePass | None = None  # the target's gates let it through
    approval: Approval | None = None  # who approved; None when nobody was asked


Planner = Callable[[Workspace, Config], Plan]
