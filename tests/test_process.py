"""promoter.process: the one runner. Timeouts kill the whole process group, output is bounded,
control characters never reach a message, interrupts leave nothing running."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.process import CommandNotFound, CommandTimeout, run
from tests.waiting import wait_exit


def _gone(pid: int) -> bool:
    """True when pid has exited (absent, or a zombie waiting for its reaper)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return True
    return state in ("Z", "X")


def _wait_gone(pid: int) -> bool:
    """Wait (at most 10 s) until pid is gone: SIGKILL is delivered asynchronously."""
    return _gone(pid) or wait_exit(pid, 10)


def test_returns_status_and_output() -> None:
    done = run(["sh", "-c", "printf out; printf err >&2; exit 3"], timeout=30)
    assert (done.returncode, done.stdout, done.stderr, done.ok) == (3, b"out", b"err", False)
    assert not done.truncated


def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    script = f"sleep 1000 & echo $! > {pidfile}; wait"
    with pytest.raises(CommandTimeout) as caught:
        run(["sh", "-c", script], timeout=0.5)
    assert caught.value.timeout == 0.5
    grandchild = int(pidfile.read_text())
    assert _wait_gone(grandchild), "the grandchild outlived the timeout"


def test_interrupt_kills_the_whole_process_group(tmp_path: Path) -> None:
    pidfile = tmp_path / "grandchild"
    # The child interrupts its parent (this test) the way Ctrl-C or SIGTERM would.
    script = f"sleep 1000 & echo $! > {pidfile}; kill -INT $PPID; wait"
    with pytest.raises(KeyboardInterrupt):
        run(["sh", "-c", script], timeout=60)
    assert _wait_gone(int(pidfile.read_text())), "the grandchild outlived the interrupt"


def test_stdout_is_bounded_and_the_child_is_not_blocked() -> None:
    done = run(["head", "-c", "5000000", "/dev/zero"], timeout=60, stdout_limit=1000)
    assert done.ok and len(done.stdout) == 1000 and done.truncated


def test_stderr_is_bounded() -> None:
    done = run(["sh", "-c", "head -c 3000000 /dev/zero | tr '\\0' x >&2"], timeout=60,
               stderr_limit=2048)
    assert done.ok and len(done.stderr) == 2048 and done.truncated


def test_message_has_no_control_characters_or_credentials() -> None:
    script = ("printf '\\033[31mremote: hook \\033]0;title\\007said\\033[0m no\\r\\n' >&2; "
              "printf 'see https://user:s3cret@example.com/x\\n' >&2; exit 1")
    message = run(["sh", "-c", script], timeout=30).message()
    assert message == "remote: hook said no; see https://example.com/x"
    assert "\x1b" not in message and "s3cret" not in message


def test_message_is_capped() -> None:
    done = run(["sh", "-c", "head -c 100000 /dev/zero | tr '\\0' y >&2; exit 1"], timeout=30)
    message = done.message()
    assert len(message) < 4200 and message.endswith("characters more")


def test_input_is_fed_to_the_child() -> None:
    assert run(["cat"], timeout=30, input=b"abc\n" * 100000).stdout == b"abc\n" * 100000


def test_missing_program() -> None:
    with pytest.raises(CommandNotFound) as caught:
        run(["promoter-no-such-program"], timeout=5)
    assert caught.value.reason == "not found"


def test_environment_is_the_whole_environment() -> None:
    done = run(["/usr/bin/env"], timeout=30, env={"ONLY": "this"})
    assert done.text == "ONLY=this\n"
