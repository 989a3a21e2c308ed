"""Reading a workspace's history: the commits reachable from HEAD, those that changed a file, a
file's content at a commit, and the fetches that make a partial or shallow clone's history whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from promoter.errors import ContentError, GitError
from promoter.gitrepo.command import check, detail

if TYPE_CHECKING:
    from promoter.gitrepo.workspace import Workspace

_FIELD = "\x1f"
_LOG_FORMAT = _FIELD.join(["%H", "%aI", "%an <%ae>", "%P", "%s", "%B"])


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    date: str  # author date, strict ISO 8601
    author: str  # "Name <email>"
    subject: str
    message: str  # full raw message
    parents: tuple[str, ...]


class Log:
    """The history of one workspace's HEAD (`Workspace.log`)."""

    def __init__(self, workspace: Workspace) -> None:
        self._ws = workspace

    def commits(
        self,
        path: str | Sequence[str] | None = None,
        *,
        max_count: int | None = None,
        grep: str | None = None,
    ) -> list[CommitInfo]:
        """Every commit reachable from HEAD (touching path, or any of several paths, if given),
        merges included, newest first. grep keeps commits whose message contains that fixed
        string (case-insensitive)."""
        args = ["--full-history", "--date-order", "-z", f"--format={_LOG_FORMAT}"]
        if max_count is not None:
            args.append(f"--max-count={max_count}")
        if grep is not None:
            args += ["--fixed-strings", "--regexp-ignore-case", f"--grep={grep}"]
        args.append("HEAD")
        if path is not None:
            args += ["--", *([path] if isinstance(path, str) else path)]
        out = check(self._ws.runner.run("log", *args),
                    f"cannot read the history of {self._ws.where}").text
        return [_commit_info(record) for record in out.split("\0") if record.strip()]

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
            self.unshallow()
            commits = self._log_lines(*args, "HEAD", "--", path)
        return commits

    def first_parent(self, path: str | None = None, *, start: str = "HEAD",
                     max_count: int | None = None) -> list[tuple[str, str]]:
        """(sha, committer date in strict ISO 8601) of the commits on start's first-parent
        line, newest first: the branch's own tips, as a sync agent saw them. With path, only
        those that changed path compared with their first parent (a merge that brought a
        change in is listed, the side branch's commits are not)."""
        args = ["--first-parent", "--format=%H %cI"]
        if max_count is not None:
            args.append(f"--max-count={max_count}")
        result = check(self._ws.runner.run("log", *args, start, "--", *([path] if path else [])),
                       f"cannot read the history of {self._ws.where}")
        return [(sha, date) for sha, _, date in (line.partition(" ")
                                                 for line in result.text.splitlines()) if sha]

    def message(self, commit: str) -> str:
        """The full message of commit."""
        return check(self._ws.runner.run("log", "-1", "--format=%B", commit, "--"),
                     f"cannot read commit {commit} in {self._ws.where}").text

    def file_at(self, commit: str, path: str) -> str | None:
        """Content of path at commit, or None when absent (or a directory). No newline changes."""
        blob = self._blob(commit, path)
        if blob is None:
            return None
        data = check(self._ws.runner.run("cat-file", "blob", blob),
                     f"cannot read {path} at {commit}")
        try:
            return data.stdout.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ContentError(f"{path} at commit {commit[:12]} is not valid UTF-8: {exc}") from exc

    def prefetch(self, path: str | Sequence[str]) -> int:
        """In a partial clone, fetch every version of path (or of several paths) reachable from
        HEAD that is not here yet, all in one fetch; return how many were fetched.

        Without it, reading each old version (file_at) makes git fetch that one blob in its own
        round trip to the remote. Nothing happens (0) in a complete repository or when every
        version is already here. A full history walk (merged side branches included) is
        covered; in a shallow clone only the commits it has.
        """
        if self._shallow_boundary():
            self.unshallow()  # a history walk needs the whole history, not the last commits
        promisor = self._promisor_remote()
        if promisor is None:
            return 0
        paths = [path] if isinstance(path, str) else list(path)
        missing = self._missing_blobs(paths)
        if not missing:
            return 0
        # The options git itself uses for a lazy fetch of missing objects.
        result = self._ws.runner.run(
            "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--recurse-submodules=no",
            "--filter=blob:none", "--stdin", "--", promisor,
            config=["fetch.negotiationAlgorithm=noop"], remote=promisor,
            input="".join(f"{oid}\n" for oid in missing).encode("ascii"),
        )
        if not result.ok:
            raise GitError(f"cannot fetch the {len(missing)} earlier versions of "
                           f"{', '.join(paths)} from {self._ws.runner.describe(promisor)}: "
                           f"{detail(result)}",
                           hint="check network access and credentials")
        return len(missing)

    def unshallow(self) -> None:
        """Fetch the history a shallow clone lacks; later fetches are no longer shallow."""
        ws = self._ws
        if ws.remote is None:
            raise GitError(f"{ws.where} is a shallow clone without an upstream; its history "
                           "is incomplete", hint="fetch the full history (git fetch --unshallow)")
        result = ws.runner.run("fetch", "--quiet", "--no-tags", "--unshallow", "--", ws.remote,
                               remote=ws.remote)
        if not result.ok:
            raise GitError(f"cannot fetch the full history from "
                           f"{ws.runner.describe(ws.remote)}: {detail(result)}",
                           hint="check network access and credentials")
        ws.depth = None

    def _blob(self, commit: str, path: str) -> str | None:
        listing = check(self._ws.runner.run("ls-tree", "-z", "--full-tree", commit, "--", path),
                        f"cannot read commit {commit} in {self._ws.where}").text
        entry = listing.split("\0", 1)[0]
        if not entry:
            return None
        mode_type_sha = entry.split("\t", 1)[0].split()
        return mode_type_sha[2] if mode_type_sha[1] == "blob" else None

    def _promisor_remote(self) -> str | None:
        """The remote a partial clone gets its missing objects from, or None when complete."""
        git = self._ws.runner.run
        listed = git("config", "--type=bool", "--get-regexp", r"^remote\..*\.promisor$")
        promisors = [line.split()[0].removeprefix("remote.").removesuffix(".promisor")
                     for line in listed.text.splitlines() if line.endswith(" true")]
        legacy = git("config", "--get", "extensions.partialClone").text.strip()
        if legacy:
            promisors.append(legacy)
        if self._ws.remote is not None and self._ws.remote in promisors:
            return self._ws.remote
        return promisors[0] if promisors else None

    def _missing_blobs(self, paths: Sequence[str]) -> list[str]:
        """Ids of the paths' versions in commits reachable from HEAD that are not here."""
        listing = check(
            self._ws.runner.run("rev-list", "--objects", "--full-history", "--missing=print",
                                "HEAD", "--", *paths),
            f"cannot list the versions of {', '.join(paths)} in {self._ws.where}",
        ).text
        return sorted({line[1:] for line in listing.splitlines() if line.startswith("?")})

    def _log_lines(self, *args: str) -> list[str]:
        result = check(self._ws.runner.run("log", *args),
                       f"cannot read the history of {self._ws.where}")
        return result.text.split()

    def _shallow_boundary(self) -> set[str]:
        """Commits whose parents are missing because the clone is shallow (empty when not)."""
        shallow = self._ws.runner.run("rev-parse", "--git-path", "shallow").text.strip()
        try:
            return set((self._ws.root / shallow).read_text().split())
        except FileNotFoundError:
            return set()


def _commit_info(record: str) -> CommitInfo:
    sha, date, author, parents, subject, message = record.lstrip("\n").split(_FIELD, 5)
    return CommitInfo(sha, date, author, subject, message, tuple(parents.split()))
