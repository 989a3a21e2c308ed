"""A release engineer in a local working copy: commit on the current branch, push to upstream."""

from __future__ import annotations

from tests.e2e.conftest import GitOps, git

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"


def test_local_copy_commits_and_pushes_to_upstream(gitops: GitOps) -> None:
    work = gitops.clone()
    done = gitops.run("set-image", "staging", f"web={SHA}", cwd=work)
    assert done.returncode == 0, done.stderr
    assert gitops.tag("staging") == SHA
    assert git(work, "rev-parse", "HEAD") == git(gitops.remote, "rev-parse", "main")
    assert git(work, "status", "--porcelain") == ""


def test_no_push_commits_locally_only(gitops: GitOps) -> None:
    work = gitops.clone()
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"web={SHA}", "--no-push", cwd=work)
    assert done.returncode == 0, done.stderr
    assert gitops.head() == head
    assert git(work, "log", "-1", "--format=%s").startswith("deploy(staging)")


def test_refuses_a_file_with_uncommitted_changes(gitops: GitOps) -> None:
    work = gitops.clone()
    path = work / "overlays" / "staging" / "kustomization.yaml"
    edited = path.read_text() + "# local edit\n"
    path.write_text(edited)
    done = gitops.run("set-image", "staging", f"web={SHA}", cwd=work)
    assert done.returncode == 3
    assert "uncommitted" in done.stderr
    assert path.read_text() == edited
    assert gitops.tag("staging") != SHA


def test_dry_run_in_a_local_copy_leaves_it_untouched(gitops: GitOps) -> None:
    work = gitops.clone()
    before = (work / "overlays" / "staging" / "kustomization.yaml").read_bytes()
    done = gitops.run("set-image", "staging", f"web={SHA}", "--dry-run", cwd=work)
    assert done.returncode == 0, done.stderr
    assert (work / "overlays" / "staging" / "kustomization.yaml").read_bytes() == before
    assert git(work, "status", "--porcelain") == ""


def test_read_only_commands_work_on_a_detached_head(gitops: GitOps) -> None:
    work = gitops.clone()
    git(work, "checkout", "-q", "--detach")
    status = gitops.run("status", "--json", cwd=work, repo=".")
    assert status.returncode == 0, status.stderr
    assert "staging" in status.stdout
    assert gitops.run("history", "staging", cwd=work, repo=".").returncode == 0
    changed = gitops.run("set-image", "staging", f"web={SHA}", cwd=work, repo=".")
    assert changed.returncode == 2
    assert "detached" in changed.stderr


def test_diff_on_a_detached_head(gitops: GitOps) -> None:
    work = gitops.clone()
    git(work, "checkout", "-q", "--detach")
    done = gitops.run("diff", "staging", "production", cwd=work, repo=".")
    assert done.returncode == 0, done.stderr


def test_failing_dry_run_names_repository_paths(gitops: GitOps) -> None:
    work = gitops.clone()
    done = gitops.run("set-image", "staging", f"wbe={SHA}", "--dry-run", cwd=work, repo=".")
    assert done.returncode == 4
    assert "overlays/staging" in done.stderr
    assert "promoter-preview" not in done.stderr


def test_history_and_rollback_in_a_shallow_clone_see_the_whole_history(gitops: GitOps) -> None:
    for tag in ("1111111", "2222222"):
        assert gitops.run("set-image", "staging", f"web={tag}").returncode == 0
    shallow = gitops.tmp / "shallow"
    git(gitops.tmp, "clone", "--quiet", "--depth", "1", gitops.url, str(shallow))
    history = gitops.run("history", "staging", "--json", cwd=shallow, repo=".")
    assert history.returncode == 0, history.stderr
    assert "1111111" in history.stdout and "2222222" in history.stdout
    rollback = gitops.run("rollback", "staging", "--dry-run", cwd=shallow, repo=".")
    assert rollback.returncode == 0, rollback.stderr
    assert "1111111" in rollback.stdout
