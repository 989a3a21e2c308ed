"""The git side: open a working copy or clone a URL, commit one file, push, recover from races.

Every git call goes through GitPython's `repo.git.<command>()` with exceptions turned off so the
exit status, stdout and stderr are inspected here and turned into promoter errors. Commands run
with a C locale (stable messages to parse), no terminal prompts (CI must fail, not hang) and
literal pathspecs (file names are never globs).
"""

from __future__ import annotations

import random
import re
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from git import Repo
from git.cmd import Git
from git.exc import InvalidGitRepositoryError, NoSuchPathError

from promoter.errors import ContentError, GitError, PolicyError, PushRejected, UsageError
from promoter.sanitize import redact

__all__ = [
    "BOT_EMAIL",
    "BOT_NAME",
    "CommitInfo",
    "GitError",
    "PushRejected",
    "Workspace",
    "backoff_delays",
    "is_url",
    "open_workspace",
]

BOT_NAME = "promoter[bot]"
BOT_EMAIL = "promoter-bot@users.noreply.github.com"

_ENV = {
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LITERAL_PATHSPECS": "1",
    # an https transfer slower than 1 KB/s for a minute is abandoned instead of hanging the job
    "GIT_HTTP_LOW_SPEED_LIMIT": "1000",
    "GIT_HTTP_LOW_SPEED_TIME": "60",
}
_SCHEME_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
# git's own rule: a colon before the first slash makes an scp-like [user@]host:path address.
_SCP_URL = re.compile(r"^(?:[^@/:\s]+@)?(?:\[[^\]/]+\]|[^@/:\s\[\]]{2,}):")
_FIELD = "\x1f"
_LOG_FORMAT = _FIELD.join(["%H", "%aI", "%an <%ae>", "%P", "%s", "%B"])
_RETRYABLE_PUSH = ("non-fast-forward", "fetch first", "stale info", "cannot lock ref",
                   "incorrect old value")


def is_url(repo: str) -> bool:
    """True for file://, ssh://, http(s)://, git:// and scp-style [user@]host:path addresses."""
    return bool(_SCHEME_URL.match(repo) or _SCP_URL.match(repo))


def backoff_delays(
    max_attempts: int,
    *,
    base: float = 0.5,
    cap: float = 15.0,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Yield max_attempts full-jitter delays: the i-th is the wait after attempt i fails.

    Delay i is uniform in [0, min(cap, base * 2**i)]. The last one is normally unused (there is
    no attempt after the last); yielding it keeps `zip(range(n), backoff_delays(n))` whole.
    """
    if max_attempts < 1:
        raise UsageError(f"the number of push attempts must be at least 1, got {max_attempts}")
    if base < 0 or cap < 0:
        raise UsageError(f"backoff base and cap must not be negative (base={base}, cap={cap})")
    chooser = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    for attempt in range(max_attempts):
        yield chooser.uniform(0.0, min(cap, base * 2.0 ** min(attempt, 60)))


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # author date, strict ISO 8601
    author: str  # "Name <email>"
    subject: str
    message: str  # full raw message
    parents: tuple[str, ...]


@dataclass(frozen=True)
class _Result:
    status: int
    stdout: bytes
    stderr: str

    @property
    def ok(self) -> bool:
        return self.status == 0

    @property
    def text(self) -> str:
        return self.stdout.decode("utf-8", "replace")

    def detail(self) -> str:
        """The error lines of stderr, one line, without hints and harmless warnings."""
        keep = [
            line.strip()
            for line in self.stderr.splitlines()
            if line.strip()
            and not line.startswith(("hint:", "warning: filtering not recognized"))
        ]
        return redact("; ".join(keep) or f"git exited with status {self.status}")


def _run(
    git: Git,
    command: str,
    *args: str,
    config: Sequence[str] = (),
    env: Mapping[str, str] | None = None,
    istream: BinaryIO | None = None,
) -> _Result:
    """Run `git [-c config]... command args` and return its status and output; never raises.

    istream, a real file, is the command's standard input (otherwise it reads nothing)."""
    runner = git(c=list(config)) if config else git
    status, stdout, stderr = getattr(runner, command)(
        *args,
        istream=istream,
        with_extended_output=True,
        with_exceptions=False,
        stdout_as_string=False,
        strip_newline_in_stdout=False,
        env={**_ENV, **(env or {})},
    )
    return _Result(int(status), bytes(stdout or b""), str(stderr or ""))


def _check(result: _Result, what: str, hint: str | None = None) -> _Result:
    if not result.ok:
        raise GitError(f"{what}: {result.detail()}", hint=hint)
    return result


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
    _repo: Repo = field(kw_only=True, repr=False, compare=False)
    _base: str | None = field(default=None, init=False, repr=False, compare=False)
    _own: list[str] = field(default_factory=list, init=False, repr=False, compare=False)

    @property
    def will_push(self) -> bool:
        """False when pushing is disabled or a local copy's branch has no upstream."""
        return self.push_enabled and self.remote is not None

    def _git(
        self,
        command: str,
        *args: str,
        config: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        istream: BinaryIO | None = None,
    ) -> _Result:
        return _run(self._repo.git, command, *args, config=config, env=env, istream=istream)

    def head(self) -> str:
        result = self._git("rev_parse", "--verify", "HEAD")
        return _check(result, f"no commit in {self.root}").text.strip()

    def ensure_clean(self, paths: Sequence[str]) -> None:
        """PolicyError naming each of paths that has staged, unstaged or untracked changes."""
        result = _check(
            self._git("status", "--porcelain=v1", "-z", "--untracked-files=all", "--", *paths,
                      env={"GIT_OPTIONAL_LOCKS": "0"}),
            f"cannot read the status of {self.root}",
        )
        dirty = _describe_status(result.text)
        if dirty:
            raise PolicyError(
                f"{', '.join(dirty)} in {self.root} has uncommitted changes; promoter will not "
                "commit over them",
                hint="commit or discard them first, or pass the repository URL as --repo to "
                "work on a fresh clone",
            )

    def commit(self, paths: Sequence[str], message: str) -> str:
        """Stage exactly paths, commit only them, return the new commit's sha."""
        if not paths:
            raise GitError("nothing to commit: no file was given")
        _check(self._git("add", "--", *paths), f"cannot stage {', '.join(paths)}")
        if self._git("diff", "--cached", "--quiet", "--", *paths).ok:
            self._git("reset", "--quiet", "--", *paths)
            raise GitError(f"nothing to commit: {', '.join(paths)} unchanged in {self.root}")
        before = self.head()
        result = self._git("commit", "--quiet", "--cleanup=whitespace", "-m", message, "--only",
                           "--", *paths, config=self._identity())
        if not result.ok:
            self._git("reset", "--quiet", "--", *paths)  # leave the index as it was
            raise GitError(f"cannot commit {', '.join(paths)} in {self.root}: {result.detail()}",
                           hint="check the repository's commit hooks and signing configuration")
        if self._base is None:
            self._base = before
        sha = self.head()
        self._own.append(sha)
        return sha

    def _identity(self) -> list[str]:
        """-c options for the bot identity unless user.name and user.email are configured."""
        name = self._git("config", "--get", "user.name").text.strip()
        email = self._git("config", "--get", "user.email").text.strip()
        if name and email:
            return []
        return [f"user.name={BOT_NAME}", f"user.email={BOT_EMAIL}"]

    def push_upstream(self) -> None:
        """Push HEAD to the upstream branch; PushRejected or GitError when the remote refuses."""
        if not self.will_push or self.remote is None:
            return
        target = f"refs/heads/{self.upstream_branch or self.branch}"
        result = self._git("push", "--porcelain", "--", self.remote, f"HEAD:{target}")
        if result.ok:
            self._own.clear()
            self._base = None
            return
        where = f"{self.remote} ({self._remote_url()}) branch {target.removeprefix('refs/heads/')}"
        rejection = _push_rejection(result.text)
        if rejection is None:
            raise GitError(f"push to {where} failed: {result.detail()}",
                           hint="check the URL, network access and push credentials")
        remote_says = _remote_lines(result.stderr)
        message = f"push to {where} was rejected: {rejection}" + (
            f"; remote said: {remote_says}" if remote_says else "")
        # A concurrent push to the same ref can also surface as "failed to update ref" with the
        # remote explaining "cannot lock ref ... is at X but expected Y": the branch moved.
        if any(reason in f"{rejection} {remote_says}" for reason in _RETRYABLE_PUSH):
            raise PushRejected(message, retryable=True,
                               hint="the branch moved on the remote; fetch and retry")
        raise PushRejected(message, retryable=False,
                           hint="the remote refuses this change (hook or branch protection); "
                           "open a pull request or ask the repository admins")

    def rewind(self, sha: str) -> None:
        """Move a local copy's branch back to `sha` (where a failed command started), keeping
        local changes; used after sync() fast-forwarded it and the command then failed."""
        _check(self._git("reset", "--quiet", "--keep", sha),
               f"cannot move {self.branch} in {self.root} back to {sha[:12]}",
               hint=f"run git reset --keep {sha} yourself")
        self._own.clear()
        self._base = None

    def unpushed_commits(self) -> list[str]:
        """Commits on HEAD that the upstream (as last fetched) does not have, newest first."""
        if self.remote is None:
            return []
        tracking = f"refs/remotes/{self.remote}/{self.upstream_branch or self.branch}"
        if not self._git("rev_parse", "--verify", "--quiet", tracking).ok:
            return []
        return self._git("rev_list", f"{tracking}..HEAD").text.split()

    @contextmanager
    def scratch(self) -> Iterator[Path]:
        """A throwaway checkout of HEAD (a detached git worktree) to try an edit in; removed on
        exit. The working copy, its index and its branch are not touched."""
        parent = Path(tempfile.mkdtemp(prefix="promoter-preview-"))
        tree = parent / "tree"
        try:
            _check(self._git("worktree", "add", "--quiet", "--detach", str(tree), "HEAD"),
                   f"cannot make a scratch checkout of {self.root}")
            yield tree
        finally:
            self._git("worktree", "remove", "--force", str(tree))
            self._git("worktree", "prune")
            shutil.rmtree(parent, ignore_errors=True)

    def remote_url(self) -> str | None:
        """The remote's URL as configured. It may hold credentials: redact before showing it."""
        if self.remote is None:
            return None
        url = self._git("remote", "get-url", "--", self.remote).text.strip()
        return url or None

    def push_branch(self, branch: str, *, expect: str | None) -> None:
        """Push HEAD to refs/heads/BRANCH, replacing it only if it is still at `expect`
        (None: it must not exist yet). For promotion pull request branches."""
        if self.remote is None:
            raise GitError(f"branch {self.branch} in {self.root} has no remote to push to")
        _check_branch_name(branch)
        ref = f"refs/heads/{branch}"
        lease = f"--force-with-lease={ref}:{expect or ''}"
        result = self._git("push", "--porcelain", lease, "--", self.remote, f"HEAD:{ref}")
        if result.ok:
            return
        where = f"{self.remote} ({self._remote_url()}) branch {branch}"
        rejection = _push_rejection(result.text) or result.detail()
        remote_says = _remote_lines(result.stderr)
        retryable = any(r in f"{rejection} {remote_says}" for r in _RETRYABLE_PUSH)
        raise PushRejected(f"push to {where} was rejected: {rejection}", retryable=retryable,
                           hint="someone else pushed to the promotion branch; run again")

    def remote_branch_sha(self, branch: str) -> str | None:
        """The commit refs/heads/BRANCH points at on the remote now; None when it does not
        exist."""
        if self.remote is None:
            raise GitError(f"branch {self.branch} in {self.root} has no remote to read")
        ref = f"refs/heads/{branch}"
        result = _check(self._git("ls_remote", "--", self.remote, ref),
                        f"cannot read branch {branch} on {self.remote} ({self._remote_url()})",
                        hint="check network access and credentials")
        for line in result.text.splitlines():
            sha, _, name = line.partition("\t")
            if name == ref:
                return sha
        return None

    def delete_remote_branch(self, branch: str, *, expect: str) -> None:
        """Delete refs/heads/BRANCH on the remote only if it still points at `expect` (a
        promotion branch promoter pushed and no pull request took)."""
        if self.remote is None:
            return
        ref = f"refs/heads/{branch}"
        result = self._git("push", "--porcelain", f"--force-with-lease={ref}:{expect}", "--",
                           self.remote, f":{ref}")
        if not result.ok:
            detail = _push_rejection(result.text) or result.detail()
            raise GitError(f"cannot delete branch {branch} on {self.remote} "
                           f"({self._remote_url()}): {detail}",
                           hint="check network access and credentials")

    def _remote_url(self, remote: str | None = None) -> str:
        name = remote or self.remote
        if name is None:
            return "no remote"
        url = self._git("remote", "get-url", "--", name).text.strip()
        return redact(url or name)

    def sync(self) -> None:
        """After a retryable rejection: drop our unpushed commits and move to the remote tip."""
        if self.remote is None:
            raise GitError(f"branch {self.branch} in {self.root} has no upstream to sync with")
        if self.temporary:
            tip = self._fetch()
            _check(self._git("reset", "--hard", tip), f"cannot move {self.root} to {tip}")
        else:
            if self._base is not None:
                _check(self._git("reset", "--keep", self._base),
                       f"cannot drop promoter's unpushed commit in {self.root}")
            tip = self._fetch()
            self._fast_forward(tip)
        self._own.clear()
        self._base = None

    def _fetch(self) -> str:
        assert self.remote is not None
        upstream = self.upstream_branch or self.branch
        args = ["--quiet", "--no-tags"]
        if self.depth is not None:
            args.append(f"--depth={self.depth}")
        _check(
            self._git("fetch", *args, "--", self.remote, f"refs/heads/{upstream}"),
            f"cannot fetch branch {upstream} from {self.remote} ({self._remote_url()})",
            hint="check network access and credentials",
        )
        return _check(self._git("rev_parse", "--verify", "FETCH_HEAD^{commit}"),
                      "cannot read the fetched commit").text.strip()

    def _fast_forward(self, tip: str) -> None:
        upstream = f"{self.remote}/{self.upstream_branch or self.branch}"
        if not self._git("merge_base", "--is-ancestor", "HEAD", tip).ok:
            raise GitError(
                f"local branch {self.branch} in {self.root} has diverged from {upstream}",
                hint=f"run git pull --rebase on {self.branch}, then run promoter again",
            )
        _check(self._git("merge", "--ff-only", "--quiet", tip),
               f"cannot fast-forward {self.branch} in {self.root} to {upstream}",
               hint="commit or discard local changes that conflict, then run promoter again")

    def undo_last_commit(self) -> None:
        """Remove the commit commit() just made; the committed files go back to their content
        before the edit, other local changes are kept."""
        if not self._own or self.head() != self._own[-1]:
            raise GitError(f"no unpushed promoter commit at HEAD of {self.branch} to undo")
        sha = self._own.pop()
        _check(self._git("reset", "--keep", f"{sha}^"), f"cannot undo commit {sha[:12]}")
        if not self._own:
            self._base = None

    def restore(self, paths: Sequence[str]) -> None:
        """Put paths back to their HEAD content (files absent at HEAD are removed)."""
        head = self.head()
        for path in paths:
            if self._blob(head, path) is None:
                self._git("rm", "--cached", "--quiet", "--ignore-unmatch", "--", path)
                (self.root / path).unlink(missing_ok=True)
            else:
                _check(self._git("checkout", head, "--", path), f"cannot restore {path}")

    def _blob(self, commit: str, path: str) -> str | None:
        listing = _check(self._git("ls_tree", "-z", "--full-tree", commit, "--", path),
                         f"cannot read commit {commit} in {self.root}").text
        entry = listing.split("\0", 1)[0]
        if not entry:
            return None
        mode_type_sha = entry.split("\t", 1)[0].split()
        return mode_type_sha[2] if mode_type_sha[1] == "blob" else None

    def file_at(self, commit: str, path: str) -> str | None:
        """Content of path at commit, or None when absent (or a directory). No newline changes."""
        blob = self._blob(commit, path)
        if blob is None:
            return None
        data = _check(self._git("cat_file", "blob", blob), f"cannot read {path} at {commit}")
        try:
            return data.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"{path} at commit {commit[:12]} is not valid UTF-8: {exc}") from exc

    def prefetch(self, path: str) -> int:
        """In a partial clone, fetch every version of path reachable from HEAD that is not
        here yet, all in one fetch; return how many were fetched.

        Without it, reading each old version (file_at) makes git fetch that one blob in its own
        round trip to the remote. Nothing happens (0) in a complete repository or when every
        version is already here. A full history walk (merged side branches included) is
        covered; in a shallow clone only the commits it has.
        """
        if self._shallow_boundary():
            self._unshallow()  # a history walk needs the whole history, not the last commits
        promisor = self._promisor_remote()
        if promisor is None:
            return 0
        missing = self._missing_blobs(path)
        if not missing:
            return 0
        with tempfile.TemporaryFile() as wanted:
            wanted.write("".join(f"{oid}\n" for oid in missing).encode("ascii"))
            wanted.seek(0)
            # The options git itself uses for a lazy fetch of missing objects.
            result = self._git(
                "fetch", "--quiet", "--no-tags", "--no-write-fetch-head",
                "--recurse-submodules=no", "--filter=blob:none", "--stdin", "--", promisor,
                config=["fetch.negotiationAlgorithm=noop"], istream=wanted,
            )
        _check(result, f"cannot fetch the {len(missing)} earlier versions of {path} from "
               f"{promisor} ({self._remote_url(promisor)})",
               hint="check network access and credentials")
        return len(missing)

    def _promisor_remote(self) -> str | None:
        """The remote a partial clone gets its missing objects from, or None when complete."""
        listed = self._git("config", "--type=bool", "--get-regexp", r"^remote\..*\.promisor$")
        promisors = [line.split()[0].removeprefix("remote.").removesuffix(".promisor")
                     for line in listed.text.splitlines() if line.endswith(" true")]
        legacy = self._git("config", "--get", "extensions.partialClone").text.strip()
        if legacy:
            promisors.append(legacy)
        if self.remote is not None and self.remote in promisors:
            return self.remote
        return promisors[0] if promisors else None

    def _missing_blobs(self, path: str) -> list[str]:
        """Ids of path's versions in commits reachable from HEAD that are not here."""
        listing = _check(
            self._git("rev_list", "--objects", "--full-history", "--missing=print", "HEAD",
                      "--", path),
            f"cannot list the versions of {path} in {self.root}",
        ).text
        return sorted({line[1:] for line in listing.splitlines() if line.startswith("?")})

    def path_commits(self, path: str, *, max_count: int | None = None) -> list[str]:
        """Commits reachable from HEAD that changed path, newest first, side branches included.

        Merges appear only when they produced content neither parent had (--simplify-merges).
        """
        args = ["--full-history", "--simplify-merges", "--format=%H"]
        if max_count is not None:
            args.append(f"--max-count={max_count}")
        commits = self._log_lines(*args, "HEAD", "--", path)
        if self._shallow_boundary().intersection(commits):
            # A shallow clone's oldest commit seems to add every file: get the real history.
            self._unshallow()
            commits = self._log_lines(*args, "HEAD", "--", path)
        return commits

    def _log_lines(self, *args: str) -> list[str]:
        result = _check(self._git("log", *args), f"cannot read the history of {self.root}")
        return result.text.split()

    def _shallow_boundary(self) -> set[str]:
        """Commits whose parents are missing because the clone is shallow (empty when not)."""
        shallow = self._git("rev_parse", "--git-path", "shallow").text.strip()
        try:
            return set((self.root / shallow).read_text().split())
        except FileNotFoundError:
            return set()

    def _unshallow(self) -> None:
        if self.remote is None:
            raise GitError(f"{self.root} is a shallow clone without an upstream; its history "
                           "is incomplete", hint="fetch the full history (git fetch --unshallow)")
        _check(self._git("fetch", "--quiet", "--no-tags", "--unshallow", "--", self.remote),
               f"cannot fetch the full history from {self.remote} ({self._remote_url()})",
               hint="check network access and credentials")
        self.depth = None

    def commits(
        self,
        path: str | None = None,
        *,
        max_count: int | None = None,
        grep: str | None = None,
    ) -> list[CommitInfo]:
        """Every commit reachable from HEAD (touching path if given), merges included, newest
        first. grep keeps commits whose message contains that fixed string (case-insensitive)."""
        args = ["--full-history", "--date-order", "-z", f"--format={_LOG_FORMAT}"]
        if max_count is not None:
            args.append(f"--max-count={max_count}")
        if grep is not None:
            args += ["--fixed-strings", "--regexp-ignore-case", f"--grep={grep}"]
        args.append("HEAD")
        if path is not None:
            args += ["--", path]
        out = _check(self._git("log", *args), f"cannot read the history of {self.root}").text
        return [_commit_info(record) for record in out.split("\0") if record.strip()]


def _commit_info(record: str) -> CommitInfo:
    sha, date, author, parents, subject, message = record.lstrip("\n").split(_FIELD, 5)
    return CommitInfo(sha, date, author, subject, message, tuple(parents.split()))


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


def _push_rejection(porcelain: str) -> str | None:
    """The summary of the first rejected ref in `git push --porcelain` output, if any."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            return parts[2].strip()
    return None


def _remote_lines(stderr: str) -> str:
    lines = [line.removeprefix("remote:").strip() for line in stderr.splitlines()
             if line.startswith("remote:")]
    return redact("; ".join(line for line in lines if line))


def _check_branch_name(branch: str) -> None:
    result = _run(Git(), "check_ref_format", "--branch", branch)
    if not result.ok or branch.startswith("-"):
        raise UsageError(f"{branch!r} is not a valid branch name",
                         hint="pass an existing branch with --branch")


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
    `read_only` (status, history, validate) also accepts a local copy with a detached HEAD."""
    if depth is not None and depth < 1:
        raise UsageError(f"clone depth must be at least 1, got {depth}")
    if branch is not None:
        _check_branch_name(branch)
    if is_url(repo):
        with _temporary_clone(repo, branch, push=push, depth=depth) as workspace:
            yield workspace
    else:
        with _local_copy(Path(repo), branch, push=push, read_only=read_only) as workspace:
            yield workspace


@contextmanager
def _temporary_clone(
    url: str, branch: str | None, *, push: bool, depth: int | None
) -> Iterator[Workspace]:
    if url.startswith("-"):
        raise UsageError(f"{redact(url)} is not a repository URL")
    parent = Path(tempfile.mkdtemp(prefix="promoter-"))
    try:
        root = parent / "repo"
        _clone(url, root, branch, depth)
        with Repo(root) as repository:
            actual = _current_branch(repository, url)
            workspace = Workspace(root=root, branch=actual, temporary=True, push_enabled=push,
                                  remote="origin", upstream_branch=actual, depth=depth,
                                  _repo=repository)
            _require_commit(workspace, f"branch {actual} of {url}")
            yield workspace
    finally:
        shutil.rmtree(parent, ignore_errors=True)


def _clone(url: str, root: Path, branch: str | None, depth: int | None) -> None:
    args = ["--quiet", "--no-tags", "--single-branch", "--filter=blob:none"]
    if branch is not None:
        args.append(f"--branch={branch}")
    if depth is not None:
        args.append(f"--depth={depth}")
    result = _run(Git(str(root.parent)), "clone", *args, "--", url, str(root))
    if result.ok:
        return
    if branch is not None and "not found in upstream" in result.stderr:
        raise GitError(f"branch {branch} does not exist in {url}",
                       hint="pass an existing branch with --branch, or create it first")
    raise GitError(f"cannot clone {url}: {result.detail()}",
                   hint="check the URL, network access and credentials (for https, a token in "
                   "the URL or a credential helper; for ssh, a loaded key)")


def _current_branch(repository: Repo, where: str) -> str:
    result = _run(repository.git, "symbolic_ref", "--quiet", "--short", "HEAD")
    if not result.ok:
        raise UsageError(
            f"HEAD is detached in {where}; promoter commits to a branch",
            hint="check out the branch to change (git checkout BRANCH) or pass the repository "
            "URL as --repo with --branch",
        )
    return result.text.strip()


def _require_commit(workspace: Workspace, where: str) -> None:
    if not workspace._git("rev_parse", "--verify", "--quiet", "HEAD").ok:
        raise GitError(f"{where} has no commits yet",
                       hint="push an initial commit with the overlays first")


@contextmanager
def _local_copy(path: Path, branch: str | None, *, push: bool,
                read_only: bool = False) -> Iterator[Workspace]:
    try:
        repository = Repo(path, search_parent_directories=True)
    except NoSuchPathError as exc:
        raise UsageError(f"{path} does not exist",
                         hint="pass a git working copy or a URL as --repo") from exc
    except InvalidGitRepositoryError as exc:
        raise UsageError(f"{path} is not a git working copy",
                       hint="pass a git working copy or a repository URL as --repo") from exc
    with repository:
        root = _work_tree(repository, path)
        detached = not _run(repository.git, "symbolic_ref", "--quiet", "HEAD").ok
        current = "HEAD" if read_only and detached and branch is None else _current_branch(
            repository, str(root))
        if branch is not None and branch != current:
            raise UsageError(
                f"{root} has branch {current} checked out, not {branch}",
                hint=f"run git checkout {branch} there, or pass the repository URL as --repo",
            )
        remote, upstream = _upstream(repository, current)
        workspace = Workspace(root=root, branch=current, temporary=False, push_enabled=push,
                              remote=remote, upstream_branch=upstream, _repo=repository)
        _require_commit(workspace, f"branch {current} in {root}")
        yield workspace


def _work_tree(repository: Repo, path: Path) -> Path:
    if repository.working_tree_dir is None:
        raise UsageError(f"{path} is a bare repository with no files to edit",
                       hint="pass a working copy, or the bare repository's file:// URL")
    root = Path(repository.working_tree_dir).resolve()
    if root != path.resolve():
        raise UsageError(f"{path} is inside the git working copy {root}, not its top",
                         hint=f"pass --repo {root}")
    return root


def _upstream(repository: Repo, branch: str) -> tuple[str | None, str | None]:
    """(remote name, remote branch) of branch's upstream, or (None, None).

    A CI checkout (CircleCI's `git checkout -B main SHA`) has no upstream configured; then the
    same-named branch of `origin` is the upstream when `origin/BRANCH` is known locally, so the
    commit is pushed rather than silently left in the job's checkout."""
    remote = _run(repository.git, "config", "--get", f"branch.{branch}.remote").text.strip()
    merge = _run(repository.git, "config", "--get", f"branch.{branch}.merge").text.strip()
    if remote and remote != "." and merge.startswith("refs/heads/"):
        return remote, merge.removeprefix("refs/heads/")
    tracking = f"refs/remotes/origin/{branch}"
    if _run(repository.git, "rev_parse", "--verify", "--quiet", tracking).ok:
        return "origin", branch
    return None, None
