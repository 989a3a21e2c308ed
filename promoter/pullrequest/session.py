"""Where promotion pull requests are made: a temporary clone of the GitOps repository (of its
URL, or of a local copy's upstream), and the forge provider for it, shut down after use."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from promoter.config import Config
from promoter.errors import UsageError
from promoter.forge import PullRequestProvider
from promoter.gitrepo import Workspace, is_url, open_workspace
from promoter.promotion import RepoOptions

#: (remote URL, or "" without one; promoter.yaml; environment) -> the provider.
#: promoter.forge.provider_for unless a caller (a test) passes another.
ProviderFactory = Callable[[str, Config, Mapping[str, str]], PullRequestProvider]


def clone_target(repo: RepoOptions) -> tuple[str, str | None]:
    """Pull requests are made in a temporary clone: of the URL, or of a local copy's upstream
    (URL and branch)."""
    if is_url(repo.repo):
        return repo.repo, repo.branch
    with open_workspace(repo.repo, repo.branch, push=False) as local:
        url, branch = local.remote_url(), local.upstream_branch
    if url is None:
        raise UsageError(
            f"{repo.repo} has no upstream remote to open a pull request against",
            hint="pass the GitOps repository URL as --repo, or set an upstream branch",
        )
    return url, branch


@contextmanager
def forge_session(factory: ProviderFactory, ws: Workspace, cfg: Config,
                  environ: Mapping[str, str]) -> Iterator[PullRequestProvider]:
    """The provider of the clone's remote; its connections (if it has any: a `shutdown`
    method) are closed afterwards."""
    provider = factory(ws.remote_url() or "", cfg, environ)
    try:
        yield provider
    finally:
        shutdown = getattr(provider, "shutdown", None)
        if callable(shutdown):
            shutdown()
