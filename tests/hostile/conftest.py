"""The hostile-input harness (issue 9), black-box: every case runs the installed `promoter` command
in a subprocess and inspects only files, git repositories and processes.

A scene is a bare GitOps remote (a file:// URL) made from the project's overlays/ and
promoter.yaml, a local clone of it with its upstream set, a folder outside the repository whose
files must never change (it is also promoter's working directory), and a private, empty TMPDIR.
`Scene.expect` runs promoter once and checks what every run must satisfy:

- the exit code (the documented class), one clean `promoter: error:` line on stderr for a
  failure, no traceback, no control characters, the sentinel token nowhere in the output;
- with --json, exactly one JSON document on stdout (`{"error": {...}}` for a failure);
- for a failure, nothing changed: the remote's refs, the clone's HEAD, branches, index bytes and
  every work-tree file;
- always: every file outside the repository by content and inode, TMPDIR empty, no `*.lock`
  file in either repository, and no process left that carries this case's marker variable.

A hang is caught by the subprocess timeout of the case, never by sleeping and looking.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, cast

import pytest

from tests.waiting import wait_exit, wait_path

PROJECT = Path(__file__).resolve().parents[2]
PROMOTER = Path(sys.executable).with_name("promoter")
SENTINEL = "ghp_H0stileSentinelT0ken4fd9c2b7e1a0"
"""The GitHub token of every run: it must never appear in anything promoter prints."""
MARKER_VAR = "PROMOTER_TEST_MARKER"
SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
"""A valid new tag (matches the project's tag_pattern)."""
STAGING_TAG = "9c4e2b7a1f3d5e8c0b6a4d2f1e9c7b5a3d8f6e21"
STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"
DEFAULT_TIMEOUT = 60.0
QUICK = 20.0
"""Seconds for what must be refused or bounded quickly (bombs, huge files, 3 s timeouts)."""
CAPPED = 6 * 1024
"""Bytes of stderr a capped foreign message (~4 KiB) with promoter's own words stays under."""
MEMORY_LIMIT = 3 * 1024**3
"""Address-space cap of the promoter process: an alias bomb must not take the machine down."""

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
ESCAPES = "\x1b[31mRED\x1b[0m \x1b]0;TITLE\x07\x1b[2J"
"""Terminal escape sequences (colour, window title, clear screen) planted in foreign text."""
_ESCAPE_REMNANTS = ("\x1b", "[31m", "[0m", "]0;", "[2J")


@dataclass(frozen=True)
class Link:
    """A symbolic link to commit (its target is stored as written)."""

    target: str


# ----------------------------------------------------------------------------- small helpers


def git(cwd: Path, *args: str, check: bool = True) -> str:
    """git's standard output (a failure fails the test, unless check is false)."""
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=False,
                          timeout=120)
    assert done.returncode == 0 or not check, f"git {' '.join(args)} failed: {done.stderr}"
    return done.stdout


def executable(path: Path, text: str) -> Path:
    """Write a script and make it executable."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(0o755)
    return path


def wait_for_file(path: Path, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    """Wait (bounded) until a helper writes its marker file; fail if promoter exits first."""
    outcome = wait_path(path, timeout, unless_pid=proc.pid)
    if outcome == "exited":
        _, err = proc.communicate()
        pytest.fail(f"promoter exited ({proc.returncode}) before reaching {path.name}: "
                    f"{err.decode(errors='replace')[-2000:]}")
    if outcome == "timeout":
        pytest.fail(f"{path.name} was not reached within {timeout} s")


def assert_escapes_gone(text: str) -> None:
    for remnant in _ESCAPE_REMNANTS:
        assert remnant not in text, f"terminal escape remnant {remnant!r} in {text!r}"


def assert_capped(done: Run, limit: int = CAPPED) -> None:
    """A foreign message (hook, kustomize, API) is cut to about 4 KiB: stderr stays small."""
    size = len(done.stderr.encode())
    assert size < limit, f"stderr is {size} bytes: the foreign message is not capped"
    size = len(done.stdout.encode())
    assert size < 2 * limit, f"stdout is {size} bytes: the foreign message is not capped"


def marker_pids(marker: str) -> list[int]:
    """Processes whose environment holds this case's marker variable."""
    needle = f"{MARKER_VAR}={marker}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            data = Path(entry.path, "environ").read_bytes()
        except OSError:
            continue
        if needle in data.split(b"\0"):
            found.append(int(entry.name))
    return found


def kill_pids(pids: Sequence[int]) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def tree(root: Path, *, skip: str | None = None, inodes: bool = False) -> dict[str, str]:
    """Every entry under root (not following links): kind, mode and content digest, and the
    inode when asked."""
    entries: dict[str, str] = {}
    for folder, dirs, files in os.walk(root):
        if skip is not None and Path(folder) == root and skip in dirs:
            dirs.remove(skip)
        for name in dirs + files:
            path = Path(folder, name)
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                what = f"link {os.readlink(path)}"
            elif stat.S_ISDIR(info.st_mode):
                what = "dir"
            else:
                what = f"file {info.st_mode & 0o777:o} {_digest(path.read_bytes())}"
            if inodes:
                what += f" inode {info.st_ino}"
            entries[str(path.relative_to(root))] = what
    return entries


def lock_files(*repos: Path) -> list[str]:
    return [str(p) for repo in repos for p in repo.rglob("*.lock")]


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Run:
    """One finished promoter run."""

    argv: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str
    seconds: float

    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]

    @property
    def error(self) -> str:
        """The one error line (checked by Scene.expect for every failure)."""
        return self.lines()[-1]

    def json(self) -> Any:
        return json.loads(self.stdout)

    def __str__(self) -> str:
        return (f"exit {self.returncode} after {self.seconds:.1f} s\n--- stderr\n"
                f"{self.stderr[-3000:]}\n--- stdout\n{self.stdout[-3000:]}")


@dataclass(frozen=True)
class State:
    """What a failed run must leave exactly as it was."""

    remote_refs: str
    head: str
    branches: str
    index: bytes
    worktree: dict[str, str]

    def differences(self, other: State) -> list[str]:
        found = ["remote refs changed"] if self.remote_refs != other.remote_refs else []
        return found + self.local_differences(other)

    def local_differences(self, other: State) -> list[str]:
        """Differences in the local clone only."""
        found = [f"{name} changed" for name in ("head", "branches", "index")
                 if getattr(self, name) != getattr(other, name)]
        return found + _dict_differences("work tree", self.worktree, other.worktree)


def _dict_differences(what: str, before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    keys = sorted(set(before) | set(after))
    return [f"{what}: {key}: {before.get(key)} -> {after.get(key)}"
            for key in keys if before.get(key) != after.get(key)]


# ----------------------------------------------------------------------------- the scene


class Scene:
    """A bare GitOps remote, a local clone, an outside folder and a private TMPDIR."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.remote = root / "gitops.git"
        self.seed = root / "seed"  # the test's own working copy for preparing commits
        self.clone = root / "clone"
        self.outside = root / "outside"
        self.tmpdir = root / "tmp"
        self.bin = root / "bin"
        self.marker = uuid.uuid4().hex
        self.env: dict[str, str] = {}  # extra variables for every run of this case
        self._outside_before: dict[str, str] = {}
        self._servers: list[FakeServer] = []

    # ------------------------------------------------------------------ building

    def build(self) -> Scene:
        git(self.root, "init", "--quiet", "--bare", "--initial-branch=main", str(self.remote))
        git(self.root, "init", "--quiet", "--initial-branch=main", str(self.seed))
        shutil.copytree(PROJECT / "overlays", self.seed / "overlays")
        shutil.copy2(PROJECT / "promoter.yaml", self.seed / "promoter.yaml")
        git(self.seed, "add", "--all")
        git(self.seed, "commit", "--quiet", "-m", "initial layout")
        git(self.seed, "remote", "add", "origin", self.url)
        git(self.seed, "push", "--quiet", "--set-upstream", "origin", "main")
        git(self.root, "clone", "--quiet", self.url, str(self.clone))
        git(self.clone, "update-index", "-q", "--refresh")  # settled: only promoter may move it
        self.outside.mkdir()
        shutil.copytree(PROJECT / "overlays", self.outside / "overlays")
        shutil.copy2(PROJECT / "promoter.yaml", self.outside / "promoter.yaml")
        (self.outside / "secret.txt").write_text("must never change\n")
        self.tmpdir.mkdir()
        self.bin.mkdir()
        self._outside_before = self.outside_state()
        return self

    @property
    def url(self) -> str:
        return self.remote.as_uri()

    def commit(self, files: Mapping[str, bytes | str | Link | None],
               message: str = "hostile content") -> None:
        """Commit files (bytes, text, a Link, or None to delete) to the remote's main branch
        and bring the local clone up to date."""
        for rel, content in files.items():
            path = self.seed / rel
            if path.is_symlink() or path.is_file():
                path.unlink()
            elif path.is_dir():
                shutil.rmtree(path)
            if content is None:
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            # not isinstance(content, Link): test modules import this file under another name
            if isinstance(content, str | bytes):
                path.write_bytes(content.encode() if isinstance(content, str) else content)
            else:
                path.symlink_to(content.target)
        git(self.seed, "add", "--all")
        git(self.seed, "commit", "--quiet", "--allow-empty", "-m", message)
        git(self.seed, "push", "--quiet", "origin", "main")
        git(self.clone, "pull", "--quiet", "--ff-only")
        git(self.clone, "update-index", "-q", "--refresh")
        self.set_outside_baseline()

    def set_outside_baseline(self) -> None:
        """Take the outside folder as it is now as the state nothing may change."""
        self._outside_before = self.outside_state()

    def text(self, rel: str) -> str:
        """A file of the project's layout, as committed at the start."""
        return (PROJECT / rel).read_text()

    def hook(self, name: str, body: str) -> Path:
        """An executable hook (sh) in the bare remote."""
        return executable(self.remote / "hooks" / name, "#!/bin/sh\n" + body)

    def script(self, name: str, body: str) -> Path:
        """An executable helper (sh) outside the repository."""
        return executable(self.bin / name, "#!/bin/sh\n" + body)

    def reached(self, name: str) -> Path:
        """Where a hanging helper writes that it was reached."""
        return self.root / f"reached-{name}"

    def server(self, answer: Answer) -> FakeServer:
        served = FakeServer(answer)
        self._servers.append(served)
        return served

    # ------------------------------------------------------------------ observing

    def state(self) -> State:
        index = self.clone / ".git" / "index"
        return State(
            remote_refs=git(self.remote, "for-each-ref"),
            head=git(self.clone, "rev-parse", "HEAD") + git(self.clone, "symbolic-ref", "-q",
                                                             "HEAD", check=False),
            branches=git(self.clone, "for-each-ref", "refs/heads", "refs/tags", "refs/stash"),
            index=index.read_bytes() if index.exists() else b"",
            worktree=tree(self.clone, skip=".git"),
        )

    def outside_state(self) -> dict[str, str]:
        return tree(self.outside, inodes=True)

    def remote_head(self, ref: str = "main") -> str:
        return git(self.remote, "rev-parse", ref).strip()

    def remote_file(self, rel: str, ref: str = "main") -> str:
        return git(self.remote, "show", f"{ref}:{rel}")

    def clean_clone(self) -> list[str]:
        """Differences between the clone's index/work tree and its HEAD."""
        status = git(self.clone, "status", "--porcelain", "--untracked-files=all",
                     "--ignored")
        return status.splitlines()

    def leftovers(self, timeout: float = 3.0) -> list[int]:
        """Marker processes still alive once they had a short, bounded time to go."""
        deadline = time.monotonic() + timeout
        for pid in marker_pids(self.marker):
            wait_exit(pid, max(deadline - time.monotonic(), 0.0))
        return marker_pids(self.marker)

    def kill_leftovers(self) -> None:
        kill_pids(marker_pids(self.marker))

    # ------------------------------------------------------------------ running

    def environ(self, extra: Mapping[str, str | None] | None = None) -> dict[str, str]:
        env = dict(os.environ)
        env.update({"CI": "true", "TMPDIR": str(self.tmpdir), "PROMOTER_GITHUB_TOKEN": SENTINEL,
                    "GITHUB_TOKEN": SENTINEL, MARKER_VAR: self.marker})
        for name, value in {**self.env, **(extra or {})}.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return env

    def argv(self, args: Sequence[str], repo: str | None) -> list[str]:
        """promoter ARGS with --repo right after the command name: "local" is the clone's
        path, "url" the remote's file:// URL, None no --repo, anything else verbatim."""
        prefix = [shutil.which("prlimit") or "", f"--as={MEMORY_LIMIT}", "--"]
        argv = [*prefix, str(PROMOTER)] if prefix[0] else [str(PROMOTER)]
        where = {"local": str(self.clone), "url": self.url}.get(repo or "", repo)
        if where is None or not args:
            return [*argv, *args]
        return [*argv, args[0], "--repo", where, *args[1:]]

    def launch(self, *args: str, repo: str | None = "local",
               env: Mapping[str, str | None] | None = None) -> subprocess.Popen[bytes]:
        """Start promoter in its own process group (for the kill tests)."""
        return subprocess.Popen(self.argv(args, repo), cwd=self.outside,
                                env=self.environ(env), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                start_new_session=True)

    def finish(self, proc: subprocess.Popen[bytes], started: float,
               timeout: float = DEFAULT_TIMEOUT) -> Run:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            out, err = b"", b""
        if proc.returncode is None:  # the case's own timeout: a hang
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate()
            self.kill_leftovers()
            pytest.fail(f"promoter did not finish within {timeout:g} s (a hang); stderr: "
                        f"{err.decode(errors='replace')[-2000:]}")
        return Run(tuple(map(str, cast(Sequence[object], proc.args))), proc.returncode,
                   out.decode(errors="replace"), err.decode(errors="replace"),
                   time.monotonic() - started)

    def run(self, *args: str, repo: str | None = "local",
            env: Mapping[str, str | None] | None = None,
            timeout: float = DEFAULT_TIMEOUT) -> Run:
        """Run promoter once; no checks."""
        started = time.monotonic()
        return self.finish(self.launch(*args, repo=repo, env=env), started, timeout)

    def expect(self, code: int, *args: str, repo: str | None = "local",
               env: Mapping[str, str | None] | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> Run:
        """Run promoter once and check every invariant of its outcome (see the module doc)."""
        before = self.state()
        done = self.run(*args, repo=repo, env=env, timeout=timeout)
        problems = self.common_problems(done, "--debug" in args)
        if code == 0:
            problems += self.success_problems(done, "--json" in args)
        else:
            problems += self.failure_problems(done, code, "--json" in args)
            problems += before.differences(self.state())
        assert not problems, "\n".join([*problems, str(done)])
        return done

    # ------------------------------------------------------------------ the invariants

    def common_problems(self, done: Run, debug: bool = False) -> list[str]:
        problems = []
        if not debug and "Traceback" in done.stderr:
            problems.append("a traceback on stderr")
        for name, text in (("stdout", done.stdout), ("stderr", done.stderr)):
            found = CONTROL.search(text)
            if found:
                problems.append(f"control character {found.group()!r} on {name}")
            if SENTINEL in text:
                problems.append(f"the token on {name}")
        problems += self.leftover_problems()
        return problems

    def leftover_problems(self) -> list[str]:
        """TMPDIR, processes, and what even a killed run must not leave (killed_problems)."""
        problems = self.killed_problems()
        left = list(self.tmpdir.iterdir())
        if left:
            problems.append(f"TMPDIR not empty: {sorted(p.name for p in left)[:5]}")
        pids = self.leftovers()
        if pids:
            problems.append(f"processes left: {[_cmdline(pid) for pid in pids]}")
            kill_pids(pids)
        return problems

    def killed_problems(self) -> list[str]:
        """Lock files, files outside changed, the token in the clone's .git: never, not even
        after SIGKILL."""
        problems = [f"lock file left: {path}" for path in lock_files(self.clone / ".git",
                                                                    self.remote)]
        problems += _dict_differences("outside", self._outside_before, self.outside_state())
        problems += [f"the token in {path}" for path in _files_with(self.clone / ".git",
                                                                     SENTINEL.encode())]
        return problems

    def failure_problems(self, done: Run, code: int, as_json: bool) -> list[str]:
        problems = []
        if done.returncode != code:
            problems.append(f"exit code {done.returncode}, expected {code}")
        lines = done.lines()
        if len(lines) != 1:
            problems.append(f"{len(lines)} non-empty lines on stderr, expected one")
        if not lines or not lines[-1].startswith("promoter: error:"):
            problems.append("stderr does not say `promoter: error: ...`")
        if as_json:
            problems += _json_error_problems(done.stdout, code)
        return problems

    def success_problems(self, done: Run, as_json: bool) -> list[str]:
        problems = []
        if done.returncode != 0:
            problems.append(f"exit code {done.returncode}, expected 0")
        dirty = self.clean_clone()
        if dirty:
            problems.append(f"the clone is not clean: {dirty[:5]}")
        if as_json:
            try:
                doc = json.loads(done.stdout)
            except ValueError:
                problems.append("stdout is not exactly one JSON document")
            else:
                if not isinstance(doc, dict) or "error" in doc:
                    problems.append("the JSON document is not a result")
        return problems

    def close(self) -> None:
        for served in self._servers:
            served.stop()
        self.kill_leftovers()


def _json_error_problems(stdout: str, code: int) -> list[str]:
    try:
        doc = json.loads(stdout)
    except ValueError:
        return ["stdout is not exactly one JSON document"]
    error = doc.get("error") if isinstance(doc, dict) else None
    if not isinstance(error, dict):
        return ['the JSON document is not {"error": {...}}']
    problems = []
    if not isinstance(error.get("message"), str) or not error["message"].strip():
        problems.append("the JSON error has no message")
    if error.get("exit_code") != code:
        problems.append(f"the JSON error says exit_code {error.get('exit_code')}")
    if not isinstance(error.get("type"), str) or not error["type"]:
        problems.append("the JSON error has no type")
    return problems


def _cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]
    except OSError:
        return str(pid)


def _files_with(root: Path, needle: bytes) -> list[str]:
    return [str(p) for p in root.rglob("*")
            if p.is_file() and not p.is_symlink() and needle in p.read_bytes()]


@pytest.fixture
def scene(tmp_path: Path) -> Iterator[Scene]:
    assert PROMOTER.exists(), f"the promoter entry point is not installed at {PROMOTER}"
    built = Scene(tmp_path).build()
    try:
        yield built
    finally:
        built.close()


# ----------------------------------------------------------------------------- a fake HTTP server


@dataclass(frozen=True)
class Reply:
    """An HTTP answer; status 0 hangs up without answering."""

    status: int
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @staticmethod
    def of(status: int, doc: object, **headers: str) -> Reply:
        return Reply(status, json.dumps(doc).encode(),
                     {"Content-Type": "application/json", **headers})


Answer = Callable[[str, str], "Reply | None"]
"""(method, path) -> the reply, or None to accept the request and never answer."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str]


class FakeServer:
    """http.server in a thread on 127.0.0.1; records every request."""

    def __init__(self, answer: Answer) -> None:
        self.requests: list[Request] = []
        self._release = threading.Event()
        served = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                served.requests.append(Request(self.command, self.path, dict(self.headers)))
                reply = answer(self.command, self.path)
                if reply is None:
                    served._release.wait(600)
                    self.close_connection = True
                    return
                if reply.status == 0:
                    self.close_connection = True
                    return
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
