"""Waiting for events in tests without sleeping: a process ending (pidfd) and a file appearing
(inotify), each with a bound. Linux only, like the rest of the suite."""

from __future__ import annotations

import ctypes
import os
import select
import time
from pathlib import Path

_IN_CREATE, _IN_MOVED_TO, _IN_CLOSE_WRITE = 0x100, 0x80, 0x8
_IN_NONBLOCK = os.O_NONBLOCK
_LIBC = ctypes.CDLL(None, use_errno=True)


def _pidfd(pid: int) -> int | None:
    try:
        return os.pidfd_open(pid)
    except ProcessLookupError:
        return None


def wait_exit(pid: int, timeout: float) -> bool:
    """True once pid has ended (a zombie counts), False when timeout seconds pass first."""
    fd = _pidfd(pid)
    if fd is None:
        return True
    try:
        ready, _, _ = select.select([fd], [], [], timeout)
        return bool(ready)
    finally:
        os.close(fd)


def wait_path(path: Path, timeout: float, *, unless_pid: int | None = None) -> str:
    """Wait until path exists: "exists"; or until process unless_pid ends first: "exited"; or
    until timeout seconds pass: "timeout". Woken by inotify events on path's folder."""
    watch = _LIBC.inotify_init1(_IN_NONBLOCK)
    if watch < 0:
        raise OSError(ctypes.get_errno(), "inotify_init1 failed")
    pid_fd = _pidfd(unless_pid) if unless_pid is not None else None
    try:
        mask = _IN_CREATE | _IN_MOVED_TO | _IN_CLOSE_WRITE
        if _LIBC.inotify_add_watch(watch, str(path.parent).encode(), mask) < 0:
            raise OSError(ctypes.get_errno(), f"cannot watch {path.parent}")
        if unless_pid is not None and pid_fd is None and not path.exists():
            return "exited"
        return _wait(path, watch, pid_fd, time.monotonic() + timeout)
    finally:
        os.close(watch)
        if pid_fd is not None:
            os.close(pid_fd)


def _wait(path: Path, watch: int, pid_fd: int | None, deadline: float) -> str:
    sources = [watch] + ([pid_fd] if pid_fd is not None else [])
    while not path.exists():
        left = deadline - time.monotonic()
        if left <= 0:
            return "timeout"
        ready, _, _ = select.select(sources, [], [], left)
        if watch in ready:
            os.read(watch, 65536)  # drain the events; the loop looks at the file itself
        if pid_fd is not None and pid_fd in ready and not path.exists():
            return "exited"
    return "exists"
