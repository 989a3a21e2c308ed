"""Running git: every git command promoter starts goes through here and promoter.process, with one
environment, one timeout (PROMOTER_GIT_TIMEOUT) and one way of reading git's complaints.

Commands run with a C locale (stable messages to parse), no terminal prompts (CI must fail, not
hang) and literal pathspecs (file names are never globs).
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from promoter import process
from promoter.errors import GitError
from promoter.gitrepo.auth import remote_environment, wants_remote_settings
from promoter.process import Completed
from promoter.sanitize import foreign, redact, strip_control
from promoter.timeouts import seconds_from_env

TIMEOUT_VAR = "PROMOTER_GIT_TIMEOUT"
DEFAULT_TIMEOUT = 300.0
"""Seconds one git command may take unless PROMOTER_GIT_TIMEOUT says otherwise."""

ENV = {
    "LC_ALL": "C",
    "LANGUAGE": "C",
    "GIT_TERMINAL_PROMPT": "0",
    "GIT_LITERAL_PATHSPECS": "1",
    # an https transfer slower than 1 KB/s for a minute is abandoned instead of hanging the job
    "GIT_HTTP_LOW_SPEED_LIMIT": "1000",
    "GIT_HTTP_LOW_SPEED_TIME": "60",
}
"""Set on top of the inherited environment for every git command."""

QUIET = ("gc.auto=0", "maintenance.auto=false")
"""Set for every git command: no automatic gc or maintenance is started by promoter (a killed
job must not leave git's maintenance locks or a background gc behind in the user's repository)."""

_IGNORED = ("hint:", "warning: filtering not recognized")
_TOWARDS = {"push": "to", "fetch": "from", "clone": "of", "ls-remote": "on"}


def git_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds one git command may take: PROMOTER_GIT_TIMEOUT, else 300."""
    return seconds_from_env(TIMEOUT_VAR, DEFAULT_TIMEOUT, "one git command", environ)


def detail(done: Completed) -> str:
    """git's error lines on one line, without hints and harmless warnings; safe to show (no
    control characters, no credentials, capped)."""
    lines = (strip_control(line).strip() for line in done.stderr_text.splitlines())
    keep = [line for line in lines if line and not line.startswith(_IGNORED)]
    return foreign("; ".join(keep) or f"git exited with status {done.returncode}")


def check(done: Completed, what: str, hint: str | None = None) -> Completed:
    """done itself when git succeeded; otherwise GitError "what: git's complaint"."""
    if not done.ok:
        raise GitError(f"{what}: {detail(done)}", hint=hint)
    return done


@dataclass(frozen=True)
class GitRunner:
    """git in one directory (None: the current one), every command bounded by `timeout`."""

    cwd: Path | None
    timeout: float

    def run(
        self,
        *args: str,
        config: Sequence[str] = (),
        env: Mapping[str, str] | None = None,
        input: bytes | None = None,
        remote: str | None = None,
        url: str | None = None,
    ) -> Completed:
        """Run `git [-c CONFIG]... ARGS` and return its status and output; a failure status is
        returned, not raised. `input` is its standard input (otherwise it reads nothing).

        GitError when git cannot be started or does not finish within the timeout; for an
        operation that talks to a remote, `remote` (a remote's name) or `url` says where."""
        settings = (*QUIET, *config)
        argv = ["git", *(part for setting in settings for part in ("-c", setting)), *args]
        full_env = {**os.environ, **ENV, **(env or {})}
        full_env.update(self._credentials(remote, url, full_env))
        try:
            return process.run(argv, timeout=self.timeout, cwd=self.cwd, input=input,
                               env=full_env)
        except process.CommandTimeout as exc:
            raise self._timed_out(args[0] if args else "", remote, url) from exc
        except process.CommandNotFound as exc:
            raise GitError(f"cannot run git: {exc.reason}",
                           hint="install git and put it on PATH") from exc

    def _credentials(self, remote: str | None, url: str | None,
                     environ: Mapping[str, str]) -> dict[str, str]:
        """The registered credentials (promoter.gitrepo.auth) of the remote a command talks to."""
        if not wants_remote_settings() or (remote is None and url is None):
            return {}
        target = url if url is not None else self.remote_url(remote or "")
        return remote_environment(target, environ) if target else {}

    def remote_url(self, remote: str) -> str | None:
        """The remote's URL as configured. It may hold credentials: redact before showing it."""
        return self.run("remote", "get-url", "--", remote).text.strip() or None

    def describe(self, remote: str) -> str:
        """The remote's name and URL, `NAME (URL)`, for messages; credentials removed."""
        return f"{remote} ({redact(self.remote_url(remote) or remote)})"

    def _timed_out(self, command: str, remote: str | None, url: str | None) -> GitError:
        seconds = f"{self.timeout:g} second{'' if self.timeout == 1 else 's'}"
        hint = f"or raise {TIMEOUT_VAR} (now {seconds})"
        if remote is None and url is None:
            return GitError(
                f"git {command}{f' in {self.cwd}' if self.cwd else ''} did not finish within "
                f"{seconds}", hint="check the repository's hooks and network access (a partial "
                f"clone fetches missing files), {hint}")
        if url is not None:
            where = redact(url)
        else:
            assert remote is not None
            try:
                where = self.describe(remote)
            except GitError:  # reading the URL took too long as well: the name must do
                where = remote
        return GitError(
            f"git {command} {_TOWARDS.get(command, 'with')} {where} did not finish within "
            f"{seconds}", hint=f"check network access to the remote and its hooks, {hint}")
