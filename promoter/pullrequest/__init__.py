"""Promotion pull requests: proposing a change for review (proposal.py) and reading, waiting
for and merging the pull request (status.py), on the environment's branch promoter/ENV/promotion
(branches.py), in a temporary clone with the forge's provider (session.py)."""

from promoter.pullrequest.branches import branch_prefix, promotion_branch
from promoter.pullrequest.proposal import propose
from promoter.pullrequest.session import ProviderFactory
from promoter.pullrequest.status import PullRequestReport, WaitOptions, pr_status

__all__ = [
    "ProviderFactory",
    "PullRequestReport",
    "WaitOptions",
    "branch_prefix",
    "pr_status",
    "promotion_branch",
    "propose",
]
