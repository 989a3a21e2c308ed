"""The working copy promoter edits: one branch of one repository checked out in a directory,
with its commits, its push to the upstream branch and the recovery from push races.

Reading history is `Workspace.log` (promoter.gitrepo.log); promotion pull request branches are
`Workspace.branches` (promoter.gitrepo.branches).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from promoter.errors import GitError, PolicyError, ProtectedBranch, PushRejected
from promoter.gitrepo.branches import Branches
from promoter.gitrepo.command import GitRunner, check, detail
from promoter.gitrepo.log import Log
from promoter.gitrepo.rejection import (
    PROTECTED_HINT,
    protected,
    push_rejection,
    remote_said,
    retryable,
)

BOT_NAME = "promoter[bot]"
BOT_EMAIL = "promoter-bot@users.noreply.github.com"


@dataclass
class Workspace:
    """One branch of one repository checked out in `root`, ready to edit, commit and push."""

    root: Path
    branch: str
    temporary: bool
    push_enabled: bool
    remote: str | None
    upstream_branch: str | None = None  # branch name on the remote (may differ for local copies)
    depth: int | None = None
    where: str = ""  # how messages name it: the local path, or "the clone of URL"
    runner: GitRunner = field(kw_only=True, repr=False, compare=False)
    log: Log = field(init=False, repr=False, compare=False)
    branches: Branches = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.where = self.where or str(self.root)
        self.log = Log(self)
        self.branches = Branches(self)

    @property
    def will_push(self) -> bool:
        """False when pushing is disabled or a local copy's branch has no upstream."""
        return self.push_enabled and self.remote is not None

    def head(self) -> str:
        result = self.runner.run("rev-parse", "--verify", "HEAD")
        return check(result, f"no commit in {self.where}").text.strip()

    def ensure_clean(self, paths: Sequence[str]) -> None:
        """PolicyError naming each of paths that has staged, unstaged or untracked changes."""
        result = check(
            self.runner.run("status", "--porcelain=v1", "-z", "--untracked-files=all", "--",
                            *paths, env={"GIT_OPTIONAL_LOCKS": "0"}),
            f"cannot read the status of {self.where}",
        )
        dirty = _describe_status(result.text)
        if dirty:
            raise PolicyError(
                f"{', '.join(dirty)} in {self.where} has uncommitted changes; promoter will not "
                "commit over them",
                hint="commit or discard them first, or pass the repository URL as --repo to "
                "work on a fresh clone",
            )

    def commit(self, paths: Sequence[str], message: str, *, sign: bool = False) -> str:
        """Stage exactly paths, commit only them (signed with the user's key when `sign`),
        return the new commit's sha."""
        if not paths:
            raise GitError("nothing to commit: no file was given")
        git = self.runner.run
        check(git("add", "--", *paths), f"cannot stage {', '.join(paths)}")
        if git("diff", "--cached", "--quiet", "--", *paths).ok:
            git("reset", "--quiet", "--", *paths)
            raise GitError(f"nothing to commit: {', '.join(paths)} unchanged in {self.where}")
        result = git("commit", "--quiet", *(["-S"] if sign else []), "--cleanup=whitespace",
                     "-m", message, "--only", "--", *paths, config=self._identity())
        if not result.ok:
            git("reset", "--quiet", "--", *paths)  # leave the index as it was
            raise GitError(f"cannot commit {', '.join(paths)} in {self.where}: {detail(result)}",
                           hint="check the repository's commit hooks and signing configuration")
        return self.head()

    def author(self) -> str:
        """Who commits here, `Name <email>`, as git writes the author of promoter's commits
        (its environment and configuration, else promoter's bot identity)."""
        result = self.runner.run("var", "GIT_AUTHOR_IDENT", config=self._identity())
        ident = result.text.strip() if result.ok else ""
        if ">" not in ident:
            return f"{BOT_NAME} <{BOT_EMAIL}>"
        return ident.rsplit(">", 1)[0] + ">"

    def _identity(self) -> list[str]:
        """-c options for the bot identity unless user.name and user.email are configured."""
        name = self.runner.run("config", "--get", "user.name").text.strip()
        email = self.runner.run("config", "--get", "user.email").text.strip()
        if name and email:
            return []
        return [f"user.name={BOT_NAME}", f"user.email={BOT_EMAIL}"]

    def push_upstream(self) -> None:
        """Push HEAD to the upstream branch; PushRejected or GitError when the remote refuses."""
        if not self.will_push or self.remote is None:
            return
        target = f"refs/heads/{self.upstream_branch or self.branch}"
        result = self.runner.run("push", "--porcelain", "--", self.remote, f"HEAD:{target}",
                                 remote=self.remote)
        if result.ok:
            return
        where = f"{self.runner.describe(self.remote)} branch {target.removeprefix('refs/heads/')}"
        rejection = push_rejection(result.text)
        if rejection is None and protected(detail(result)):
            raise ProtectedBranch(f"push to {where} was refused: {detail(result)}",
                                  branch=target.removeprefix("refs/heads/"), hint=PROTECTED_HINT)
        if rejection is None:
            raise GitError(f"push to {where} failed: {detail(result)}",
                           hint="check the URL, network access and push credentials")
        remote_says = remote_said(result.stderr_text)
        message = f"push to {where} was rejected: {rejection}" + (
            f"; remote said: {remote_says}" if remote_says else "")
        if protected(rejection, remote_says):
            raise ProtectedBranch(message, branch=target.removeprefix("refs/heads/"),
                                  hint=PROTECTED_HINT)
        if retryable(rejection, remote_says):
            raise PushRejected(message, retryable=True,
                               hint="the branch moved on the remote; fetch and retry")
        raise PushRejected(message, retryable=False,
                           hint="the remote refuses this change (hook or branch protection); "
                           "open a pull request or ask the repository admins")

    def unpushed_commits(self) -> list[str]:
        """Commits on HEAD that the upstream (as last fetched) does not have, newest first."""
        if self.remote is None:
            return []
        tracking = f"refs/remotes/{self.remote}/{self.upstream_branch or self.branch}"
        if not self.runner.run("rev-parse", "--verify", "--quiet", tracking).ok:
            return []
        return self.runner.run("rev-list", f"{tracking}..HEAD").text.split()

    def remote_url(self) -> str | None:
        """The remote's URL as configured. It may hold credentials: redact before showing it."""
        if self.remote is None:
            return None
        return self.runner.remote_url(self.remote)

    def sync(self, commit: str | None = None) -> None:
        """After a retryable rejection: move this private checkout (a temporary clone or a
        scratch checkout) to the remote tip, dropping the commit that was not pushed. With
        `commit` (one the remote branch has: a commit made through the GitHub API), to it."""
        if self.remote is None:
            raise GitError(f"branch {self.branch} in {self.where} has no upstream to sync with")
        if not self.temporary:
            raise GitError(f"internal error: {self.where} is the user's own working copy; only "
                           "a private checkout is moved", hint="please report this")
        tip = self._fetch(self.remote) if commit is None else self._fetch(self.remote, commit)
        check(self.runner.run("reset", "--quiet", "--hard", tip),
              f"cannot move the private checkout of {self.where} to {tip[:12]}")

    def fetch_tip(self) -> str:
        """Fetch the upstream branch; its tip, whose objects are then here."""
        if self.remote is None:
            raise GitError(f"branch {self.branch} in {self.where} has no upstream to fetch")
        return self._fetch(self.remote)

    def _fetch(self, remote: str, commit: str = "FETCH_HEAD") -> str:
        upstream = self.upstream_branch or self.branch
        args = ["--quiet", "--no-tags"]
        if self.depth is not None:
            args.append(f"--depth={self.depth}")
        fetched = self.runner.run("fetch", *args, "--", remote, f"refs/heads/{upstream}",
                                  remote=remote)
        if not fetched.ok:
            raise GitError(f"cannot fetch branch {upstream} from {self.runner.describe(remote)}: "
                           f"{detail(fetched)}", hint="check network access and credentials")
        return check(self.runner.run("rev-parse", "--verify", f"{commit}^{{commit}}"),
                     "cannot read the fetched commit").text.strip()


def _describe_status(porcelain: str) -> list[str]:
    entries = iter(porcelain.split("\0"))
    found: list[str] = []
    for entry in entries:
        if len(entry) < 4:
            continue
        code, path = entry[:2], entry[3:]
        if code[0] in "RC":
            next(entries, None)  # the original path of a rename or copy
        if code == "??":
            found.append(f"{path} (untracked)")
            continue
        kinds = [kind for flag, kind in ((code[0], "staged"), (code[1], "unstaged"))
                 if flag not in " ?!"]
        found.append(f"{path} ({' and '.join(kinds)})")
    return found
