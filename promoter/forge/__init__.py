"""Pull-request forges: which provider serves a repository (provider_for), the provider-neutral
Protocol and types (base.py), the pull-request body (body.py), and GitHub (github/)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from promoter.config import Config
from promoter.errors import UsageError
from promoter.forge.base import (
    Draft,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestProvider,
    PullRequestStatus,
    Review,
)
from promoter.forge.body import pr_body
from promoter.forge.github import GitHubProvider
from promoter.forge.github.hosts import (
    DEFAULT_API_URL,
    api_url_from_remote_url,
    remote_host,
    repository_from_remote_url,
    token_from_env,
)
from promoter.gitrepo import is_url
from promoter.sanitize import redact

__all__ = [
    "Draft",
    "GitHubProvider",
    "PullRequest",
    "PullRequestExists",
    "PullRequestIncomplete",
    "PullRequestProvider",
    "PullRequestStatus",
    "Review",
    "pr_body",
    "provider_for",
]


def provider_for(remote_url: str, cfg: Config, environ: Mapping[str, str]) -> GitHubProvider:
    """The provider of the repository at `remote_url` ("" when it has none): GitHub.

    The token from PROMOTER_GITHUB_TOKEN, else GITHUB_TOKEN; OWNER/REPO from the remote URL,
    else PROMOTER_GITHUB_REPOSITORY, else pr.repository in promoter.yaml; the API from
    PROMOTER_GITHUB_API_URL, else api.github.com for a github.com (or a local) remote.
    UsageError says which of these is missing.
    """
    owner, repo = _repository(remote_url, cfg, environ)
    api = _api_url(remote_url, environ)
    token = token_from_env(environ)
    if token is None:
        raise UsageError(
            "no GitHub token: set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN",
            hint="a token with the repo scope, or fine-grained Pull requests: write and "
            "Contents: write",
        )
    return GitHubProvider(owner, repo, token, api_url=api)


def _repository(url: str, cfg: Config, environ: Mapping[str, str]) -> tuple[str, str]:
    found = repository_from_remote_url(url)
    if found is not None:
        return found
    named = environ.get("PROMOTER_GITHUB_REPOSITORY") or cfg.pr.repository
    if not named or not re.fullmatch(r"[\w.-]+/[\w.-]+", named):
        raise UsageError(
            "cannot tell which GitHub repository to open the pull request in",
            hint="use a GitHub remote URL, or set PROMOTER_GITHUB_REPOSITORY=OWNER/REPO or "
            "pr.repository in promoter.yaml",
        )
    owner, repo = named.split("/")
    return owner, repo


def _api_url(url: str, environ: Mapping[str, str]) -> str:
    """Where the token goes: never to a host that was not named as a GitHub API."""
    explicit = environ.get("PROMOTER_GITHUB_API_URL", "").strip()
    if explicit:
        return explicit
    inferred = api_url_from_remote_url(url)
    if inferred is not None:
        return inferred
    if url.startswith("file://") or not is_url(url):
        return DEFAULT_API_URL  # a local remote (a mirror, tests): OWNER/REPO named explicitly
    host = remote_host(url) or "its host"
    raise UsageError(
        f"the remote {redact(url)} is not on github.com: promoter will not send the GitHub "
        f"token to {host} without being told it is a GitHub API",
        hint="set PROMOTER_GITHUB_API_URL (GitHub Enterprise Server: "
        f"https://{host}/api/v3; github.com: {DEFAULT_API_URL})",
    )
