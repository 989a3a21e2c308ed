"""Cancelled (SIGTERM) and killed (SIGKILL) at a given phase: promoter says truthfully what reached
the remote, leaves nothing half-done, and the next run succeeds.

Each phase is reached through a real hook or a render command that writes a marker file and then
waits; the test sends the signal once the marker exists (a bounded poll, no sleeping for timing).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

from tests.e2e.conftest import PROMOTER, GitOps, git
from tests.waiting import wait_path

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_2 = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"


def _script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return path


def _hook(gitops: GitOps, name: str, marker: Path) -> None:
    """A hook of the bare remote that marks that it runs, then waits far longer than a test."""
    _script(gitops.remote / "hooks" / name, f"touch {marker}\nexec sleep 120\n")


def _start(gitops: GitOps, tmpdir: Path, *args: str, cwd: Path | None = None,
           env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    argv = [str(PROMOTER), *args, "--json"]
    if cwd is None:
        argv += ["--repo", gitops.url]
    full = dict(os.environ, CI="true", TMPDIR=str(tmpdir), **(env or {}))
    return subprocess.Popen(argv, cwd=cwd or gitops.tmp, env=full, text=True,
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)


def _when(marker: Path, proc: subprocess.Popen[str]) -> None:
    outcome = wait_path(marker, 120, unless_pid=proc.pid)
    assert outcome == "exists", f"the phase was not reached ({outcome}): {proc.communicate()}"


def _finish(proc: subprocess.Popen[str]) -> tuple[int, dict[str, object], str]:
    out, err = proc.communicate(timeout=120)
    return proc.returncode, json.loads(out)["error"], err


def _tmpdir(tmp_path: Path) -> Path:
    path = tmp_path / "tmpdir"
    path.mkdir()
    return path


def test_sigterm_during_the_push_says_nothing_was_pushed(gitops: GitOps, tmp_path: Path) -> None:
    marker, tmpdir = tmp_path / "receiving", _tmpdir(tmp_path)
    _hook(gitops, "pre-receive", marker)
    before = gitops.head()
    proc = _start(gitops, tmpdir, "set-image", "staging", f"web={SHA}")
    _when(marker, proc)
    proc.send_signal(signal.SIGTERM)
    code, error, stderr = _finish(proc)
    assert code == 1 and error["pushed"] is False
    assert "nothing was pushed" in str(error["message"])
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1
    assert gitops.head() == before
    assert list(tmpdir.iterdir()) == []


def test_sigterm_after_the_remote_took_the_commit_says_so(gitops: GitOps, tmp_path: Path) -> None:
    marker, tmpdir = tmp_path / "received", _tmpdir(tmp_path)
    _hook(gitops, "post-receive", marker)  # runs after the branch moved
    proc = _start(gitops, tmpdir, "set-image", "staging", f"web={SHA}")
    _when(marker, proc)
    proc.send_signal(signal.SIGTERM)
    code, error, _ = _finish(proc)
    assert code == 1 and error["pushed"] is True
    assert error["commit"] == gitops.head() and gitops.tag("staging") == SHA
    assert "reached the remote" in str(error["message"])
    assert list(tmpdir.iterdir()) == []


def test_sigkill_mid_render_in_a_local_copy_leaves_it_as_it_was(gitops: GitOps,
                                                                   tmp_path: Path) -> None:
    """A lost CI runner: the whole process group is killed while kustomize runs. The working
    copy, its index and its branch are untouched (the edit was in a private checkout); the next
    run removes what the killed one left in TMPDIR and succeeds."""
    work, tmpdir, marker = gitops.clone(), _tmpdir(tmp_path), tmp_path / "rendering"
    render = _script(tmp_path / "kustomize", f"touch {marker}\nexec sleep 120\n")
    head, index = git(work, "rev-parse", "HEAD").strip(), (work / ".git" / "index").read_bytes()
    proc = _start(gitops, tmpdir, "set-image", "staging", f"web={SHA}", cwd=work,
                  env={"PROMOTER_KUSTOMIZE": str(render)})
    _when(marker, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert git(work, "rev-parse", "HEAD").strip() == head
    assert (work / ".git" / "index").read_bytes() == index
    assert git(work, "status", "--porcelain") == ""
    assert not list((work / ".git").rglob("*.lock"))
    rerun = _start(gitops, tmpdir, "set-image", "staging", f"web={SHA_2}", cwd=work)
    out, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err
    assert json.loads(out)["pushed"] is True and gitops.tag("staging") == SHA_2
    assert git(work, "rev-parse", "HEAD").strip() == gitops.head()
    assert git(work, "status", "--porcelain") == ""
    assert git(work, "worktree", "list", "--porcelain").count("worktree ") == 1
    assert list(tmpdir.iterdir()) == []
