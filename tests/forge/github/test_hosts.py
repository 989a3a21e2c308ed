"""Where the GitHub token may go: repository and API URL from a git remote, the remote's host,
and the token from the environment."""

from __future__ import annotations

import pytest

from promoter.forge.github.hosts import (
    api_url_from_remote_url,
    remote_host,
    repository_from_remote_url,
    token_from_env,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("ssh://git@github.com/acme/gitops.git", ("acme", "gitops")),
        ("ssh://git@github.com:22/acme/gitops", ("acme", "gitops")),
        ("git@github.com:acme/gitops.git", ("acme", "gitops")),
        ("git@github.com:acme/gitops", ("acme", "gitops")),
        ("github-work:acme/gitops.git", ("acme", "gitops")),  # an ~/.ssh/config host alias
        ("https://github.com/acme/gitops", ("acme", "gitops")),
        ("https://github.com/acme/gitops.git", ("acme", "gitops")),
        ("https://github.com/acme/gitops/", ("acme", "gitops")),
        ("https://x-access-token:ghs_secret@github.com/acme/gitops.git", ("acme", "gitops")),
        ("https://ghe.example.com/platform/gitops.git", ("platform", "gitops")),
        ("git@ghe.example.com:platform/my.repo-v2.git", ("platform", "my.repo-v2")),
        ("  https://github.com/acme/gitops.git\n", ("acme", "gitops")),
        ("https://gitlab.com/acme/gitops.git", None),
        ("git@bitbucket.org:acme/gitops.git", None),
        ("https://github.com/acme", None),
        ("https://github.com/acme/gitops/tree/main", None),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
        ("../gitops.git", None),
        ("", None),
        ("https://github.com/-acme/gitops", None),
        ("https://github.com/acme/..", None),
    ],
)
def test_repository_from_remote_url(url: str, expected: tuple[str, str] | None) -> None:
    assert repository_from_remote_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("git@github.com:acme/gitops.git", "https://api.github.com"),
        ("https://GitHub.com/acme/gitops", "https://api.github.com"),
        ("ssh://git@ssh.github.com:443/acme/gitops.git", "https://api.github.com"),
        ("https://x-access-token:ghs_secret@github.com/acme/gitops.git", "https://api.github.com"),
        # only github.com is inferred: the token must not go to a host nobody named as GitHub
        ("ssh://git@ghe.example.com:2222/platform/gitops.git", None),
        ("https://gitlab.example.com/o/r.git", None),
        ("github-work:acme/gitops.git", None),  # an ssh alias: which host is unknown
        ("https://gitlab.com/acme/gitops.git", None),
        ("https://github.com/acme", None),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
    ],
)
def test_api_url_from_remote_url(url: str, expected: str | None) -> None:
    assert api_url_from_remote_url(url) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://user:pw@GitLab.Example.com:8443/o/r.git", "gitlab.example.com"),
        ("git@ghe.example.com:platform/gitops.git", "ghe.example.com"),
        ("file:///srv/git/gitops.git", None),
        ("/srv/git/gitops.git", None),
    ],
)
def test_remote_host(url: str, expected: str | None) -> None:
    assert remote_host(url) == expected


def test_token_from_env_prefers_promoter_github_token() -> None:
    assert token_from_env({"PROMOTER_GITHUB_TOKEN": "a", "GITHUB_TOKEN": "b"}) == "a"
    assert token_from_env({"PROMOTER_GITHUB_TOKEN": "  ", "GITHUB_TOKEN": "b\n"}) == "b"
    assert token_from_env({"HOME": "/root"}) is None

