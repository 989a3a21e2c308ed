"""Pull-request forges: the provider-neutral Protocol, the GitHub provider, the PR body."""

from promoter.forge.base import (
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
    PullRequestStatus,
    Review,
    wait_for_merge,
)
from promoter.forge.body import ImageRow, environment_from_body, pr_body
from promoter.forge.github import (
    GitHubProvider,
    RetryPolicy,
    api_url_from_remote_url,
    repository_from_remote_url,
    token_from_env,
)

__all__ = [
    "GitHubProvider",
    "ImageRow",
    "PullRequest",
    "PullRequestExists",
    "PullRequestIncomplete",
    "PullRequestProvider",
    "PullRequestStatus",
    "RetryPolicy",
    "Review",
    "api_url_from_remote_url",
    "environment_from_body",
    "pr_body",
    "repository_from_remote_url",
    "token_from_env",
    "wait_for_merge",
]
