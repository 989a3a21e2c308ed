"""Pull-request forges: which provider serves a repository (provider_for, statuses_for), the
provider-neutral Protocols and types (base.py), the pull-request body (body.py), and GitHub
(github/)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from promoter.config import Config
from promoter.errors import UsageError
from promoter.forge.base import (
    CommitCheck,
    CommitStatuses,
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
from promoter.forge.github.credentials import API_URL_VARIABLE, credentials_for
from promoter.forge.github.hosts import (
    DEFAULT_API_URL,
    api_url_from_remote_url,
    remote_host,
    repository_from_remote_url,
)
from promoter.gitrepo import is_url
from promoter.sanitize import foreign, redact
from promoter.webapi import is_http_url

__all__ = [
    "COMMIT_STATUSES",
    "PULL_REQUESTS",
    "CommitCheck",
    "CommitStatuses",
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
    "statuses_for",
]


@dataclass(frozen=True)
class Purpose:
    """What the provider is for, in the words of its usage errors."""

    doing: str  # "open the pull request in"
    permissions: str  # the fine-grained permissions the token needs


PULL_REQUESTS = Purpose("open the pull request in", "Pull requests: write and Contents: write")
COMMIT_STATUSES = Purpose("read the commit statuses of",
                          "Commit statuses: read and Checks: read")


def provider_for(remote_url: str, cfg: Config, environ: Mapping[str, str], *,
                 purpose: Purpose = PULL_REQUESTS) -> GitHubProvider:
    """The provider of the repository at `remote_url` ("" when it has none): GitHub.

    The credentials of promoter.forge.github.credentials (a GitHub App, else PROMOTER_GITHUB_TOKEN,
    else GITHUB_TOKEN); OWNER/REPO from the remote URL,
    else PROMOTER_GITHUB_REPOSITORY, else pr.repository in promoter.yaml; the API from
    PROMOTER_GITHUB_API_URL, else api.github.com for a github.com (or a local) remote.
    UsageError says which of these is missing (and what for: `purpose`).
    """
    owner, repo = _repository(remote_url, cfg, environ, purpose)
    api = _api_url(remote_url, environ)
    credentials = credentials_for(owner, repo, api_url=api, environ=environ,
                                  permissions=purpose.permissions)
    return GitHubProvider(owner, repo, credentials.bearer, api_url=api)


def statuses_for(remote_url: str, cfg: Config, environ: Mapping[str, str]) -> GitHubProvider:
    """provider_for, to read commit statuses and check runs (promotion gates)."""
    return provider_for(remote_url, cfg, environ, purpose=COMMIT_STATUSES)


def _repository(url: str, cfg: Config, environ: Mapping[str, str],
                purpose: Purpose) -> tuple[str, str]:
    found = repository_from_remote_url(url)
    if found is not None:
        return found
    named = environ.get("PROMOTER_GITHUB_REPOSITORY") or cfg.pr.repository
    if not named or not re.fullmatch(r"[\w.-]+/[\w.-]+", named):
        raise UsageError(
            f"cannot tell which GitHub repository to {purpose.doing}",
            hint="use a GitHub remote URL, or set PROMOTER_GITHUB_REPOSITORY=OWNER/REPO or "
            "pr.repository in promoter.yaml",
        )
    owner, repo = named.split("/")
    return owner, repo


def _checked_api_url(value: str) -> str:
    """value, when it is an http(s) URL with a host that httpx can send to; else UsageError."""
    if not is_http_url(value):
        raise UsageError(
            f"{API_URL_VARIABLE}={foreign(value, 200)!r} is not an http(s) URL with a host",
            hint=f"set {API_URL_VARIABLE} to the GitHub REST API (github.com: {DEFAULT_API_URL}; "
            "GitHub Enterprise Server: https://HOST/api/v3), or unset it",
        )
    return value


def _api_url(url: str, environ: Mapping[str, str]) -> str:
    """Where the token goes: never to a host that was not named as a GitHub API."""
    explicit = environ.get(API_URL_VARIABLE, "").strip()
    if explicit:
        return _checked_api_url(explicit)
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
