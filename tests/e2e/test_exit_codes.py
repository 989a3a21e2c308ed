"""Each exit code, produced by a real situation, with one line on stderr and no traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps, git

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


def one_error_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert "Traceback" not in stderr
    assert lines, "no diagnostic on stderr"
    return lines[-1]


def test_exit_2_unknown_environment(gitops: GitOps) -> None:
    done = gitops.run("set-image", "qa", f"web={SHA}")
    assert done.returncode == 2
    assert "unknown environment 'qa'" in one_error_line(done.stderr)


def test_exit_2_malformed_image_argument(gitops: GitOps) -> None:
    done = gitops.run("set-image", "staging", "web=bad tag!")
    assert done.returncode == 2
    assert "bad tag!" in done.stderr


def test_exit_2_malformed_config(gitops: GitOps) -> None:
    work = gitops.clone()
    (work / "promoter.yaml").write_text("environments:\n  - name: staging\n    form: x\n")
    git(work, "commit", "--quiet", "-am", "typo")
    git(work, "push", "--quiet", "origin", "main")
    done = gitops.run("status")
    assert done.returncode == 2
    assert "promoter.yaml:3" in done.stderr


def test_exit_3_tag_policy(gitops: GitOps) -> None:
    done = gitops.run("set-image", "staging", "web=latest")
    assert done.returncode == 3
    assert "tag_pattern" in done.stderr


def test_exit_4_image_that_the_overlay_does_not_deploy(gitops: GitOps) -> None:
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"wbe={SHA}")
    assert done.returncode == 4
    assert "web" in done.stderr  # lists what the overlay does deploy
    assert gitops.head() == head


def test_exit_4_render_failure_in_validate(gitops: GitOps) -> None:
    work = gitops.clone()
    (work / "overlays" / "production" / "replicas.yaml").unlink()
    git(work, "commit", "--quiet", "-am", "break production")
    git(work, "push", "--quiet", "origin", "main")
    done = gitops.run("validate", "--json")
    assert done.returncode == 4
    doc = json.loads(done.stdout)
    status = {e["name"]: e["ok"] for e in doc["environments"]}
    assert status == {"staging": True, "production": False}


def test_exit_5_unreachable_remote(gitops: GitOps, tmp_path: Path) -> None:
    done = gitops.run("status", repo=(tmp_path / "missing.git").as_uri())
    assert done.returncode == 5
    one_error_line(done.stderr)


def test_exit_5_push_refused_by_hook_is_not_retried(gitops: GitOps) -> None:
    hook = gitops.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'protected branch: main' >&2\nexit 1\n")
    hook.chmod(0o755)
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"web={SHA}")
    assert done.returncode == 5
    assert "protected branch" in done.stderr or "declined" in done.stderr
    assert gitops.head() == head


def test_json_error_document(gitops: GitOps) -> None:
    done = gitops.run("set-image", "qa", f"web={SHA}", "--json")
    assert done.returncode == 2
    doc = json.loads(done.stdout)
    assert doc["error"]["exit_code"] == 2


@pytest.mark.parametrize("signal_name", ["INT", "TERM"])
def test_exit_1_interrupted_mid_render_leaves_the_working_copy_as_it_was(
    gitops: GitOps, tmp_path: Path, signal_name: str
) -> None:
    """Ctrl-C (SIGINT) or a cancelled CI job (SIGTERM) while kustomize runs: exit 1, no
    traceback, file and index untouched."""
    work = gitops.clone()
    interrupting = tmp_path / "kustomize-interrupt"
    interrupting.write_text(f"#!/bin/sh\nkill -{signal_name} $PPID\nexec sleep 30\n")
    interrupting.chmod(0o755)
    path = work / "overlays" / "staging" / "kustomization.yaml"
    before = path.read_bytes()
    done = gitops.run("set-image", "staging", f"web={SHA}", cwd=work,
                      env={"PROMOTER_KUSTOMIZE": str(interrupting)})
    assert done.returncode == 1
    assert "interrupted" in one_error_line(done.stderr)
    assert path.read_bytes() == before
    assert git(work, "status", "--porcelain") == ""
    assert gitops.tag("staging") != SHA


def test_dry_run_fails_where_the_real_run_would(gitops: GitOps) -> None:
    """A dry run renders and verifies too: a misspelt image is exit 4 already in the dry run."""
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"wbe={SHA}", "--dry-run")
    assert done.returncode == 4
    assert "matches no container" in done.stderr
    work = gitops.clone()
    done = gitops.run("set-image", "staging", f"wbe={SHA}", "--dry-run", cwd=work, repo=".")
    assert done.returncode == 4
    assert git(work, "status", "--porcelain") == ""
    assert "promoter-preview" not in git(work, "worktree", "list")
    assert gitops.head() == head


def test_errors_name_repository_paths_not_the_temporary_clone(gitops: GitOps) -> None:
    done = gitops.run("set-image", "staging", f"wbe={SHA}")
    assert done.returncode == 4
    assert "overlays/staging" in done.stderr
    assert "promoter-" not in done.stderr and "/tmp/" not in done.stderr


def test_history_errors_name_repository_paths(gitops: GitOps) -> None:
    work = gitops.clone()
    (work / "overlays" / "staging" / "kustomization.yaml").unlink()
    git(work, "commit", "--quiet", "-am", "remove staging overlay file")
    git(work, "push", "--quiet", "origin", "main")
    done = gitops.run("history", "staging")
    assert done.returncode == 4
    assert "overlays/staging" in done.stderr
    assert "promoter-" not in done.stderr
