"""GitHub App authentication: the App's private key signs a short-lived JSON web token (RS256,
PyJWT with cryptography), which finds the App's installation on the repository and is exchanged
for an installation token limited to that repository.

Every failure is a ForgeError (exit 5) of one line saying which part is wrong (the key, the App
id, the installation); neither the key nor a token is ever part of a message.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from promoter.errors import ForgeError
from promoter.forge.github.http import GitHubAPI, Limits, github_message
from promoter.sanitize import foreign, one_line
from promoter.webapi import Secret

APP_ID_VARIABLE = "PROMOTER_GITHUB_APP_ID"
KEY_VARIABLE = "PROMOTER_GITHUB_APP_PRIVATE_KEY"
KEY_FILE_VARIABLE = "PROMOTER_GITHUB_APP_PRIVATE_KEY_FILE"
INSTALLATION_VARIABLE = "PROMOTER_GITHUB_APP_INSTALLATION_ID"
APP_VARIABLES = (APP_ID_VARIABLE, KEY_VARIABLE, KEY_FILE_VARIABLE, INSTALLATION_VARIABLE)

_JWT_BACKDATE = 60.0  # seconds: GitHub's clock may be a little behind ours
_JWT_LIFETIME = 540.0  # seconds after now; GitHub accepts at most ten minutes
_KEY_LIMIT = 64 * 1024  # bytes: an RSA key in PEM is a few KiB
_KEY_HINT = (f"set {KEY_VARIABLE} to the App's private key (the PEM file GitHub generated, "
             f"-----BEGIN RSA PRIVATE KEY-----...) or {KEY_FILE_VARIABLE} to its path")


@dataclass(frozen=True)
class AppSettings:
    """The App named by the environment: its id, key and (optionally) installation id."""

    app_id: str
    key: Secret  # the PEM text
    installation_id: int | None


@dataclass(frozen=True)
class InstallationToken:
    token: Secret
    expires_at: float | None  # seconds since the epoch; None when GitHub did not say


def app_settings(environ: Mapping[str, str]) -> AppSettings | None:
    """The App of PROMOTER_GITHUB_APP_ID and its key; None when no App variable is set.
    ForgeError when the App is named only in part, or the key cannot be read."""
    named = {name: environ.get(name, "").strip() for name in APP_VARIABLES}
    if not any(named.values()):
        return None
    app_id = named[APP_ID_VARIABLE]
    if not app_id.isdecimal() or not app_id.isascii():
        shown = f"={foreign(app_id, 40)!r}" if app_id else " is not set"
        raise ForgeError(f"{APP_ID_VARIABLE}{shown}: a GitHub App is named by its numeric App "
                         "id", hint="copy the App ID from the App's settings page")
    return AppSettings(app_id, _key(environ, named[KEY_FILE_VARIABLE]),
                       _installation(named[INSTALLATION_VARIABLE]))


def _key(environ: Mapping[str, str], path: str) -> Secret:
    text = environ.get(KEY_VARIABLE, "")
    if text.strip():
        return Secret(text)
    if not path:
        raise ForgeError(f"{APP_ID_VARIABLE} is set but neither {KEY_VARIABLE} nor "
                         f"{KEY_FILE_VARIABLE}", hint=_KEY_HINT)
    try:
        with open(Path(path), "rb") as handle:
            data = handle.read(_KEY_LIMIT + 1)
    except OSError as exc:
        raise ForgeError(f"cannot read the GitHub App private key {KEY_FILE_VARIABLE}="
                         f"{foreign(path, 200)}: {exc.strerror}", hint=_KEY_HINT) from None
    if len(data) > _KEY_LIMIT:
        raise ForgeError(f"the GitHub App private key file {foreign(path, 200)} is larger than "
                         f"{_KEY_LIMIT // 1024} KiB: not a private key", hint=_KEY_HINT)
    return Secret(data.decode("utf-8", errors="replace"))


def _installation(value: str) -> int | None:
    if not value:
        return None
    if not value.isdecimal() or not value.isascii() or int(value) < 1:
        raise ForgeError(f"{INSTALLATION_VARIABLE}={foreign(value, 40)!r} is not an "
                         "installation id (a positive number)",
                         hint="unset it to let promoter find the installation, or copy the id "
                         "from the URL of the App's installation settings")
    return int(value)


def signing_key(settings: AppSettings) -> RSAPrivateKey:
    """The App's RSA private key; ForgeError (without any of the key) when it is not one."""
    try:
        key = load_pem_private_key(settings.key.reveal().encode(), password=None)
    except (ValueError, TypeError):  # not PEM, encrypted, or not a key cryptography knows
        key = None
    if not isinstance(key, RSAPrivateKey):
        raise ForgeError(f"the private key of GitHub App {settings.app_id} is not an RSA "
                         "private key in PEM form (without a passphrase)", hint=_KEY_HINT)
    return key


def app_jwt(settings: AppSettings, now: float) -> Secret:
    """The JSON web token that authenticates the App itself, valid for about ten minutes."""
    claims = {"iat": int(now - _JWT_BACKDATE), "exp": int(now + _JWT_LIFETIME),
              "iss": settings.app_id}
    return Secret(jwt.encode(claims, signing_key(settings), algorithm="RS256"))


class AppAuthenticator:
    """Exchanges the App's key for an installation token of one repository."""

    def __init__(self, settings: AppSettings, owner: str, repo: str, *, api_url: str,
                 limits: Limits, now: Callable[[], float] = time.time,
                 transport: httpx.BaseTransport | None = None) -> None:
        self._settings = settings
        self._owner, self._repo = owner, repo
        self._api_url, self._limits, self._now = api_url, limits, now
        self._transport = transport

    def installation_token(self) -> InstallationToken:
        """A new installation token with the App's permissions on this repository only."""
        token = app_jwt(self._settings, self._now())
        api = GitHubAPI(self._owner, self._repo, token.reveal(), api_url=self._api_url,
                        limits=self._limits, now=self._now, transport=self._transport)
        try:
            installation = self._settings.installation_id or self._find_installation(api)
            return self._exchange(api, installation)
        finally:
            api.close()

    def _find_installation(self, api: GitHubAPI) -> int:
        action = "find the GitHub App's installation"
        reply = api.send("GET", api.repo_path("installation"), action=action)
        self._check(api, reply.response, action)
        data = api.json_object(reply.response, action)
        number = data.get("id")
        if not isinstance(number, int) or isinstance(number, bool):
            raise api.unexpected(action, "an installation without an id")
        return number

    def _exchange(self, api: GitHubAPI, installation: int) -> InstallationToken:
        action = f"create a token of the GitHub App's installation {installation}"
        reply = api.send("POST", f"/app/installations/{installation}/access_tokens",
                         json={"repositories": [self._repo]}, action=action)
        self._check(api, reply.response, action, installation=installation)
        data = api.json_object(reply.response, action)
        token = data.get("token")
        if not isinstance(token, str) or not token:
            raise api.unexpected(action, "an answer without a token")
        return InstallationToken(Secret(token), _expiry(data.get("expires_at")))

    def _check(self, api: GitHubAPI, response: httpx.Response, action: str, *,
               installation: int | None = None) -> None:
        """ForgeError naming what is wrong: the key or App id (401), the installation (404)."""
        app, repository = self._settings.app_id, f"{self._owner}/{self._repo}"
        said = one_line(github_message(response))
        if response.status_code == 401:
            raise ForgeError(api.mask(
                f"GitHub rejected the JSON web token of App {app} (401 {said}): "
                f"{APP_ID_VARIABLE} is not the App's id, or the private key is not this App's"),
                hint=f"check {APP_ID_VARIABLE} and the key (generate a new one in the App's "
                "settings if in doubt)")
        if response.status_code == 404 and installation is None:
            raise ForgeError(api.mask(f"GitHub App {app} is not installed on {repository} "
                                      f"(404 {said})"),
                             hint="install the App on the repository (the App's settings, "
                             "Install App), with access to this repository")
        if response.status_code in (403, 404, 422) and installation is not None:
            raise ForgeError(api.mask(
                f"GitHub refused a token of App {app}'s installation {installation} for "
                f"{repository} ({response.status_code} {said})"),
                hint=f"check {INSTALLATION_VARIABLE} and that the installation may access "
                f"{repository}")
        api.raise_for_status(response, action=action)


def _expiry(value: Any) -> float | None:
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
