"""Where a GitHub token may go: the repository and API URL a git remote names, the host of a
remote, and the token from the environment.

Only github.com is inferred as a GitHub API; any other host must be named explicitly.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from promoter.gitrepo.urls import remote_location

DEFAULT_API_URL = "https://api.github.com"
TOKEN_VARIABLES = ("PROMOTER_GITHUB_TOKEN", "GITHUB_TOKEN")

_PUBLIC_HOSTS = frozenset({"github.com", "www.github.com", "ssh.github.com"})
_OTHER_FORGES = frozenset(
    {"gitlab.com", "bitbucket.org", "codeberg.org", "dev.azure.com", "ssh.dev.azure.com"}
)
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_REPO = re.compile(r"^[A-Za-z0-9._-]+$")


def repository_from_remote_url(url: str) -> tuple[str, str] | None:
    """(owner, repo) of a GitHub or GitHub Enterprise remote URL, or None if it is not one.

    Accepts ssh://git@host[:port]/o/r(.git), git@host:o/r(.git), https://[cred@]host/o/r(.git).
    """
    location = _host_and_path(url.strip())
    if location is None:
        return None
    host, path = location
    if host.lower() in _OTHER_FORGES:
        return None
    return _owner_and_repo(path)


def api_url_from_remote_url(url: str) -> str | None:
    """https://api.github.com for a github.com remote; None for every other remote.

    Only github.com is inferred: a host name alone does not prove a server is GitHub
    Enterprise, and the token must never be sent to a GitLab, Gitea or Bitbucket server. Any
    other host needs its API URL given explicitly (PROMOTER_GITHUB_API_URL).
    """
    host = remote_host(url)
    if host is None or host not in _PUBLIC_HOSTS or repository_from_remote_url(url) is None:
        return None
    return DEFAULT_API_URL


def remote_host(url: str) -> str | None:
    """The host of an ssh, git or http(s) remote URL (lower case), None for anything else."""
    location = _host_and_path(url.strip())
    return location[0].lower() if location is not None else None


def token_from_env(environ: Mapping[str, str]) -> str | None:
    """The token from PROMOTER_GITHUB_TOKEN, else GITHUB_TOKEN; None when neither is set."""
    for name in TOKEN_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _host_and_path(url: str) -> tuple[str, str] | None:
    location = remote_location(url)
    return None if location is None else (location.host, location.path)


def _owner_and_repo(path: str) -> tuple[str, str] | None:
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    segments = path.split("/")
    if len(segments) != 2:
        return None
    owner, repo = segments
    if not _OWNER.match(owner) or not _REPO.match(repo) or repo in (".", ".."):
        return None
    return owner, repo

