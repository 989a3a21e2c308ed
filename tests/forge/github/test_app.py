"""GitHub App authentication (promoter.forge.github.app) and the one choice of credentials
(promoter.forge.github.credentials), against the stand-in's App endpoints."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import jwt
import pytest

from promoter.errors import ExitCode, ForgeError, UsageError
from promoter.forge.github.app import AppAuthenticator, app_jwt, app_settings, signing_key
from promoter.forge.github.credentials import (
    credentials_for,
    forget_tokens,
    git_settings,
)
from promoter.forge.github.http import Limits
from promoter.retry import RetryPolicy
from tests.forge.github_standin import TOKEN, GitHubStandIn
from tests.forge.standin_app import FakeApp, other_private_key


@pytest.fixture
def app(github: GitHubStandIn) -> Iterator[FakeApp]:
    fake = FakeApp()
    github.apps.append(fake)
    forget_tokens()
    yield fake
    forget_tokens()


def _authenticator(github: GitHubStandIn, env: dict[str, str]) -> AppAuthenticator:
    settings = app_settings(env)
    assert settings is not None
    return AppAuthenticator(settings, github.owner, github.repo, api_url=github.url,
                            limits=Limits(RetryPolicy(attempts=1), 0.0, 5.0))


def test_no_app_variable_means_no_app() -> None:
    assert app_settings({"PROMOTER_GITHUB_TOKEN": "x"}) is None


@pytest.mark.parametrize(("env", "words"), [
    ({"PROMOTER_GITHUB_APP_PRIVATE_KEY": "k"}, "PROMOTER_GITHUB_APP_ID is not set"),
    ({"PROMOTER_GITHUB_APP_ID": "my-app"}, "a GitHub App is named by its numeric App id"),
    ({"PROMOTER_GITHUB_APP_ID": "1"}, "neither PROMOTER_GITHUB_APP_PRIVATE_KEY nor"),
    ({"PROMOTER_GITHUB_APP_ID": "1", "PROMOTER_GITHUB_APP_PRIVATE_KEY": "k",
      "PROMOTER_GITHUB_APP_INSTALLATION_ID": "0"}, "is not an installation id"),
])
def test_an_app_named_in_part_is_an_error(env: dict[str, str], words: str) -> None:
    with pytest.raises(ForgeError, match=words) as caught:
        app_settings(env)
    assert caught.value.exit_code is ExitCode.REMOTE


def test_the_key_comes_from_a_file_too(tmp_path: Path) -> None:
    key = tmp_path / "app.pem"
    key.write_text(other_private_key())
    settings = app_settings({"PROMOTER_GITHUB_APP_ID": "7",
                             "PROMOTER_GITHUB_APP_PRIVATE_KEY_FILE": str(key)})
    assert settings is not None and settings.key.reveal() == other_private_key()
    assert "PRIVATE" not in repr(settings)
    key.write_bytes(b"x" * 70_000)
    with pytest.raises(ForgeError, match="larger than 64 KiB"):
        app_settings({"PROMOTER_GITHUB_APP_ID": "7",
                      "PROMOTER_GITHUB_APP_PRIVATE_KEY_FILE": str(key)})


def test_a_key_that_is_not_one_is_refused_without_showing_it() -> None:
    text = "-----BEGIN RSA PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n"
    settings = app_settings({"PROMOTER_GITHUB_APP_ID": "7",
                             "PROMOTER_GITHUB_APP_PRIVATE_KEY": text})
    assert settings is not None
    with pytest.raises(ForgeError) as caught:
        signing_key(settings)
    assert "c2VjcmV0" not in str(caught.value)
    assert "not an RSA private key in PEM form" in caught.value.message


def test_the_jwt_is_rs256_short_lived_and_names_the_app() -> None:
    app = FakeApp(app_id=4242, key_seed=99)
    settings = app_settings(app.env())
    assert settings is not None
    token = app_jwt(settings, now=1_700_000_000.0).reveal()
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    claims = jwt.decode(token, app.public_key, algorithms=["RS256"],
                        options={"verify_exp": False, "verify_iat": False})
    assert claims["iss"] == "4242"
    assert claims["iat"] <= 1_700_000_000 < claims["exp"]
    assert claims["exp"] - claims["iat"] <= 600


def test_the_installation_token_is_limited_to_the_repository(
        github: GitHubStandIn, app: FakeApp) -> None:
    token = _authenticator(github, app.env()).installation_token()
    assert token.token.reveal() == app.tokens[0] and token.expires_at is not None
    assert app.minted == [{"repositories": ["gitops"]}]
    assert [r.path for r in github.requests] == [
        "/repos/acme/gitops/installation",
        f"/app/installations/{app.installation_id}/access_tokens"]


def test_a_named_installation_is_not_looked_up(github: GitHubStandIn, app: FakeApp) -> None:
    env = {**app.env(), "PROMOTER_GITHUB_APP_INSTALLATION_ID": str(app.installation_id)}
    _authenticator(github, env).installation_token()
    assert [r.path for r in github.requests] == [
        f"/app/installations/{app.installation_id}/access_tokens"]


def test_a_wrong_installation_id_says_so(github: GitHubStandIn, app: FakeApp) -> None:
    env = {**app.env(), "PROMOTER_GITHUB_APP_INSTALLATION_ID": "1"}
    with pytest.raises(ForgeError, match="refused a token of App 123456's installation 1"):
        _authenticator(github, env).installation_token()


def test_the_credentials_choice_prefers_the_app(github: GitHubStandIn, app: FakeApp) -> None:
    env = {**app.env(), "PROMOTER_GITHUB_TOKEN": TOKEN}
    chosen = credentials_for(github.owner, github.repo, api_url=github.url, environ=env)
    assert chosen.kind == "app" and callable(chosen.bearer)
    assert chosen.bearer() == app.tokens[0]
    assert chosen.bearer() == app.tokens[0] and len(app.tokens) == 1  # minted once
    token = credentials_for(github.owner, github.repo, api_url=github.url,
                            environ={"GITHUB_TOKEN": TOKEN})
    assert (token.kind, token.bearer) == ("token", TOKEN)
    with pytest.raises(UsageError, match="no GitHub token"):
        credentials_for(github.owner, github.repo, api_url=github.url, environ={})


def test_git_gets_the_token_only_for_the_apps_own_github(
        github: GitHubStandIn, app: FakeApp) -> None:
    env = {**app.env(), "PROMOTER_GITHUB_API_URL": github.url}
    [(key, value)] = git_settings(f"{github.url}/acme/gitops.git", env).items()
    assert key == f"http.{github.url}/.extraHeader"
    assert value.startswith("Authorization: Basic ")
    for elsewhere in ("https://gitlab.com/acme/gitops.git", "git@github.com:acme/gitops.git",
                      "file:///srv/gitops.git", "https://github.com/acme/gitops.git",
                      f"{github.url.replace('127.0.0.1', 'localhost')}/acme/gitops.git"):
        assert git_settings(elsewhere, env) == {}
    with_token = {"PROMOTER_GITHUB_TOKEN": TOKEN, "PROMOTER_GITHUB_API_URL": github.url}
    assert git_settings(f"{github.url}/acme/gitops.git", with_token) == {}
