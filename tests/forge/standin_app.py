"""GitHub Apps in the GitHub stand-in: an App with an RSA key pair made by the test, the
installation lookup (GET /repos/{owner}/{repo}/installation) and installation tokens
(POST /app/installations/{id}/access_tokens), both authenticated with the App's JSON web token
verified as GitHub does (RS256, the App's public key, iss = the App id, at most ten minutes).

A minted installation token becomes one of the stand-in's tokens, for the App's bot user.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from werkzeug.datastructures import Headers

from .standin_checkers import SPEC_SERVER, TIMESTAMP, Json

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn, Reply

EXPIRES_AT = "2999-01-01T00:00:00Z"  # the stand-in's tokens do not expire during a test


@cache
def _key_pair(seed: int) -> tuple[str, rsa.RSAPublicKey]:
    """An RSA key pair (PEM private key, public key), made once per seed and test process."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    return pem, key.public_key()


@dataclass
class FakeApp:
    """A GitHub App registered with the stand-in; `installed` on its repository or not."""

    app_id: int = 123456
    installation_id: int = 7654321
    slug: str = "promoter-app"
    installed: bool = True
    key_seed: int = 0
    minted: list[dict[str, Any]] = field(default_factory=list)  # each access_tokens payload
    tokens: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        # the key pair lives on the App: the stand-in verifies with this very public key
        self.private_key, self.public_key = _key_pair(self.key_seed)

    @property
    def bot(self) -> str:
        return f"{self.slug}[bot]"

    def env(self, *, key_file: str | None = None) -> dict[str, str]:
        """The environment naming this App (the key itself, or a file holding it)."""
        env = {"PROMOTER_GITHUB_APP_ID": str(self.app_id)}
        if key_file is None:
            env["PROMOTER_GITHUB_APP_PRIVATE_KEY"] = self.private_key
        else:
            env["PROMOTER_GITHUB_APP_PRIVATE_KEY_FILE"] = key_file
        return env


def other_private_key() -> str:
    """A valid RSA key that no App of the stand-in has."""
    return _key_pair(99)[0]


_INSTALLATION = re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/installation$")
_ACCESS_TOKENS = re.compile(r"^/app/installations/(?P<id>\d+)/access_tokens$")


def app_route(standin: GitHubStandIn, method: str, path: str, headers: Headers,
              payload: Json) -> Reply | None:
    """The answer to an App request, or None when the request is not one."""
    from .github_standin import Reply, _error
    found = _INSTALLATION.match(path) if method == "GET" else None
    tokens = _ACCESS_TOKENS.match(path) if method == "POST" else None
    if found is None and tokens is None:
        return None
    app, refusal = _authenticated_app(standin, headers)
    if app is None:
        return refusal
    if found is not None:
        named = f"{found['owner']}/{found['repo']}".lower()
        if named != standin.full_name.lower() or not app.installed:
            return _error(404, "Not Found")
        return Reply(200, _installation_json(standin, app))
    assert tokens is not None
    if int(tokens["id"]) != app.installation_id or not app.installed:
        return _error(404, "Not Found")
    return _mint(standin, app, payload)


def _authenticated_app(standin: GitHubStandIn,
                       headers: Headers) -> tuple[FakeApp | None, Reply | None]:
    """(the App, None) when the JSON web token is one of its, else (None, GitHub's 401).
    (Not isinstance: the tests import this module under two names.)"""
    from .github_standin import _error
    scheme, _, token = (headers.get("Authorization") or "").partition(" ")
    undecodable = None, _error(401, "A JSON web token could not be decoded")
    if scheme.lower() != "bearer":
        return undecodable
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return undecodable
    app = next((a for a in standin.apps if str(a.app_id) == str(claims.get("iss"))), None)
    if app is None:
        return None, _error(401, "Integration not found")
    try:
        verified = jwt.decode(token, app.public_key, algorithms=["RS256"],
                              options={"require": ["iat", "exp", "iss"]})
    except jwt.PyJWTError:
        return undecodable
    if int(verified["exp"]) - int(verified["iat"]) > 600:
        standin.problems.append("the App's JSON web token is valid for more than ten minutes")
        return None, _error(401, "'Expiration time' claim ('exp') is too far in the future")
    return app, None


def _mint(standin: GitHubStandIn, app: FakeApp, payload: Json) -> Reply:
    from .github_standin import Reply, _error
    app.minted.append(dict(payload or {}))
    names = (payload or {}).get("repositories")
    if names is not None and any(n.lower() != standin.repo.lower() for n in names):
        return _error(422, "There is at least one repository that does not exist "
                                   "or is not accessible to the parent installation.")
    token = "ghs_FAKEinstallation" + secrets.token_hex(16)
    app.tokens.append(token)
    standin.tokens[token] = app.bot
    standin.collaborators.add(app.bot)
    body = standin.checker.example(
        "installation-token", token=token, expires_at=EXPIRES_AT,
        permissions={"contents": "write", "pull_requests": "write", "statuses": "read",
                     "checks": "read", "metadata": "read"},
        repository_selection="selected")
    return Reply(201, body)


def _installation_json(standin: GitHubStandIn, app: FakeApp) -> dict[str, Json]:
    api = SPEC_SERVER
    return standin.checker.example(
        "installation", id=app.installation_id, app_id=app.app_id, app_slug=app.slug,
        target_id=1, target_type="Organization", repository_selection="selected",
        access_tokens_url=f"{api}/app/installations/{app.installation_id}/access_tokens",
        html_url=f"https://github.com/organizations/{standin.owner}/settings/installations/"
        f"{app.installation_id}",
        repositories_url=f"{api}/installation/repositories",
        events=[], single_file_name=None, suspended_by=None, suspended_at=None,
        account=standin._user_json(standin.owner),
        permissions={"contents": "write", "pull_requests": "write"},
        created_at=TIMESTAMP, updated_at=TIMESTAMP,
    )
