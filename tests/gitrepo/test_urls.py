"""gitrepo.urls: remote addresses versus local paths, and the host and path of a remote."""

from __future__ import annotations

import pytest

from promoter.gitrepo.urls import RemoteLocation, is_url, remote_location


@pytest.mark.parametrize(
    "repo",
    [
        "file:///srv/gitops.git",
        "ssh://git@github.com/org/gitops.git",
        "https://github.com/org/gitops.git",
        "http://127.0.0.1:8080/x.git",
        "git://example.com/gitops.git",
        "git@github.com:org/gitops.git",
        "gitlab.example.com:org/gitops.git",
        "git@[::1]:org/gitops.git",
    ],
)
def test_is_url_accepts_remote_addresses(repo: str) -> None:
    assert is_url(repo)


@pytest.mark.parametrize("repo", [".", "..", "/srv/gitops", "gitops", "./odd:name", "a/b:c",
                                  "c:gitops"])
def test_is_url_rejects_local_paths(repo: str) -> None:
    assert not is_url(repo)


@pytest.mark.parametrize(
    ("url", "location"),
    [
        ("git@github.com:org/gitops.git", ("github.com", "org/gitops.git")),
        ("GitHub.com:org/gitops", ("github.com", "org/gitops")),
        ("git@[::1]:org/gitops.git", ("::1", "org/gitops.git")),
        ("ssh://git@ghe.example.com:2222/o/r.git", ("ghe.example.com", "/o/r.git")),
        ("https://bot:s3cret@GITHUB.com/o/r.git", ("github.com", "/o/r.git")),
        ("git+ssh://git@example.com/o/r", ("example.com", "/o/r")),
        ("git://example.com/o/r.git", ("example.com", "/o/r.git")),
    ],
)
def test_remote_location_of_network_remotes(url: str, location: tuple[str, str]) -> None:
    assert remote_location(url) == RemoteLocation(*location)
    host, path = location
    assert remote_location(url) == (host, path)


@pytest.mark.parametrize(
    "url",
    ["file:///srv/gitops.git", "/srv/gitops.git", "./gitops", "c:gitops", "ftp://example.com/x",
     "https:///o/r.git", "http://[::1/x.git", ""],
)
def test_remote_location_is_none_for_anything_else(url: str) -> None:
    assert remote_location(url) is None
