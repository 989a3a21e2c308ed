"""A local stand-in for the GitHub REST API, for tests.

It serves the endpoints promoter.forge.github uses, from in-memory state, on 127.0.0.1 (a real
HTTP server in a thread). Its checker (standin_checkers.py) decides how strict it is:

- SpecChecker, when ../shared/github-openapi is present: EVERY request and EVERY response is
  checked against the GitHub OpenAPI description with openapi-core, and response bodies are
  built from the description's schemas (every required field, typed as the schema says), then
  given the values that matter; they are never written from memory.
- PlainChecker, on a clone without ../shared: no validation; a body is the values the stand-in
  sets plus PLAIN_MINIMUM, enough for promoter's GitHub provider.

Either way the stand-in checks GitHub's headers, its API prefix and its own crashes; anything
wrong is collected in `problems`, and the fixture fails the test when it is not empty.

Test-side knobs are Python methods (not HTTP): push_branch, add_pull, fail_next,
merge_after_polls, set_mergeable, review (which goes through the real reviews endpoint), and for
the promotion gates (standin_statuses.py) post_status (through the real statuses endpoint, as a
sync agent posts), status_after_reads, add_check_run; `clock` gives new statuses their time.

Optionally (git_dir=) the stand-in is backed by a REAL bare repository: branches and their shas
are that repository's refs/heads (so `git push` to it is what creates and moves branches), open
PRs follow their branch on every request, mergeability is computed with `git merge-tree`, and
the merge endpoint writes merge / squash / rebase commits into it as GitHub does. Tests in other
directories start one with start_git_standin() / serve_git_standin() and choose_checker().
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator, Mapping, MutableMapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

from . import standin_commits  # noqa: F401  (registers createCommitOnBranch)
from .standin_app import FakeApp, app_route
from .standin_checkers import SPEC_SERVER, TIMESTAMP, Checker, Json, OARequest, OAResponse
from .standin_githttp import GitRequest, git_http_route
from .standin_graphql import GraphQLEndpoint, graphql_path
from .standin_protection import Protection, protection_route
from .standin_statuses import CheckRun, StatusBoard, iso

DOCS = "https://docs.github.com/rest"

#: Distinctive so that a leak anywhere is easy to find; never real tokens.
TOKEN = "ghp_FAKEleakCanary0123456789abcdefXYZ"
REVIEWER_TOKEN = "ghp_FAKEreviewerToken000000000000000"
OTHER_REVIEWER_TOKEN = "ghp_FAKEotherReviewer0000000000000000"
BOT = "promoter-bot"
REVIEWER = "alice"
OTHER_REVIEWER = "bob"
SYNC_AGENT_TOKEN = "ghp_FAKEsyncAgentToken0000000000000000"
SYNC_AGENT = "argocd"
#: token -> login, for every stand-in the fixtures start
TOKENS = {TOKEN: BOT, REVIEWER_TOKEN: REVIEWER, OTHER_REVIEWER_TOKEN: OTHER_REVIEWER,
          SYNC_AGENT_TOKEN: SYNC_AGENT}
COLLABORATORS = ("carol",)


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324


# --------------------------------------------------------------------------- a real bare repo

#: GitHub's identity on the commits it writes when merging.
GITHUB_COMMITTER = ("GitHub", "noreply@github.com")


@dataclass(frozen=True)
class Ident:
    """A commit author or committer; date is git's raw "SECONDS +ZZZZ" (None: now)."""

    name: str
    email: str
    date: str | None = None

    @classmethod
    def of_user(cls, login: str) -> Ident:
        return cls(login, f"{login}@users.noreply.github.com")

    def env(self, role: str) -> dict[str, str]:
        values = {f"GIT_{role}_NAME": self.name, f"GIT_{role}_EMAIL": self.email}
        if self.date is not None:
            values[f"GIT_{role}_DATE"] = self.date
        return values


@dataclass(frozen=True)
class CommitInfo:
    sha: str
    parents: tuple[str, ...]
    author: Ident
    message: str  # verbatim, as stored

    @property
    def subject(self) -> str:
        return self.message.strip().split("\n", 1)[0]

    @property
    def body(self) -> str:
        return self.message.strip().partition("\n")[2].strip()


class StandInGitError(RuntimeError):
    """A git command the stand-in ran failed (a stand-in or test setup bug)."""


class BareRepo:
    """The few plumbing commands GitHub's side of a repository needs, on a bare repo."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if self.git("rev-parse", "--is-bare-repository").strip() != "true":
            raise StandInGitError(f"{self.path} is not a bare git repository")

    def git(self, *args: str, input: str | None = None, env: Mapping[str, str] | None = None,
            ok: Sequence[int] = (0,)) -> str:
        done = self.run(*args, input=input, env=env)
        if done.returncode not in ok:
            raise StandInGitError(f"git {' '.join(args)} in {self.path} exited "
                                  f"{done.returncode}: {done.stderr.strip()}")
        return done.stdout

    def run(self, *args: str, input: str | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
        full_env = {k: v for k, v in os.environ.items()
                    if k not in ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE")}
        full_env.update(env or {})
        return subprocess.run(["git", f"--git-dir={self.path}", *args], input=input,
                              capture_output=True, text=True, env=full_env, check=False)

    # ------------------------------------------------------------------ refs

    def branch_sha(self, name: str) -> str | None:
        done = self.run("rev-parse", "--verify", "--quiet", f"refs/heads/{name}^{{commit}}")
        return done.stdout.strip() if done.returncode == 0 else None

    def branch_names(self) -> list[str]:
        return self.git("for-each-ref", "--format=%(refname:strip=2)", "refs/heads/").split()

    def update_branch(self, name: str, new: str, old: str | None = None) -> bool:
        """Move (or create) refs/heads/NAME; with `old`, only if it still points there."""
        if not self.is_commit(new):
            return False
        args = ["update-ref", "-m", "stand-in", f"refs/heads/{name}", new]
        return self.run(*args, *([old] if old else [])).returncode == 0

    def delete_branch(self, name: str, old: str | None = None) -> bool:
        return self.run("update-ref", "-d", f"refs/heads/{name}",
                        *([old] if old else [])).returncode == 0

    # ------------------------------------------------------------------ objects

    def is_commit(self, sha: str) -> bool:
        return self.run("rev-parse", "--verify", "--quiet", f"{sha}^{{commit}}").returncode == 0

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        done = self.run("merge-base", "--is-ancestor", ancestor, descendant)
        if done.returncode > 1:
            raise StandInGitError(done.stderr.strip())
        return done.returncode == 0

    def commits(self, base: str, head: str, *, merges: bool = True) -> list[str]:
        """The commits of head that base does not have, oldest first (a PR's commits)."""
        args = ["rev-list", "--reverse", *([] if merges else ["--no-merges"]), f"{base}..{head}"]
        return self.git(*args).split()

    def tree(self, commit: str) -> str:
        return self.git("rev-parse", f"{commit}^{{tree}}").strip()

    def commit_info(self, sha: str) -> CommitInfo:
        raw = self.git("cat-file", "commit", sha)
        headers, _, message = raw.partition("\n\n")
        parents: list[str] = []
        author: Ident | None = None
        for line in headers.splitlines():
            key, _, value = line.partition(" ")
            if key == "parent":
                parents.append(value)
            elif key == "author":
                match = re.fullmatch(r"(.*) <(.*)> (\d+ [+-]\d{4})", value)
                assert match, f"unexpected author line in {sha}: {value!r}"
                author = Ident(*match.groups())
        assert author is not None, f"commit {sha} has no author"
        return CommitInfo(sha, tuple(parents), author, message)

    def merge_tree(self, ours: str, theirs: str) -> str | None:
        """The tree of merging the two commits (their merge base as base); None on conflict."""
        done = self.run("merge-tree", "--write-tree", ours, theirs)
        if done.returncode not in (0, 1):
            raise StandInGitError(f"git merge-tree {ours} {theirs}: {done.stderr.strip()}")
        return done.stdout.split("\n", 1)[0] if done.returncode == 0 else None

    def pick_tree(self, onto: str, commit: str) -> str | None:
        """The tree of cherry-picking `commit` onto `onto`; None on conflict.

        git 2.39's merge-tree has no --merge-base, so the merge base is made explicit: two
        throw-away commits with onto's and commit's trees on one root with commit's parent tree.
        """
        info = self.commit_info(commit)
        parent_tree = self.tree(info.parents[0]) if info.parents else self.empty_tree()
        scratch = Ident("stand-in", "stand-in@example.invalid", "1700000000 +0000")
        base = self.commit_tree(parent_tree, [], "base\n", scratch, scratch)
        ours = self.commit_tree(self.tree(onto), [base], "ours\n", scratch, scratch)
        theirs = self.commit_tree(self.tree(commit), [base], "theirs\n", scratch, scratch)
        return self.merge_tree(ours, theirs)

    def empty_tree(self) -> str:
        return self.git("mktree", input="").strip()

    def commit_tree(self, tree: str, parents: Sequence[str], message: str, author: Ident,
                    committer: Ident) -> str:
        parent_args = [arg for parent in parents for arg in ("-p", parent)]
        env = {**author.env("AUTHOR"), **committer.env("COMMITTER")}
        return self.git("commit-tree", tree, *parent_args, input=message, env=env).strip()


class GitBranches(MutableMapping[str, str]):
    """`GitHubStandIn.branches` when a bare repo backs it: a live view of refs/heads."""

    def __init__(self, repo: BareRepo) -> None:
        self.repo = repo

    def __getitem__(self, name: str) -> str:
        sha = self.repo.branch_sha(name)
        if sha is None:
            raise KeyError(name)
        return sha

    def __setitem__(self, name: str, sha: str) -> None:
        if not self.repo.update_branch(name, sha):
            raise StandInGitError(f"cannot point branch {name} at {sha}: not a commit here")

    def __delitem__(self, name: str) -> None:
        if not self.repo.delete_branch(name):
            raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(self.repo.branch_names())

    def __len__(self) -> int:
        return len(self.repo.branch_names())


class MergeRefused(Exception):
    """The merge endpoint's answer when git cannot do the merge."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message



# --------------------------------------------------------------------------- state


@dataclass
class Pull:
    number: int
    head: str
    head_sha: str
    base: str
    title: str
    body: str | None
    author: str
    head_repo: str
    state: str = "open"
    draft: bool = False
    merged: bool = False
    merge_commit_sha: str | None = None
    merged_by: str | None = None
    mergeable: bool | None = True
    mergeable_state: str = "clean"
    mergeable_pinned: bool = False  # set_mergeable() was called: git does not recompute it
    mergeable_of: tuple[str, str] | None = None  # (base, head) shas mergeable was computed for
    labels: list[str] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[dict[str, Json]] = field(default_factory=list)
    polls: int = 0
    auto_merge: dict[str, Json] | None = None  # GitHub's auto-merge object once enabled


@dataclass
class Fault:
    status: int
    count: int
    headers: dict[str, str]
    body: Json
    method: str | None
    path_contains: str | None
    after_effect: bool  # True: do the work, then answer with the fault anyway

    def matches(self, method: str, path: str) -> bool:
        return (self.method in (None, method)) and (
            self.path_contains is None or self.path_contains in path
        )


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Json
    status: int


class Reply:
    def __init__(self, status: int, body: Json = None, headers: Mapping[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)" + tail + "$"), handler)
    for method, tail, handler in [
        ("GET", r"/pulls", "list_pulls"),
        ("POST", r"/pulls", "create_pull"),
        ("GET", r"/pulls/(?P<number>\d+)", "get_pull"),
        ("PATCH", r"/pulls/(?P<number>\d+)", "update_pull"),
        ("GET", r"/pulls/(?P<number>\d+)/reviews", "list_reviews"),
        ("POST", r"/pulls/(?P<number>\d+)/reviews", "create_review"),
        ("POST", r"/pulls/(?P<number>\d+)/requested_reviewers", "request_reviewers"),
        ("PUT", r"/pulls/(?P<number>\d+)/merge", "merge_pull"),
        ("POST", r"/issues/(?P<number>\d+)/labels", "add_labels"),
        ("GET", r"/commits/(?P<ref>.+)/status", "combined_status"),
        ("GET", r"/commits/(?P<ref>.+)/check-runs", "list_check_runs"),
        ("POST", r"/statuses/(?P<ref>[^/]+)", "create_status"),
    ]
]


class GitHubStandIn:
    """GitHub for one repository; start() serves it on 127.0.0.1:<free port>.

    State is in memory, except, with git_dir (a bare repository), branches and commits: those
    are the repository's, and merging writes to it. delete_branch_on_merge deletes a merged
    PR's head branch, as the repository setting "Automatically delete head branches" does.
    """

    def __init__(
        self,
        checker: Checker,
        *,
        owner: str = "acme",
        repo: str = "gitops",
        tokens: Mapping[str, str],
        collaborators: Sequence[str] = (),
        prefix: str = "",
        git_dir: Path | None = None,
        delete_branch_on_merge: bool = False,
    ) -> None:
        self.checker = checker
        self.owner = owner
        self.repo = repo
        self.tokens = dict(tokens)
        self.collaborators = {*collaborators, *self.tokens.values()}
        self.prefix = prefix.rstrip("/")
        self.git = BareRepo(git_dir) if git_dir is not None else None
        self.branches: MutableMapping[str, str] = (
            GitBranches(self.git) if self.git is not None else {"main": fake_sha("main")})
        self.delete_branch_on_merge = delete_branch_on_merge
        self.pulls: dict[int, Pull] = {}
        self.graphql = GraphQLEndpoint(self)  # POST /graphql (standin_graphql.py)
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self._faults: deque[Fault] = deque()
        self._merge_after: dict[int, int] = {}
        self.apps: list[FakeApp] = []  # GitHub Apps (standin_app.py)
        self.git_requests: list[GitRequest] = []  # git over http (standin_githttp.py)
        self.protection: dict[str, Protection] = {}  # protected branches (standin_protection.py)
        self.allow_auto_merge = True  # the repository setting "Allow auto-merge"
        self._next_number = 1
        self.board = StatusBoard(checker, self.full_name, self._user_json)
        self.clock: Callable[[], str] = iso  # the time of each status posted from now on
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,),
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    # ------------------------------------------------------------------ test-side knobs

    def push_branch(self, name: str, sha: str | None = None) -> str:
        """Create or move a branch (as `git push` would); move open PR heads with it.

        With a bare repo, `sha` must be a commit in it; without one, a new commit (same tree,
        on the branch, else on main) is made, so the branch really moves.
        """
        with self._lock:
            if sha is None:
                sha = (self._new_git_commit(name) if self.git is not None
                       else fake_sha("branch", name, len(self.requests), len(self.branches)))
            self.branches[name] = sha
            for pull in self.pulls.values():
                if pull.head == name and pull.state == "open":
                    pull.head_sha = sha
        return sha

    def add_pull(self, head: str, *, base: str = "main", author: str = "someone",
                 head_repo: str | None = None, title: str = "unrelated") -> int:
        """A PR that did not come through the API (another tool, or a fork)."""
        fork = head_repo not in (None, self.full_name)
        if self.git is not None and not fork and head not in self.branches:
            self.push_branch(head)
        with self._lock:
            if self.git is not None and fork:
                sha = fake_sha("fork", head_repo, head)  # a fork's commits are not in our repo
            else:
                sha = self.branches.setdefault(head, fake_sha("branch", head))
            return self._new_pull(head=head, sha=sha, base=base, title=title, body=None,
                                  author=author, head_repo=head_repo or self.full_name).number

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
        errors: Json = None,
        method: str | None = None,
        path_contains: str | None = None,
        after_effect: bool = False,
    ) -> None:
        """The next `count` matching requests are answered with `status`."""
        body: dict[str, Json] = {"message": message or _DEFAULT_MESSAGES.get(status, "Error"),
                                 "documentation_url": DOCS}
        if errors is not None:
            body["errors"] = errors
        self._faults.append(Fault(status, count, dict(headers or {}), body, method,
                                  path_contains, after_effect))

    def merge_after_polls(self, number: int, polls: int) -> None:
        """Someone merges PR `number` in the UI at the polls-th GET of it."""
        self._merge_after[number] = polls

    def set_mergeable(self, number: int, mergeable: bool | None, state: str) -> None:
        """Pin what GitHub reports (with a bare repo, git no longer recomputes it)."""
        with self._lock:
            self.pulls[number].mergeable = mergeable
            self.pulls[number].mergeable_state = state
            self.pulls[number].mergeable_pinned = True

    def review(self, token: str, number: int, event: str, *, commit_id: str | None = None,
               body: str = "") -> httpx.Response:
        """Submit a review as the token's user, through the real endpoint (checked too)."""
        payload: dict[str, str] = {"event": event, "body": body or event.lower()}
        if commit_id is not None:
            payload["commit_id"] = commit_id
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "standin-test"}
        url = f"{self.url}/repos/{self.full_name}/pulls/{number}/reviews"
        return httpx.post(url, json=payload, headers=headers)

    def post_status(self, sha: str, context: str, state: str, *,
                    token: str = SYNC_AGENT_TOKEN) -> httpx.Response:
        """A sync agent posts a commit status, through the real endpoint (checked too); its
        time is clock()'s."""
        payload = {"state": state, "context": context, "description": f"{context} {state}",
                   "target_url": "https://argocd.example.invalid/applications/web-staging"}
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "standin-test"}
        return httpx.post(f"{self.url}/repos/{self.full_name}/statuses/{sha}", json=payload,
                          headers=headers)

    def status_after_reads(self, sha: str, context: str, state: str, reads: int) -> None:
        """The sync agent posts a status on `sha` just before the reads-th read (from now) of
        its combined status: a status that turns while promoter polls, without any sleep."""
        with self._lock:
            self.board.after_reads(sha, reads, lambda: self.board.post(
                sha, context, state, at=self.clock(), creator=SYNC_AGENT))

    def add_check_run(self, sha: str, name: str, *, status: str = "completed",
                      conclusion: str | None = "success", at: str | None = None) -> CheckRun:
        """A check run on `sha` (GitHub Apps create them; no endpoint for it here)."""
        with self._lock:
            return self.board.add_check_run(sha, name, status=status, conclusion=conclusion,
                                            at=at or self.clock())

    def calls(self, method: str, path_suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    def env(self, token: str = TOKEN) -> dict[str, str]:
        """The environment a `promoter` subprocess needs to talk to this stand-in."""
        return {"PROMOTER_GITHUB_API_URL": self.url, "PROMOTER_GITHUB_TOKEN": token,
                "PROMOTER_GITHUB_REPOSITORY": self.full_name}

    def problem_report(self) -> str | None:
        """None, or every problem the stand-in saw, as one message."""
        if not self.problems:
            return None
        return ("the GitHub stand-in saw requests or responses that do not match GitHub's API "
                "(its OpenAPI description, when ../shared has it):\n" + "\n".join(self.problems))

    # ------------------------------------------------------------------ request handling

    def handle(self, method: str, target: str, headers: Headers, raw: bytes) -> tuple[Reply, str]:
        with self._lock:
            split = urlsplit(target)
            if split.path == graphql_path(self.prefix):
                return self._graphql(method, split.path, headers, raw), split.path
            if not split.path.startswith(self.prefix + "/"):
                self.problems.append(f"{method} {target}: outside the API prefix {self.prefix!r}")
                return Reply(404, {"message": "Not Found", "documentation_url": DOCS}), target
            path = split.path[len(self.prefix):]
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            request = OARequest(
                method=method.lower(), path=path, body=raw or None,
                content_type=headers.get("Content-Type", "application/octet-stream"),
                parameters=RequestParameters(query=ImmutableMultiDict(parse_qsl(split.query)),
                                             header=headers),
            )
            self.problems.extend(self.checker.request_problems(request))
            self._check_headers(method, path, headers)
            payload = json.loads(raw) if raw else None
            reply = self._respond(method, path, query, headers, payload)
            self.requests.append(Recorded(method, path, query, dict(headers.items()), payload,
                                          reply.status))
            data = json.dumps(reply.body).encode() if reply.body is not None else b""
            content_type = "application/json; charset=utf-8" if data else ""
            response = OAResponse(reply.status, data or None, Headers(reply.headers), content_type)
            self.problems.extend(self.checker.response_problems(request, response))
            return reply, path

    def _graphql(self, method: str, path: str, headers: Headers, raw: bytes) -> Reply:
        """The GraphQL endpoint (not in the OpenAPI description: checked against GitHub's
        GraphQL schema instead), with the same faults, headers and records as REST."""
        self._check_headers(method, path, headers)
        payload = json.loads(raw) if raw else None
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after_effect:
            reply = Reply(fault.status, fault.body, fault.headers)
        else:
            user = self._user(headers)
            if user is None:
                reply = _error(401, "Bad credentials")
            elif method != "POST":
                reply = _error(404, "Not Found")
            else:
                self._follow_git()
                reply = Reply(*self.graphql.answer(payload, user))
            if fault is not None:
                reply = Reply(fault.status, fault.body, fault.headers)
        self.requests.append(Recorded(method, path, {}, dict(headers.items()), payload,
                                      reply.status))
        return reply

    def _check_headers(self, method: str, path: str, headers: Headers) -> None:
        expected = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        for name, value in expected.items():
            if headers.get(name) != value:
                self.problems.append(f"{method} {path}: header {name} is {headers.get(name)!r}")
        if not headers.get("User-Agent"):
            self.problems.append(f"{method} {path}: no User-Agent (GitHub requires one)")

    def _respond(self, method: str, path: str, query: dict[str, str], headers: Headers,
                 payload: Json) -> Reply:
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after_effect:
            return Reply(fault.status, fault.body, fault.headers)
        reply = self._route(method, path, query, headers, payload)
        if fault is not None:
            return Reply(fault.status, fault.body, fault.headers)
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _route(self, method: str, path: str, query: dict[str, str], headers: Headers,
               payload: Json) -> Reply:
        for extension in (app_route, protection_route):
            reply = extension(self, method, path, headers, payload)
            if reply is not None:
                return reply
        user = self._user(headers)
        if user is None:
            return _error(401, "Bad credentials")
        self._follow_git()
        for route_method, pattern, handler in _ROUTES:
            match = pattern.match(path)
            if match is None or route_method != method:
                continue
            if f"{match['owner']}/{match['repo']}".lower() != self.full_name.lower():
                return _error(404, "Not Found")
            number = match.groupdict().get("number")
            if number is not None and int(number) not in self.pulls:
                return _error(404, "Not Found")
            call: Callable[..., Reply] = getattr(self, f"_{handler}")
            pull = self.pulls[int(number)] if number is not None else None
            return call(pull=pull, query=query, payload=payload, user=user, path=path,
                        ref=match.groupdict().get("ref"))
        self.problems.append(f"{method} {path}: the stand-in does not serve this")
        return _error(404, "Not Found")

    def _user(self, headers: Headers) -> str | None:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        return self.tokens.get(token) if scheme.lower() in ("bearer", "token") else None

    # ------------------------------------------------------------------ endpoints

    def _list_pulls(self, *, query: dict[str, str], path: str, **_: Any) -> Reply:
        state = query.get("state", "open")
        pulls = [p for p in self.pulls.values() if state == "all" or p.state == state]
        if "base" in query:
            pulls = [p for p in pulls if p.base == query["base"]]
        if "head" in query:
            owner, _colon, branch = query["head"].partition(":")
            pulls = [p for p in pulls if p.head == branch
                     and p.head_repo.split("/")[0].lower() == owner.lower()]
        pulls.sort(key=lambda p: p.number, reverse=query.get("direction", "desc") == "desc")
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = pulls[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(pulls):
            next_query = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{self.url}{path}?{next_query}>; rel="next"'
        return Reply(200, [self._pull_json(p, simple=True) for p in chunk], headers)

    def _create_pull(self, *, payload: Json, user: str, **_: Any) -> Reply:
        head = str(payload["head"]).split(":")[-1]
        base = str(payload["base"])
        if head not in self.branches:
            return _invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if base not in self.branches:
            return _invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if head == base or (self.git is not None
                            and self.git.is_ancestor(self.branches[head], self.branches[base])):
            return _invalid({"resource": "PullRequest", "code": "custom",
                             "message": f"No commits between {base} and {head}"})
        for pull in self.pulls.values():
            if pull.state == "open" and pull.head == head and pull.base == base:
                return _invalid({"resource": "PullRequest", "code": "custom",
                                 "message": f"A pull request already exists for "
                                            f"{self.owner}:{head}."})
        pull = self._new_pull(head=head, sha=self.branches[head], base=base,
                              title=payload.get("title", ""), body=payload.get("body"),
                              author=user, head_repo=self.full_name)
        pull.draft = bool(payload.get("draft", False))
        self._follow_git()
        location = f"{self.url}/repos/{self.full_name}/pulls/{pull.number}"
        return Reply(201, self._pull_json(pull), {"Location": location})

    def _get_pull(self, *, pull: Pull, **_: Any) -> Reply:
        pull.polls += 1
        if pull.state == "open" and pull.polls >= self._merge_after.get(pull.number, 1 << 30):
            with suppress(MergeRefused):  # nobody can merge it in the UI either
                self._merge(pull)
        return Reply(200, self._pull_json(pull))

    def _update_pull(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        payload = payload or {}
        pull.title = payload.get("title", pull.title)
        pull.body = payload.get("body", pull.body)
        if payload.get("state") in ("open", "closed") and not pull.merged:
            pull.state = payload["state"]
        return Reply(200, self._pull_json(pull))

    def _list_reviews(self, *, pull: Pull, **_: Any) -> Reply:
        return Reply(200, list(pull.reviews))

    def _create_review(self, *, pull: Pull, payload: Json, user: str, **_: Any) -> Reply:
        payload = payload or {}
        event = payload.get("event")
        if event in ("APPROVE", "REQUEST_CHANGES") and user == pull.author:
            verb = "approve" if event == "APPROVE" else "request changes on"
            return Reply(422, {"message": "Unprocessable Entity", "documentation_url": DOCS,
                               "errors": [f"Can not {verb} your own pull request"]})
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                 "COMMENT": "COMMENTED"}.get(event or "", "PENDING")
        review_id = 1000 + sum(len(p.reviews) for p in self.pulls.values())
        pull_url = f"{SPEC_SERVER}/repos/{self.full_name}/pulls/{pull.number}"
        review = self.checker.example(
            "pull-request-review",
            id=review_id, node_id=f"PRR_{review_id}", user=self._user_json(user),
            body=payload.get("body", ""), state=state,
            commit_id=payload.get("commit_id", pull.head_sha),
            html_url=f"https://github.com/{self.full_name}/pull/{pull.number}"
                     f"#pullrequestreview-{review_id}",
            pull_request_url=pull_url, submitted_at=TIMESTAMP,
            _links={"html": {"href": pull_url}, "pull_request": {"href": pull_url}},
            author_association="COLLABORATOR",
        )
        pull.reviews.append(review)
        return Reply(200, review)

    def _request_reviewers(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        payload = payload or {}
        users = list(payload.get("reviewers", []))
        if any(u not in self.collaborators for u in users):
            return Reply(422, {
                "message": "Reviews may only be requested from collaborators. One or more of "
                           "the users or teams you specified is not a collaborator of the "
                           f"{self.full_name} repository.",
                "documentation_url": DOCS,
            })
        if pull.author in users:
            return _invalid({"resource": "PullRequest", "code": "custom",
                             "message": "Review cannot be requested from pull request author."})
        pull.requested_reviewers += [u for u in users if u not in pull.requested_reviewers]
        teams = payload.get("team_reviewers", [])
        pull.requested_teams += [t for t in teams if t not in pull.requested_teams]
        return Reply(201, self._pull_json(pull, simple=True))

    def _merge_pull(self, *, pull: Pull, payload: Json, user: str, **_: Any) -> Reply:
        payload = payload or {}
        if pull.state != "open" or pull.mergeable is False:
            return _error(405, "Pull Request is not mergeable")
        if "sha" in payload and payload["sha"] != pull.head_sha:
            return _error(409, "Head branch was modified. Review and try the merge again.")
        try:
            self._merge(pull, payload.get("merge_method", "merge"), user=user,
                        title=payload.get("commit_title"), message=payload.get("commit_message"))
        except MergeRefused as refused:
            return _error(refused.status, refused.message)
        return Reply(200, self.checker.example(
            "pull-request-merge-result", sha=pull.merge_commit_sha, merged=True,
            message="Pull Request successfully merged"))

    def _combined_status(self, *, ref: str, query: dict[str, str], path: str,
                         **_: Any) -> Reply:
        sha = self._commit_of(ref)
        if sha is None:
            return _error(404, f"No commit found for SHA: {ref}")
        return Reply(*self.board.combined(sha, query, f"{self.url}{path}"))

    def _list_check_runs(self, *, ref: str, query: dict[str, str], path: str,
                         **_: Any) -> Reply:
        sha = self._commit_of(ref)
        if sha is None:
            return _error(422, f"No commit found for SHA: {ref}")
        return Reply(*self.board.runs(sha, query, f"{self.url}{path}"))

    def _create_status(self, *, ref: str, payload: Json, user: str, **_: Any) -> Reply:
        sha = self._commit_of(ref, new=True)
        if sha is None or sha != ref:
            return _invalid({"resource": "Status", "code": "custom",
                             "message": f"No commit found for SHA: {ref}"})
        payload = payload or {}
        if payload.get("state") not in ("error", "failure", "pending", "success"):
            return _invalid({"resource": "Status", "field": "state", "code": "invalid"})
        status = self.board.post(sha, payload.get("context", "default"), payload["state"],
                                 at=self.clock(), creator=user,
                                 description=payload.get("description"),
                                 target_url=payload.get("target_url"))
        location = f"{self.url}/repos/{self.full_name}/statuses/{sha}"
        return Reply(201, self.board.created(status), {"Location": location})

    def _commit_of(self, ref: str, *, new: bool = False) -> str | None:
        """The commit a ref names: a branch (`main`, `heads/main`) or a full commit id: one
        of the bare repository's; without one, a branch tip, a commit with statuses or check
        runs, or (new: a status is being posted) any."""
        branch = ref.removeprefix("heads/")
        if branch in self.branches:
            return self.branches[branch]
        if not re.fullmatch(r"[0-9a-f]{40}", ref):
            return None
        if self.git is not None:
            return ref if self.git.is_commit(ref) else None
        known = (new or ref in self.branches.values() or ref in self.board.statuses
                 or ref in self.board.check_runs)
        return ref if known else None

    def _add_labels(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        names = payload.get("labels", []) if isinstance(payload, dict) else payload or []
        for entry in names:
            name = entry["name"] if isinstance(entry, dict) else str(entry)
            if name not in pull.labels:
                pull.labels.append(name)
        return Reply(200, [self._label_json(n) for n in pull.labels])

    # ------------------------------------------------------------------ helpers

    def _new_pull(self, *, head: str, sha: str, base: str, title: str, body: str | None,
                  author: str, head_repo: str) -> Pull:
        pull = Pull(number=self._next_number, head=head, head_sha=sha, base=base, title=title,
                    body=body, author=author, head_repo=head_repo)
        self.pulls[pull.number] = pull
        self._next_number += 1
        return pull

    def _merge(self, pull: Pull, method: str = "merge", *, user: str | None = None,
               title: str | None = None, message: str | None = None) -> None:
        """Merge the PR (raises MergeRefused); with a bare repo, really, into its base branch."""
        if self.git is None:
            sha = fake_sha("merge", method, pull.number, pull.head_sha)
            self.branches[pull.base] = sha
        else:
            sha = self._git_merge(self.git, pull, method, Ident.of_user(user or pull.author),
                                  title, message)
        pull.merged = True
        pull.state = "closed"
        pull.merge_commit_sha = sha
        pull.merged_by = user or pull.author
        if self.delete_branch_on_merge:
            self._delete_head(pull)

    def _delete_head(self, pull: Pull) -> None:
        if pull.head_repo != self.full_name or any(
                p.state == "open" and p.base == pull.head for p in self.pulls.values()):
            return  # GitHub keeps a fork's branch, and a branch other open PRs merge into
        if self.git is not None:
            self.git.delete_branch(pull.head, pull.head_sha)
        else:
            self.branches.pop(pull.head, None)

    # ------------------------------------------------------------------ the bare repo

    def _follow_git(self) -> None:
        """Open PRs follow their head branch (force-pushes too) and get git's mergeability."""
        if self.git is None:
            return
        for pull in self.pulls.values():
            if pull.state != "open" or pull.head_repo != self.full_name:
                continue
            head = self.git.branch_sha(pull.head)
            if head is None:
                pull.state = "closed"  # GitHub closes a PR whose head branch is deleted
                continue
            pull.head_sha = head
            base = self.git.branch_sha(pull.base)
            if base is not None and not pull.mergeable_pinned and pull.mergeable_of != (
                    base, head):
                clean = self.git.merge_tree(base, head) is not None
                pull.mergeable, pull.mergeable_state = clean, "clean" if clean else "dirty"
                pull.mergeable_of = (base, head)

    def _git_merge(self, git: BareRepo, pull: Pull, method: str, merger: Ident,
                   title: str | None, message: str | None) -> str:
        """Write the merge into the repo and move the base branch; the new base tip."""
        if pull.head_repo != self.full_name:
            raise MergeRefused(405, "Pull Request is not mergeable")
        committer = Ident(*GITHUB_COMMITTER)
        for _attempt in range(5):  # a push to the base meanwhile: redo it on the new tip
            base = git.branch_sha(pull.base)
            if base is None:
                raise MergeRefused(422, f"Base branch {pull.base} does not exist")
            if method == "rebase":
                tip = self._rebase(git, pull, base, committer)
            else:
                tree = git.merge_tree(base, pull.head_sha)
                if tree is None:
                    raise MergeRefused(405, "Pull Request is not mergeable")
                if method == "squash":
                    author = git.commit_info(pull.head_sha).author
                    text = self._squash_message(git, pull, base, title, message)
                    tip = git.commit_tree(tree, [base], text, author, committer)
                else:
                    text = _commit_text(
                        title or f"Merge pull request #{pull.number} from "
                                 f"{self.owner}/{pull.head}",
                        pull.title if message is None else message)
                    tip = git.commit_tree(tree, [base, pull.head_sha], text, merger, committer)
            if git.update_branch(pull.base, tip, base):
                return tip
        raise MergeRefused(409, f"Base branch {pull.base} was modified. Review and try the "
                                "merge again.")

    def _rebase(self, git: BareRepo, pull: Pull, base: str, committer: Ident) -> str:
        tip = base
        for commit in git.commits(base, pull.head_sha, merges=False):
            tree = git.pick_tree(tip, commit)
            if tree is None:
                raise MergeRefused(405, "Pull Request is not mergeable")
            info = git.commit_info(commit)
            tip = git.commit_tree(tree, [tip], info.message, info.author, committer)
        return tip

    def _squash_message(self, git: BareRepo, pull: Pull, base: str, title: str | None,
                        message: str | None) -> str:
        if message is None:
            commits = [git.commit_info(c) for c in git.commits(base, pull.head_sha)]
            if len(commits) == 1:
                message = commits[0].body
            else:
                message = "\n\n".join(f"* {c.message.strip()}" for c in commits)
        return _commit_text(title or f"{pull.title} (#{pull.number})", message)

    def _new_git_commit(self, branch: str) -> str:
        """A commit on `branch` (else on main) with the same tree: a push that moves it."""
        assert self.git is not None
        parent = self.git.branch_sha(branch) or self.git.branch_sha("main")
        assert parent is not None, f"{self.git.path} has neither {branch} nor main"
        pusher = Ident("Stand-in Pusher", "pusher@example.invalid")
        return self.git.commit_tree(self.git.tree(parent), [parent],
                                    f"push to {branch}\n", pusher, pusher)

    def _user_json(self, login: str) -> dict[str, Json]:
        number = int(fake_sha(login)[:6], 16)
        return self.checker.example(
            "simple-user", login=login, id=number, node_id=f"U_{number}", type="User",
            url=f"{SPEC_SERVER}/users/{login}", html_url=f"https://github.com/{login}",
            site_admin=False,
        )

    def _repo_json(self, full_name: str) -> dict[str, Json]:
        owner, name = full_name.split("/")
        number = int(fake_sha(full_name)[:6], 16)
        return self.checker.example(
            "repository", id=number, node_id=f"R_{number}", name=name, full_name=full_name,
            owner=self._user_json(owner), private=True, fork=full_name != self.full_name,
            default_branch="main", html_url=f"https://github.com/{full_name}",
            url=f"{SPEC_SERVER}/repos/{full_name}",
            clone_url=f"https://github.com/{full_name}.git",
        )

    def _label_json(self, name: str, schema: str | dict[str, Json] = "label") -> dict[str, Json]:
        number = int(fake_sha("label", name)[:6], 16)
        return self.checker.example(
            schema, id=number, node_id=f"LA_{number}", name=name, color="ededed",
            description=f"{name} label", default=False,
            url=f"{SPEC_SERVER}/repos/{self.full_name}/labels/{name}",
        )

    def _team_json(self, slug: str, schema: dict[str, Json]) -> dict[str, Json]:
        number = int(fake_sha("team", slug)[:6], 16)
        return self.checker.example(
            schema, id=number, node_id=f"T_{number}", name=slug, slug=slug,
            description=f"team {slug}", permission="push",
            html_url=f"https://github.com/orgs/{self.owner}/teams/{slug}",
        )

    def _ref_json(self, branch: str, sha: str, full_name: str) -> dict[str, Json]:
        return {"label": f"{full_name.split('/')[0]}:{branch}", "ref": branch, "sha": sha,
                "repo": self._repo_json(full_name),
                "user": self._user_json(full_name.split("/")[0])}

    def _pull_json(self, pull: Pull, *, simple: bool = False) -> dict[str, Json]:
        kind = "pull-request-simple" if simple else "pull-request"
        label_schema = self.checker.subschema(kind, "labels", "[]")
        team_schema = self.checker.subschema(kind, "requested_teams", "[]")
        api = f"{SPEC_SERVER}/repos/{self.full_name}"
        html = f"https://github.com/{self.full_name}/pull/{pull.number}"
        values: dict[str, Json] = {
            "url": f"{api}/pulls/{pull.number}", "id": 500 + pull.number,
            "node_id": f"PR_{pull.number}", "html_url": html, "number": pull.number,
            "state": pull.state, "title": pull.title, "body": pull.body,
            "user": self._user_json(pull.author),
            "labels": [self._label_json(n, label_schema) for n in pull.labels],
            "requested_reviewers": [self._user_json(u) for u in pull.requested_reviewers],
            "requested_teams": [self._team_json(t, team_schema) for t in pull.requested_teams],
            "head": self._ref_json(pull.head, pull.head_sha, pull.head_repo),
            "base": self._ref_json(pull.base, self.branches.get(pull.base)
                                   or fake_sha("deleted", pull.base), self.full_name),
            "closed_at": TIMESTAMP if pull.state == "closed" else None,
            "merged_at": TIMESTAMP if pull.merged else None,
            "merge_commit_sha": pull.merge_commit_sha, "draft": pull.draft,
            "author_association": "MEMBER", "auto_merge": pull.auto_merge,
            "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        }
        if not simple:
            values.update(
                merged=pull.merged, mergeable=pull.mergeable,
                mergeable_state=pull.mergeable_state,
                merged_by=self._user_json(pull.merged_by or pull.author) if pull.merged
                else None,
            )
        return self.checker.example(kind, **values)


_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by personal access token",
    404: "Not Found",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}


def _commit_text(title: str, body: str) -> str:
    """A commit message as git writes one: title, blank line, body, final newline."""
    body = body.strip()
    return f"{title.strip()}\n\n{body}\n" if body else f"{title.strip()}\n"


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS})


def _invalid(*errors: Json) -> Reply:
    return Reply(422, {"message": "Validation Failed", "errors": list(errors),
                       "documentation_url": DOCS})


# --------------------------------------------------------------------------- for any test


def start_git_standin(checker: Checker, git_dir: Path, *,
                      delete_branch_on_merge: bool = False, owner: str = "acme",
                      repo: str = "gitops") -> GitHubStandIn:
    """A started stand-in for OWNER/REPO backed by the bare repository git_dir, answering the
    TOKENS (TOKEN is promoter-bot's). stop() it, then check problem_report()."""
    standin = GitHubStandIn(checker, owner=owner, repo=repo, tokens=TOKENS,
                            collaborators=COLLABORATORS, git_dir=git_dir,
                            delete_branch_on_merge=delete_branch_on_merge)
    standin.start()
    return standin


@contextmanager
def serve_git_standin(checker: Checker, git_dir: Path, *,
                      delete_branch_on_merge: bool = False) -> Iterator[GitHubStandIn]:
    """start_git_standin(); on exit stop it and raise AssertionError on any problem it saw."""
    standin = start_git_standin(checker, git_dir, delete_branch_on_merge=delete_branch_on_merge)
    try:
        yield standin
    finally:
        standin.stop()
    report = standin.problem_report()
    if report is not None:
        raise AssertionError(report)


class _Handler(BaseHTTPRequestHandler):
    standin: GitHubStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = Headers(list(self.headers.items()))
        split = urlsplit(self.path)
        git = git_http_route(self.standin, self.command, split.path, split.query, headers, raw)
        if git is not None:  # git over http (standin_githttp.py)
            self.send_response(git.status)
            for name, value in [*git.headers, ("Content-Length", str(len(git.body)))]:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(git.body)
            return
        try:
            reply, _ = self.standin.handle(self.command, self.path, headers, raw)
        except Exception:  # a stand-in bug: make the test fail with it, answer like GitHub
            self.standin.problems.append(f"stand-in crashed on {self.command} {self.path}:\n"
                                         + traceback.format_exc())
            reply = Reply(500, {"message": "stand-in crashed", "documentation_url": DOCS})
        data = json.dumps(reply.body).encode() if reply.body is not None else b""
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        with suppress(BrokenPipeError, ConnectionResetError):  # the client was interrupted
            self.end_headers()
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not every request."""
