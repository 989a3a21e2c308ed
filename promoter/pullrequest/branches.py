"""The branch of an environment's promotion pull request: promoter/ENV/promotion."""

from __future__ import annotations

from promoter.errors import UsageError

BRANCH_PREFIX = "promoter"
BRANCH_LEAF = "promotion"


def branch_prefix(environment: str) -> str:
    """promoter/ENV/: every promotion pull request branch of ENV (older versions of promoter
    named one branch per promotion under it), and nothing of another environment."""
    return f"{BRANCH_PREFIX}/{environment}/"


def promotion_branch(environment: str) -> str:
    """promoter/ENV/promotion, the branch of ENV's promotion pull request."""
    if ".." in environment or environment.endswith((".", ".lock")) or environment.startswith("."):
        raise UsageError(
            f"environment name {environment!r} cannot be part of a git branch name "
            f"({branch_prefix(environment)}{BRANCH_LEAF})",
            hint="rename the environment in promoter.yaml: no '..', not starting with '.', not "
            "ending in '.' or '.lock'",
        )
    return branch_prefix(environment) + BRANCH_LEAF
