"""The use cases behind the CLI: set-image, promote, rollback (changes), and status, diff, history,
validate (queries). Modules: options (what a change is given), results (what it produces),
versions (an overlay now and in the past), planners (what each command changes), change (the
edit-verify-commit-push loop), queries (read-only commands)."""

from promoter.promotion.change import (
    change,
    commit_kept,
    commit_message,
    edited,
    interrupted_push,
    preview,
)
from promoter.promotion.options import CommitOptions, RepoOptions
from promoter.promotion.planners import (
    promote,
    promote_planner,
    rollback,
    rollback_planner,
    set_image,
)
from promoter.promotion.queries import (
    EnvironmentStatus,
    Validation,
    diff,
    history,
    status,
    validate,
)
from promoter.promotion.results import ChangeResult, Plan, Planner

__all__ = [
    "ChangeResult",
    "CommitOptions",
    "EnvironmentStatus",
    "Plan",
    "Planner",
    "RepoOptions",
    "Validation",
    "change",
    "commit_kept",
    "commit_message",
    "diff",
    "edited",
    "history",
    "interrupted_push",
    "preview",
    "promote",
    "promote_planner",
    "rollback",
    "rollback_planner",
    "set_image",
    "status",
    "validate",
]
