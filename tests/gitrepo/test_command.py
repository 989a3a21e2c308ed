"""gitrepo.command: git through promoter.process, with one environment, a timeout on every call
(PROMOTER_GIT_TIMEOUT) and git's complaints made safe to show."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from promoter.errors import ExitCode, GitError, UsageError
from promoter.gitrepo import open_workspace
from promoter.gitrepo.command import (
    DEFAULT_TIMEOUT,
    TIMEOUT_VAR,
    GitRunner,
    check,
    detail,
    git_timeout,
)
from promoter.process import Completed
from tests.gitrepo.repos import STAGING, git, git_children, gone, hook, write

SHORT = 2.0  # seconds: PROMOTER_GIT_TIMEOUT for the operations that hang
HANG = "exec sleep 600\n"

# --- the timeout setting ------------------------------------------------------------------


@pytest.mark.parametrize(("value", "seconds"), [
    (None, DEFAULT_TIMEOUT), ("", DEFAULT_TIMEOUT), ("  ", DEFAULT_TIMEOUT), ("45", 45.0),
    (" 0.5 ", 0.5), ("1e3", 1000.0),
])
def test_git_timeout(value: str | None, seconds: float) -> None:
    assert git_timeout({} if value is None else {TIMEOUT_VAR: value}) == seconds


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "1e999", "0", "-0", "-1", "abc",
                                   "10s", "0x10"])
def test_a_timeout_that_is_not_a_finite_positive_number_is_a_usage_error(value: str) -> None:
    with pytest.raises(UsageError) as caught:
        git_timeout({TIMEOUT_VAR: value})
    assert caught.value.exit_code == ExitCode.USAGE
    assert TIMEOUT_VAR in str(caught.value)
    assert repr(value) in caught.value.message


@pytest.mark.parametrize("value", ["nan", "inf", "0", "-1", "abc"])
def test_open_workspace_refuses_an_invalid_timeout_before_running_git(
    value: str, url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TIMEOUT_VAR, value)
    with pytest.raises(UsageError, match=TIMEOUT_VAR), open_workspace(url):
        pass


def test_timeout_value_in_the_message_is_made_safe() -> None:
    with pytest.raises(UsageError) as caught:
        git_timeout({TIMEOUT_VAR: "\x1b[31m" + "9" * 500 + "x"})
    assert "\x1b" not in str(caught.value) and len(str(caught.value)) < 400


# --- running git --------------------------------------------------------------------------


def test_git_runs_with_promoters_environment_and_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROMOTER_TEST_INHERITED", "yes")
    monkeypatch.setenv("LC_ALL", "de_DE.UTF-8")
    done = GitRunner(tmp_path, 30).run("show-env", config=["alias.show-env=!env"],
                                       env={"EXTRA": "1"})
    lines = set(check(done, "env").text.splitlines())
    assert {"LC_ALL=C", "LANGUAGE=C", "GIT_TERMINAL_PROMPT=0", "GIT_LITERAL_PATHSPECS=1",
            "GIT_HTTP_LOW_SPEED_LIMIT=1000", "GIT_HTTP_LOW_SPEED_TIME=60",
            "PROMOTER_TEST_INHERITED=yes", "EXTRA=1"} <= lines
    assert done.argv[:7] == ("git", "-c", "gc.auto=0", "-c", "maintenance.auto=false",
                             "-c", "alias.show-env=!env")


def test_git_never_starts_automatic_gc_or_maintenance(tmp_path: Path) -> None:
    git(tmp_path, "init", "-q")
    git(tmp_path, "config", "gc.auto", "1")  # the repository asks for gc after every write
    git(tmp_path, "config", "maintenance.auto", "true")
    runner = GitRunner(tmp_path, 30)
    assert check(runner.run("config", "gc.auto"), "gc.auto").text.strip() == "0"
    assert check(runner.run("config", "--type=bool", "maintenance.auto"),
                 "maintenance.auto").text.strip() == "false"


def test_git_reads_its_standard_input_from_bytes(tmp_path: Path) -> None:
    done = GitRunner(tmp_path, 30).run("hash-object", "--stdin", input=b"hello\n")
    assert done.text.strip() == "ce013625030ba8dba906f756967f9e9ca394464a"
    # Without input, git reads nothing (it does not wait for a terminal).
    empty = git(tmp_path, "hash-object", "/dev/null")
    assert GitRunner(tmp_path, 30).run("hash-object", "--stdin").text.strip() == empty


def test_a_failure_status_is_returned_not_raised(tmp_path: Path) -> None:
    done = GitRunner(tmp_path, 30).run("rev-parse", "--verify", "HEAD")
    assert not done.ok
    with pytest.raises(GitError, match=r"^no repository here: fatal: not a git repository"):
        check(done, "no repository here")


def test_missing_git_is_a_git_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GitError, match="cannot run git: not found") as caught:
        GitRunner(tmp_path, 30).run("version")
    assert caught.value.exit_code == ExitCode.REMOTE


def test_detail_drops_hints_and_control_characters() -> None:
    stderr = ("hint: Updates were rejected because the tip is behind\n"
              "\x1b[33mhint: \x1b[0mcolourful hint\n"
              "warning: filtering not recognized by server, ignoring\n"
              "fatal: \x1b]0;title\x07could not read from https://bot:s3cret@example.com/x\r\n"
              "error: failed to push some refs\n")
    done = Completed(("git", "push"), 1, b"", stderr.encode())
    assert detail(done) == ("fatal: could not read from https://example.com/x; "
                            "error: failed to push some refs")
    assert detail(Completed(("git", "push"), 128, b"", b"hint: only a hint\n")) == \
        "git exited with status 128"


def test_detail_is_capped() -> None:
    done = Completed(("git", "push"), 1, b"", b"error: " + b"x" * 100_000)
    assert len(detail(done)) < 4200 and detail(done).endswith("characters more")


# --- operations that hang -----------------------------------------------------------------


def pid_of(pidfile: Path) -> int:
    """The pid a hanging helper wrote (it writes it before it hangs)."""
    return int(pidfile.read_text().split()[0])


def test_a_local_command_that_hangs_is_a_git_error(tmp_path: Path) -> None:
    runner = GitRunner(tmp_path, 0.5)
    pidfile = tmp_path / "pid"
    with pytest.raises(GitError) as caught:
        runner.run("hang", config=[f"alias.hang=!echo $$ > {pidfile}; {HANG}"])
    assert str(caught.value).startswith(f"git hang in {tmp_path} did not finish within 0.5 "
                                        "seconds")
    assert gone(pid_of(pidfile))


def test_a_push_that_hangs_fails_within_the_timeout_and_leaves_nothing_running(
    remote: Path, url: str, work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remote's pre-receive hook never returns: the push is abandoned after
    PROMOTER_GIT_TIMEOUT seconds, its whole process group (git, receive-pack, the hook) killed,
    and the error names the operation, the remote and what to do."""
    pidfile = tmp_path / "hook.pid"
    hook(remote, "pre-receive", f"echo $$ > {pidfile}\n{HANG}")
    before = git(remote, "rev-parse", "main")
    monkeypatch.setenv(TIMEOUT_VAR, str(SHORT))
    children = git_children()
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        started = time.monotonic()
        with pytest.raises(GitError) as caught:
            ws.push_upstream()
        elapsed = time.monotonic() - started
    error = caught.value
    assert error.exit_code == ExitCode.REMOTE
    assert error.message == f"git push to origin ({url}) did not finish within 2 seconds"
    assert error.hint is not None and "check network access" in error.hint
    assert TIMEOUT_VAR in error.hint
    assert SHORT <= elapsed < SHORT + 15
    assert gone(pid_of(pidfile)), "the hook outlived the timeout"
    assert git_children() == children
    assert git(remote, "rev-parse", "main") == before


def test_a_clone_over_ssh_that_never_answers_fails_within_the_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "ssh.pid"
    fake_ssh = tmp_path / "fake-ssh"
    fake_ssh.write_text(f"#!/bin/sh\necho $$ > {pidfile}\n{HANG}")
    fake_ssh.chmod(0o755)
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake_ssh))
    monkeypatch.setenv("GIT_SSH_VARIANT", "ssh")
    monkeypatch.setenv(TIMEOUT_VAR, "1.5")
    started = time.monotonic()
    with pytest.raises(GitError) as caught, open_workspace(
            "ssh://bot:s3cret@gitops.example.invalid/org/gitops.git"):
        pass
    assert 1.5 <= time.monotonic() - started < 1.5 + 15
    assert str(caught.value).startswith(
        "git clone of ssh://gitops.example.invalid/org/gitops.git did not finish within 1.5 "
        "seconds")
    assert "s3cret" not in str(caught.value)
    assert gone(pid_of(pidfile)), "the ssh command outlived the timeout"
    assert list(temp.iterdir()) == []


def test_reading_a_remote_branch_that_hangs_names_the_remote(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pidfile = tmp_path / "ssh.pid"
    fake_ssh = tmp_path / "fake-ssh"
    fake_ssh.write_text(f"#!/bin/sh\necho $$ > {pidfile}\n{HANG}")
    fake_ssh.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(fake_ssh))
    monkeypatch.setenv("GIT_SSH_VARIANT", "ssh")
    monkeypatch.setenv(TIMEOUT_VAR, "1")
    git(work, "remote", "set-url", "origin", "git@gitops.example.invalid:org/gitops.git")
    with open_workspace(str(work)) as ws, pytest.raises(GitError) as caught:
        ws.branches.remote_branch_sha("promoter/staging/promotion")
    assert str(caught.value).startswith(
        "git ls-remote on origin (git@gitops.example.invalid:org/gitops.git) did not finish "
        "within 1 second")
    assert gone(pid_of(pidfile))
