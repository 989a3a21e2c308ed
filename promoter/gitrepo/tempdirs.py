"""promoter's private directories: temporary clones and scratch checkouts, removed on the way out,
and recognised and removed by the next run when a killed run (SIGKILL, a lost CI runner) could
not remove its own.

Each directory is `$TMPDIR/promoter-work-*` and holds an `owner` file naming the process that
made it (pid and its start time, so a reused pid is not mistaken for the owner). A directory
whose owner is gone is stale.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from promoter.process import deferred_interrupts

PREFIX = "promoter-work-"
_OWNER = "owner"


def _start_time(pid: int) -> str | None:
    """The kernel's start time of pid (field 22 of /proc/PID/stat), None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[-1].split()
    return fields[19] if len(fields) > 19 else None


def _me() -> str:
    pid = os.getpid()
    return f"{pid} {_start_time(pid) or '?'}"


def _alive(owner: str) -> bool:
    pid_text, _, started = owner.strip().partition(" ")
    try:
        pid = int(pid_text)
    except ValueError:
        return False
    now = _start_time(pid)
    if now is None:
        return False
    return started in ("?", now)


@contextlib.contextmanager
def private_dir() -> Iterator[Path]:
    """A new private directory, removed with everything in it when the block ends."""
    sweep()
    path = Path(tempfile.mkdtemp(prefix=PREFIX))
    try:
        (path / _OWNER).write_text(_me() + "\n")
        yield path
    finally:
        with deferred_interrupts():
            shutil.rmtree(path, ignore_errors=True)


def sweep(parent: Path | None = None) -> list[Path]:
    """Remove the private directories of runs that are gone; return what was removed."""
    base = parent or Path(tempfile.gettempdir())
    removed = []
    with contextlib.suppress(OSError):
        for path in base.glob(f"{PREFIX}*"):
            if path.is_symlink() or not path.is_dir() or _owned(path):
                continue
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


def _owned(path: Path) -> bool:
    """True while the process that made path runs (or path is being made: no owner file yet,
    but younger than a minute)."""
    try:
        return _alive((path / _OWNER).read_text())
    except FileNotFoundError:
        with contextlib.suppress(OSError):
            return time.time() - path.stat().st_mtime < 60
        return False
    except OSError:
        return True
