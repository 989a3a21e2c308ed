"""The use cases behind the CLI: set-image, promote, rollback, hold, release (changes), and status,
diff, history, validate (queries). Modules: options (what a change is given), results (what it
produces), versions (an overlay now and in the past), planners (what each command changes),
guards (the freeze and hold rules every change meets), change (the edit-verify-commit-push
loop), queries (read-only commands)."""

from promoter.promotion.change import (
    change,
    commit_kept,
    commit_message,
    edited,
    interrupted_push,
    preview,
)
from promoter.promotion.guards import settle, settled
from promoter.promotion.options import CommitOptions, Overrides, RepoOptions
from promoter.promotion.planners import (
    hold,
    promote,
    promote_planner,
    release,
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
    "Overrides",
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
    "hold",
    "interrupted_push",
    "preview",
    "promote",
    "promote_planner",
    "release",
    "rollback",
    "rollback_planner",
    "set_image",
    "settle",
    "settled",
    "status",
    "validate",
]
