"""promoter.forge.provider_for: which provider, which repository, and where the token may go."""

from __future__ import annotations

import pytest

from promoter.config import Config, Environment, PullRequestSettings
from promoter.errors import ExitCode, UsageError
from promoter.forge import GitHubProvider, provider_for

TOKEN = "ghp_FAKEchoiceToken0123456789"
CONFIG = Config(environments=(Environment("production", "overlays/production"),),
                pr=PullRequestSettings())


def provider_repr(url: str, cfg: Config = CONFIG, **environ: str) -> str:
    with provider_for(url, cfg, {"GITHUB_TOKEN": TOKEN, **environ}) as provider:
        assert isinstance(provider, GitHubProvider)
        return repr(provider)


@pytest.mark.parametrize("url", [
    "https://gitlab.example.com/o/r.git",
    "git@gitea.internal:o/r.git",
    "https://gitlab.com/o/r.git",
    "ssh://git@ghe.example.com:2222/o/r.git",
])
def test_a_remote_not_on_github_com_needs_an_explicit_api_url(url: str) -> None:
    with pytest.raises(UsageError) as caught:
        provider_repr(url, PROMOTER_GITHUB_REPOSITORY="o/r")
    text = str(caught.value)
    assert "is not on github.com" in text and "PROMOTER_GITHUB_API_URL" in text
    assert TOKEN not in text


def test_the_hint_names_the_enterprise_api_url() -> None:
    with pytest.raises(UsageError) as caught:
        provider_repr("https://ci:secret@ghe.example.com/o/r.git")
    assert caught.value.hint is not None
    assert "https://ghe.example.com/api/v3" in caught.value.hint
    assert "secret" not in str(caught.value)


def test_an_explicit_api_url_is_used_for_any_host() -> None:
    text = provider_repr("https://ghe.example.com/o/r.git",
                         PROMOTER_GITHUB_API_URL="https://ghe.example.com/api/v3")
    assert "api_url='https://ghe.example.com/api/v3'" in text and "'o/r'" in text


@pytest.mark.parametrize(("url", "environ", "api"), [
    ("git@github.com:o/r.git", {}, "https://api.github.com"),
    ("file:///srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r"}, "https://api.github.com"),
    ("/srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r"}, "https://api.github.com"),
    ("", {"PROMOTER_GITHUB_REPOSITORY": "o/r"}, "https://api.github.com"),
    ("file:///srv/gitops.git", {"PROMOTER_GITHUB_REPOSITORY": "o/r",
                                "PROMOTER_GITHUB_API_URL": "http://127.0.0.1:9/"},
     "http://127.0.0.1:9"),
])
def test_github_com_and_local_remotes(url: str, environ: dict[str, str], api: str) -> None:
    assert f"api_url='{api}'" in provider_repr(url, **environ)


def test_the_repository_comes_from_the_remote_then_the_environment_then_the_config() -> None:
    configured = Config(environments=CONFIG.environments,
                        pr=PullRequestSettings(repository="cfg/repo"))
    assert "'url/repo'" in provider_repr("git@github.com:url/repo.git", configured,
                                         PROMOTER_GITHUB_REPOSITORY="env/repo")
    assert "'env/repo'" in provider_repr("/srv/gitops.git", configured,
                                         PROMOTER_GITHUB_REPOSITORY="env/repo")
    assert "'cfg/repo'" in provider_repr("/srv/gitops.git", configured)


@pytest.mark.parametrize("named", [None, "just-a-name", "a/b/c"])
def test_no_repository_is_a_usage_error(named: str | None) -> None:
    environ = {} if named is None else {"PROMOTER_GITHUB_REPOSITORY": named}
    with pytest.raises(UsageError, match="cannot tell which GitHub repository") as caught:
        provider_repr("/srv/gitops.git", **environ)
    assert caught.value.hint is not None and "PROMOTER_GITHUB_REPOSITORY=OWNER/REPO" in (
        caught.value.hint)


def test_no_token_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no GitHub token: set PROMOTER_GITHUB_TOKEN or "
                                         "GITHUB_TOKEN"):
        provider_for("git@github.com:o/r.git", CONFIG, {})



@pytest.mark.parametrize("value", [
    "api.github.com",                 # no scheme
    "ftp://api.github.com",           # not http(s)
    "https://",                       # no host
    "https:///api/v3",                # no host either
    "http://[::1",                    # unparsable
    "https://ghe.example.com:99999",  # no such port
    "https://ghe example.com/api/v3",  # a space
    "https://ghe.example.com/\x1b[31m",  # a control character
])
def test_a_malformed_api_url_is_a_usage_error_naming_the_variable(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        provider_repr("https://ghe.example.com/o/r.git", PROMOTER_GITHUB_API_URL=value)
    assert caught.value.exit_code == ExitCode.USAGE
    assert caught.value.message.startswith("PROMOTER_GITHUB_API_URL=")
    assert caught.value.message.endswith("is not an http(s) URL with a host")
    assert "\x1b" not in str(caught.value)
