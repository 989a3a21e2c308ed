"""The one process runner: every subprocess promoter starts (git, kustomize, the demo's setup).

- Argument lists only, never a shell.
- A timeout on every call. The child runs in its own process group (session), and the whole group
  (git with its ssh and hooks, kustomize with its helpers) is killed on timeout, on interrupt
  (Ctrl-C, and SIGTERM, which the CLI turns into KeyboardInterrupt) and on any other error.
- Captured output is bounded: what exceeds the limit is read and thrown away (so the child never
  blocks on a full pipe) and the result says so.
- `Completed.message()` gives stderr ready for a message: no control characters, no credentials,
  capped.

Callers translate the two exceptions, `CommandTimeout` and `CommandNotFound`, into the promoter
error of their trade (a git failure, a render failure).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from promoter.sanitize import foreign

STDOUT_LIMIT = 256 * 1024 * 1024
"""Bytes of standard output kept (a render or a history listing can be large, never this)."""
STDERR_LIMIT = 1024 * 1024
"""Bytes of standard error kept: messages, not data."""
_CHUNK = 1 << 16
_DRAIN_WAIT = 5.0  # seconds to wait for the pipes to close once the child has exited


class CommandTimeout(Exception):
    """The command ran longer than its timeout; its process group was killed."""

    def __init__(self, argv: Sequence[str], timeout: float) -> None:
        super().__init__(f"{argv[0]} did not finish within {timeout:g} seconds")
        self.argv = tuple(argv)
        self.timeout = timeout


class CommandNotFound(Exception):
    """The program cannot be started (missing, or not executable)."""

    def __init__(self, argv: Sequence[str], reason: str) -> None:
        super().__init__(f"{argv[0]}: {reason}")
        self.argv = tuple(argv)
        self.reason = reason


@dataclass(frozen=True)
class Completed:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes
    truncated: bool = False  # stdout or stderr went over its limit

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    @property
    def text(self) -> str:
        """stdout as text (invalid UTF-8 replaced)."""
        return self.stdout.decode("utf-8", "replace")

    @property
    def stderr_text(self) -> str:
        """stderr as text, raw: parse it, do not show it (see message())."""
        return self.stderr.decode("utf-8", "replace")

    def message(self) -> str:
        """stderr's non-blank lines joined by "; ", safe to show."""
        lines = [line.strip() for line in self.stderr_text.splitlines() if line.strip()]
        return foreign("; ".join(lines) or f"{self.argv[0]} exited with status {self.returncode}")


class _Capture(threading.Thread):
    """Reads one pipe to its end, keeping at most `limit` bytes."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self._stream, self._limit = stream, limit
        self._chunks: list[bytes] = []
        self._kept = 0
        self.dropped = 0

    def run(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            while chunk := os.read(self._stream.fileno(), _CHUNK):
                room = max(self._limit - self._kept, 0)
                if room:
                    self._chunks.append(chunk[:room])
                    self._kept += min(room, len(chunk))
                self.dropped += max(len(chunk) - room, 0)

    @property
    def data(self) -> bytes:
        return b"".join(self._chunks)


def _feed(stream: IO[bytes], data: bytes) -> None:
    with contextlib.suppress(OSError, ValueError):
        stream.write(data)
    with contextlib.suppress(OSError, ValueError):
        stream.close()


class _Child:
    """A started process in its own group, with the threads that pump its pipes."""

    def __init__(self, argv: Sequence[str], cwd: Path | None, env: Mapping[str, str] | None,
                 input: bytes | None) -> None:
        self.argv = tuple(argv)
        self.proc = _start(argv, cwd, env, stdin=input is not None)
        self.threads: list[threading.Thread] = []
        self._input = input

    def pump(self, stdout_limit: int, stderr_limit: int) -> tuple[_Capture, _Capture]:
        proc = self.proc
        assert proc.stdout is not None and proc.stderr is not None
        out, err = _Capture(proc.stdout, stdout_limit), _Capture(proc.stderr, stderr_limit)
        self.threads += [out, err]
        if self._input is not None and proc.stdin is not None:
            self.threads.append(threading.Thread(target=_feed, args=(proc.stdin, self._input),
                                                 daemon=True))
        for thread in self.threads:
            thread.start()
        return out, err

    def kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=_DRAIN_WAIT)

    def close(self) -> None:
        """Wait for the pipes to be read to their end; a straggler of the group that keeps them
        open (a daemon the child left behind) is killed with the group."""
        started = [thread for thread in self.threads if thread.ident is not None]
        for thread in started:
            thread.join(timeout=_DRAIN_WAIT)
        if any(thread.is_alive() for thread in started):
            self.kill_group()
            for thread in started:
                thread.join(timeout=_DRAIN_WAIT)
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()


@contextlib.contextmanager
def _held_interrupts() -> Iterator[Callable[[], None]]:
    """Hold SIGINT and SIGTERM while a child starts: an interrupt that escaped from inside
    Popen would leave the started child unknown and running. Yields a function that delivers a
    held signal to its original handler; called after the child is known. Holds nothing outside
    the main thread, where Python delivers no signals anyway."""
    if threading.current_thread() is not threading.main_thread():
        yield lambda: None
        return
    held: list[int] = []
    previous = {signum: signal.signal(signum, lambda n, _f: held.append(n))
                for signum in (signal.SIGINT, signal.SIGTERM)}
    restored = False

    def release() -> None:
        nonlocal restored
        if not restored:
            restored = True
            for signum, handler in previous.items():
                signal.signal(signum, handler if handler is not None else signal.SIG_DFL)
            if held:
                signal.raise_signal(held[0])

    try:
        yield release
    except BaseException:
        release()
        raise


@contextlib.contextmanager
def deferred_interrupts() -> Iterator[None]:
    """Run a bounded cleanup (removing a private directory or checkout) to its end: a Ctrl-C or
    SIGTERM arriving meanwhile is delivered when the block ends, not half-way through it."""
    with _held_interrupts() as release:
        try:
            yield
        finally:
            release()


def _start(argv: Sequence[str], cwd: Path | None, env: Mapping[str, str] | None,
           stdin: bool) -> subprocess.Popen[bytes]:
    if not argv:
        raise ValueError("no command given")
    try:
        return subprocess.Popen(
            list(argv), cwd=cwd, env=None if env is None else dict(env),
            stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise CommandNotFound(argv, "not found") from exc
    except PermissionError as exc:
        raise CommandNotFound(argv, "not executable") from exc
    except NotADirectoryError as exc:
        raise CommandNotFound(argv, f"cannot run in {cwd}: not a directory") from exc


def run(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    input: bytes | None = None,
    stdout_limit: int = STDOUT_LIMIT,
    stderr_limit: int = STDERR_LIMIT,
) -> Completed:
    """Run argv to completion within `timeout` seconds and return its status and output.

    env, when given, is the child's whole environment. Raises CommandTimeout (the process group
    was killed) or CommandNotFound; a non-zero exit status is returned, not raised."""
    with _held_interrupts() as release:
        child = _Child(argv, cwd, env, input)
    try:  # from here on, any way out (timeout, interrupt, error) takes the whole group with it
        release()  # an interrupt that came while the child was starting is raised here
        out, err = child.pump(stdout_limit, stderr_limit)
        child.proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill_group()
        raise CommandTimeout(argv, timeout) from None
    except BaseException:
        child.kill_group()
        raise
    finally:
        child.close()
    return Completed(child.argv, child.proc.returncode, out.data, err.data,
                     truncated=bool(out.dropped or err.dropped))
