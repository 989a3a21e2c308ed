"""Opening a workspace: a local working copy as it is, or a URL cloned into a temporary directory
that is removed on exit. GitPython only finds the working copy; git itself runs through
promoter.gitrepo.command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from git import Repo
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from promoter.errors import GitError, UsageError
from promoter.gitrepo.branches import check_branch_name
from promoter.gitrepo.command import GitRunner, detail, git_timeout
from promoter.gitrepo.private import sweep_worktrees
from promoter.gitrepo.tempdirs import private_dir
from promoter.gitrepo.urls import is_url
from promoter.gitrepo.workspace import Workspace
from promoter.sanitize import redact


@contextmanager
def open_workspace(
    repo: str,
    branch: str | None = None,
    *,
    push: bool = True,
    depth: int | None = None,
    read_only: bool = False,
) -> Iterator[Workspace]:
    """Open a local working copy, or clone a URL into a temporary directory removed on exit.
    `read_only` (status, history, validate) also accepts a local copy with a detached HEAD.
    Every git command may take PROMOTER_GIT_TIMEOUT seconds (default 300)."""
    if depth is not None and depth < 1:
        raise UsageError(f"clone depth must be at least 1, got {depth}")
    timeout = git_timeout()
    if branch is not None:
        check_branch_name(branch, timeout=timeout)
    if is_url(repo):
        with _temporary_clone(repo, branch, push=push, depth=depth,
                              timeout=timeout) as workspace:
            yield workspace
    else:
        yield _local_copy(Path(repo), branch, push=push, read_only=read_only, timeout=timeout)


@contextmanager
def _temporary_clone(
    url: str, branch: str | None, *, push: bool, depth: int | None, timeout: float
) -> Iterator[Workspace]:
    if url.startswith("-"):
        raise UsageError(f"{redact(url)} is not a repository URL")
    with private_dir() as parent:
        root = parent / "repo"
        _clone(GitRunner(parent, timeout), url, root, branch, depth)
        runner = GitRunner(root, timeout)
        actual = _current_branch(runner, url)
        workspace = Workspace(root=root, branch=actual, temporary=True, push_enabled=push,
                              remote="origin", upstream_branch=actual, depth=depth,
                              where=f"the clone of {redact(url)}", runner=runner)
        _require_commit(workspace, f"branch {actual} of {url}")
        yield workspace


def _clone(runner: GitRunner, url: str, root: Path, branch: str | None,
           depth: int | None) -> None:
    args = ["--quiet", "--no-tags", "--single-branch", "--filter=blob:none"]
    if branch is not None:
        args.append(f"--branch={branch}")
    if depth is not None:
        args.append(f"--depth={depth}")
    result = runner.run("clone", *args, "--", url, str(root), url=url)
    if result.ok:
        return
    if branch is not None and "not found in upstream" in result.stderr_text:
        raise GitError(f"branch {branch} does not exist in {url}",
                       hint="pass an existing branch with --branch, or create it first")
    raise GitError(f"cannot clone {url}: {detail(result)}",
                   hint="check the URL, network access and credentials (for https, a token in "
                   "the URL or a credential helper; for ssh, a loaded key)")


def _current_branch(runner: GitRunner, where: str) -> str:
    result = runner.run("symbolic-ref", "--quiet", "--short", "HEAD")
    if not result.ok:
        raise UsageError(
            f"HEAD is detached in {where}; promoter commits to a branch",
            hint="check out the branch to change (git checkout BRANCH) or pass the repository "
            "URL as --repo with --branch",
        )
    return result.text.strip()


def _require_commit(workspace: Workspace, where: str) -> None:
    if not workspace.runner.run("rev-parse", "--verify", "--quiet", "HEAD").ok:
        raise GitError(f"{where} has no commits yet",
                       hint="push an initial commit with the overlays first")


def _local_copy(path: Path, branch: str | None, *, push: bool, read_only: bool,
                timeout: float) -> Workspace:
    root = _find_work_tree(path)
    runner = GitRunner(root, timeout)
    detached = not runner.run("symbolic-ref", "--quiet", "HEAD").ok
    current = "HEAD" if read_only and detached and branch is None else _current_branch(
        runner, str(root))
    if branch is not None and branch != current:
        raise UsageError(
            f"{root} has branch {current} checked out, not {branch}",
            hint=f"run git checkout {branch} there, or pass the repository URL as --repo",
        )
    remote, upstream = _upstream(runner, current)
    workspace = Workspace(root=root, branch=current, temporary=False, push_enabled=push,
                          remote=remote, upstream_branch=upstream, runner=runner)
    _require_commit(workspace, f"branch {current} in {root}")
    sweep_worktrees(workspace)  # what killed runs left: their scratch checkouts
    return workspace


def _find_work_tree(path: Path) -> Path:
    """The top of the working copy at path (GitPython's discovery; its Repo is closed here)."""
    try:
        repository = Repo(path, search_parent_directories=True)
    except NoSuchPathError as exc:
        raise UsageError(f"{path} does not exist",
                         hint="pass a git working copy or a URL as --repo") from exc
    except InvalidGitRepositoryError as exc:
        raise UsageError(f"{path} is not a git working copy",
                         hint="pass a git working copy or a repository URL as --repo") from exc
    with repository:
        tree = repository.working_tree_dir
    if tree is None:
        raise UsageError(f"{path} is a bare repository with no files to edit",
                         hint="pass a working copy, or the bare repository's file:// URL")
    root = Path(tree).resolve()
    if root != path.resolve():
        raise UsageError(f"{path} is inside the git working copy {root}, not its top",
                         hint=f"pass --repo {root}")
    return root


def _upstream(runner: GitRunner, branch: str) -> tuple[str | None, str | None]:
    """(remote name, remote branch) of branch's upstream, or (None, None).

    A CI checkout (CircleCI's `git checkout -B main SHA`) has no upstream configured; then the
    same-named branch of `origin` is the upstream when `origin/BRANCH` is known locally, so the
    commit is pushed rather than silently left in the job's checkout."""
    remote = runner.run("config", "--get", f"branch.{branch}.remote").text.strip()
    merge = runner.run("config", "--get", f"branch.{branch}.merge").text.strip()
    if remote and remote != "." and merge.startswith("refs/heads/"):
        return remote, merge.removeprefix("refs/heads/")
    tracking = f"refs/remotes/origin/{branch}"
    if runner.run("rev-parse", "--verify", "--quiet", tracking).ok:
        return "origin", branch
    return None, None
