"""gitrepo.tempdirs: private directories are removed, and a killed run's are recognised and
removed by the next run."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from promoter.gitrepo import tempdirs


def _dead_pid() -> int:
    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid


def _made_by(tmp: Path, name: str, owner: str | None) -> Path:
    path = tmp / f"{tempdirs.PREFIX}{name}"
    (path / "repo").mkdir(parents=True)
    if owner is not None:
        (path / "owner").write_text(owner)
    return path


def test_private_dir_is_owned_then_removed() -> None:
    with tempdirs.private_dir() as path:
        pid, _, started = (path / "owner").read_text().partition(" ")
        assert int(pid) == os.getpid() and started.strip()
        assert path.name.startswith(tempdirs.PREFIX)
    assert not path.exists()


def test_sweep_removes_only_what_dead_runs_left(tmp_path: Path) -> None:
    dead = _made_by(tmp_path, "dead", f"{_dead_pid()} 123\n")
    reused = _made_by(tmp_path, "reused", f"{os.getpid()} 1\n")  # our pid, another start time
    alive = _made_by(tmp_path, "alive", f"{os.getpid()} {tempdirs._start_time(os.getpid())}\n")
    young = _made_by(tmp_path, "young", None)  # being made right now: no owner file yet
    old = _made_by(tmp_path, "old", None)
    os.utime(old, (0, 0))
    other = tmp_path / "promoter-demo-keep"
    other.mkdir()
    removed = set(tempdirs.sweep(tmp_path))
    assert removed == {dead, reused, old}
    assert alive.exists() and young.exists() and other.exists()
