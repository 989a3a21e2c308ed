"""The one place that chooses how promoter authenticates to GitHub: a GitHub App (its
installation token, when PROMOTER_GITHUB_APP_ID is set) or a token (PROMOTER_GITHUB_TOKEN, else
GITHUB_TOKEN). The same installation token serves the REST and GraphQL APIs and, over http(s),
git itself: as an Authorization header given to git through its environment, only for the
origin of the App's own GitHub.
"""

from __future__ import annotations

import base64
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from promoter.errors import UsageError
from promoter.forge.github.app import (
    AppAuthenticator,
    AppSettings,
    InstallationToken,
    app_settings,
)
from promoter.forge.github.hosts import (
    DEFAULT_API_URL,
    api_url_from_remote_url,
    repository_from_remote_url,
    token_from_env,
)
from promoter.forge.github.http import Limits
from promoter.gitrepo.auth import use_remote_settings
from promoter.retry import RetryPolicy

API_URL_VARIABLE = "PROMOTER_GITHUB_API_URL"
_REFRESH_MARGIN = 300.0  # seconds: a token expiring sooner than this is replaced

_lock = threading.Lock()
_minted: dict[tuple[str, str, int | None, str, str], InstallationToken] = {}


@dataclass(frozen=True)
class Credentials:
    """How to authenticate to one repository's GitHub API: the token, or (an App) a function
    giving the installation token each time one is needed (renewed before it expires)."""

    kind: str  # "app" or "token"
    bearer: str | Callable[[], str]
    app_id: str | None = None


def credentials_for(owner: str, repo: str, *, api_url: str, environ: Mapping[str, str],
                    permissions: str = "Pull requests: write and Contents: write",
                    ) -> Credentials:
    """The App's installation token when the environment names an App, else the token;
    UsageError when neither is set, ForgeError when the App cannot be used."""
    settings = app_settings(environ)
    if settings is not None:
        installation = _Installation(settings, owner, repo, api_url)
        installation.token()  # fail now, with the App's own message, not at the first request
        return Credentials("app", installation.token, settings.app_id)
    token = token_from_env(environ)
    if token is None:
        raise UsageError(
            "no GitHub token: set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN, or a GitHub App "
            "(PROMOTER_GITHUB_APP_ID and PROMOTER_GITHUB_APP_PRIVATE_KEY)",
            hint=f"a token with the repo scope, or fine-grained {permissions}; an App needs "
            "the permissions listed in README.md",
        )
    return Credentials("token", token)


def git_settings(url: str, environ: Mapping[str, str]) -> dict[str, str]:
    """git settings that authenticate a command talking to `url` with the App's installation
    token: {} without an App, and for any remote that is not on the App's GitHub (the API's own
    origin, or github.com for api.github.com). A personal token is never given to git."""
    repository = repository_from_remote_url(url)
    origin = _git_origin(url, environ) if repository is not None else None
    settings = app_settings(environ) if origin is not None else None
    if settings is None or repository is None or origin is None:
        return {}
    api_url = environ.get(API_URL_VARIABLE, "").strip() or DEFAULT_API_URL
    token = _Installation(settings, *repository, api_url).token()
    basic = base64.b64encode(f"x-access-token:{token}".encode()).decode()
    return {f"http.{origin}/.extraHeader": f"Authorization: Basic {basic}"}


def _git_origin(url: str, environ: Mapping[str, str]) -> str | None:
    """scheme://host[:port] of an http(s) remote on the App's GitHub; None otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    origin = f"{parts.scheme}://{parts.hostname.lower()}" + (
        f":{parts.port}" if parts.port else "")
    explicit = environ.get(API_URL_VARIABLE, "").strip().rstrip("/")
    if explicit and explicit != DEFAULT_API_URL:
        api = urlsplit(explicit)
        same = (api.scheme, (api.hostname or "").lower(), api.port) == (
            parts.scheme, parts.hostname.lower(), parts.port)
        return origin if same else None
    return origin if parts.scheme == "https" and api_url_from_remote_url(url) else None


class _Installation:
    """One App installation's token for one repository, shared by every user in the process
    (the provider, git) and minted again shortly before it expires."""

    def __init__(self, settings: AppSettings, owner: str, repo: str, api_url: str) -> None:
        self._settings = settings
        self._key = (api_url.rstrip("/"), settings.app_id, settings.installation_id,
                     owner.lower(), repo.lower())
        self._authenticator = AppAuthenticator(
            settings, owner, repo, api_url=api_url,
            limits=Limits(RetryPolicy(attempts=4, base=1.0, cap=30.0), 60.0, 30.0))

    def token(self) -> str:
        with _lock:
            current = _minted.get(self._key)
            if current is None or _expiring(current):
                current = self._authenticator.installation_token()
                _minted[self._key] = current
            return current.token.reveal()


def _expiring(token: InstallationToken) -> bool:
    return token.expires_at is not None and token.expires_at - time.time() < _REFRESH_MARGIN


def forget_tokens() -> None:
    """Drop every installation token minted so far (tests)."""
    with _lock:
        _minted.clear()


def app_for_git() -> None:
    """Let every git command that talks to a remote on the App's GitHub use the App's
    installation token (promoter.gitrepo.auth); the process environment names the App."""
    use_remote_settings(_process_git_settings)


def _process_git_settings(url: str) -> dict[str, str]:
    return git_settings(url, os.environ)
