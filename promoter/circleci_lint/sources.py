"""check-pipeline's inputs: the CircleCI file, and the environments' sources with a label
saying where they came from (promoter.yaml of the GitOps repository, --config, or the convention).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from promoter.circleci_lint import check_pipeline, model
from promoter.circleci_lint.report import PipelineReport
from promoter.config import Config, load_config
from promoter.errors import GitError, UsageError
from promoter.gitrepo import open_workspace
from promoter.sanitize import redact

if TYPE_CHECKING:  # promotion may re-export check_pipeline_file: no import cycle at run time
    from promoter.promotion import RepoOptions

CONVENTIONAL_SOURCES: dict[str, str | None] = {"staging": None, "production": "staging"}


def pipeline_sources(repo: RepoOptions) -> tuple[dict[str, str | None], str]:
    """Environments and their sources for check-pipeline, and where they came from.

    From --config when it is an absolute path, else from the GitOps repository (--repo). A
    service repository (the usual place of the CircleCI config) has no environments of its own:
    then the convention, production from staging, applies."""
    if repo.config is not None and Path(repo.config).is_absolute():
        given = load_config(Path("/"), repo.config)
        return {e.name: e.source for e in given.environments}, repo.config
    local_default = repo.repo == "." and repo.config is None
    cfg: Config | None = None
    try:
        with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
            cfg = load_config(ws.root, repo.config)
    except (GitError, UsageError):  # "." is no git working copy
        if not local_default:
            raise
    if cfg is None or not cfg.environments:
        if not local_default:
            raise UsageError(f"{repo.repo} declares no environments",
                             hint="pass the GitOps repository as --repo, or --config FILE")
        return dict(CONVENTIONAL_SOURCES), (
            "the convention (production from staging): this repository has no environments; "
            "pass --repo GITOPS_URL to use the GitOps repository's promoter.yaml")
    where = cfg.path or f"the folders under {repo.repo}/overlays"
    return {e.name: e.source for e in cfg.environments}, f"{where} in {redact(repo.repo)}"


def check_pipeline_file(repo: RepoOptions, path: str) -> PipelineReport:
    """check-pipeline: lint the CircleCI config at `path` against the environments' sources."""
    file = Path(path)
    reader = model.source(path)
    try:
        found = file.is_file()
    except OSError as exc:  # a name too long, a folder promoter may not search
        raise reader.error(f"cannot read {path}: {exc.strerror or exc}",
                           hint="check the path and its folders' permissions") from exc
    if not found:
        raise UsageError(f"CircleCI config {path} not found",
                         hint="pass the path of the CircleCI config to check")
    text = reader.read(file)
    sources, where = pipeline_sources(repo)
    report = check_pipeline(text, sources, path=path)
    return replace(report, checked=[f"environments from {where}", *report.checked])
