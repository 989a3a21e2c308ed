"""The CI flows, through the installed `promoter` command against a bare remote over file://."""

from __future__ import annotations

import subprocess

from tests.e2e.conftest import GitOps, git

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
SHA_C = "c3d4e5f60718293a4b5c6d7e8f90123456789012"
CIRCLE = {
    "CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/42",
    "CIRCLE_WORKFLOW_ID": "wf-123",
    "CIRCLE_USERNAME": "alice",
}


def trailers(message: str) -> list[tuple[str, str]]:
    done = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                          capture_output=True, text=True, check=True)
    return [tuple(line.split(": ", 1)) for line in done.stdout.splitlines()]  # type: ignore[misc]


def test_set_image_staging_commits_one_line_with_trailers(gitops: GitOps) -> None:
    before = gitops.show("overlays/staging/kustomization.yaml")
    out = gitops.json("set-image", "staging", f"web={SHA_A}", env=CIRCLE)
    assert out["environment"] == "staging"
    assert out["action"] == "set-image"
    assert out["changed"] is True and out["pushed"] is True
    assert out["commit"] == gitops.head()
    assert out["images"][0]["name"] == "web"
    assert out["images"][0]["new_tag"] == SHA_A
    after = gitops.show("overlays/staging/kustomization.yaml")
    old_tag = out["images"][0]["old_tag"]
    assert after == before.replace(old_tag, SHA_A, 1)
    message = gitops.message()
    assert message.splitlines()[0] == f"deploy(staging): web {SHA_A}"
    parsed = trailers(message)
    assert ("Promoter-Action", "set-image") in parsed
    assert ("Promoter-Environment", "staging") in parsed
    assert ("Promoter-Image", f"web={SHA_A}") in parsed
    assert ("Promoter-Build-URL", CIRCLE["CIRCLE_BUILD_URL"]) in parsed
    assert ("Promoter-Workflow-ID", "wf-123") in parsed
    assert ("Promoter-Triggered-By", "alice") in parsed


def test_same_tag_again_is_success_without_commit(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"web={SHA_A}")
    assert done.returncode == 0, done.stderr
    assert "nothing to do" in done.stdout
    assert gitops.head() == head


def test_set_image_on_production_is_refused(gitops: GitOps) -> None:
    head = gitops.head()
    done = gitops.run("set-image", "production", f"web={SHA_A}")
    assert done.returncode == 3
    assert "use promote" in done.stderr
    assert "Traceback" not in done.stderr
    assert gitops.head() == head


def test_promote_without_tag_copies_current_staging(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    staging_commit = gitops.head()
    out = gitops.json("promote", "production")
    assert out["changed"] is True
    assert gitops.tag("production") == SHA_A
    message = gitops.message()
    assert message.splitlines()[0] == f"promote(production): web {SHA_A}"
    assert ("Promoter-Source", f"staging@{staging_commit}") in trailers(message)


def test_promote_tag_takes_the_approved_build_even_if_staging_moved_on(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    approved_at = gitops.head()
    gitops.json("set-image", "staging", f"web={SHA_B}")
    out = gitops.json("promote", "production", "--tag", SHA_A)
    assert out["images"][0]["new_tag"] == SHA_A
    assert gitops.tag("production") == SHA_A
    assert gitops.tag("staging") == SHA_B
    assert ("Promoter-Source", f"staging@{approved_at}") in trailers(gitops.message())


def test_promote_of_a_tag_staging_never_had_is_refused(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    head = gitops.head()
    done = gitops.run("promote", "production", "--tag", SHA_C)
    assert done.returncode == 3
    assert f"{SHA_C} was never deployed to staging" in done.stderr
    assert gitops.head() == head


def test_promote_from_another_environment_is_refused(gitops: GitOps) -> None:
    done = gitops.run("promote", "production", "--from", "production")
    assert done.returncode == 3
    assert "only from staging" in done.stderr


def test_rollback_goes_back_one_and_to_a_named_tag(gitops: GitOps) -> None:
    for sha in (SHA_A, SHA_B, SHA_C):
        gitops.json("set-image", "staging", f"web={sha}")
    out = gitops.json("rollback", "staging")
    assert out["action"] == "rollback"
    assert gitops.tag("staging") == SHA_B
    assert gitops.message().splitlines()[0] == f"rollback(staging): web {SHA_B}"
    gitops.json("rollback", "staging", "--to", SHA_A)
    assert gitops.tag("staging") == SHA_A


def test_rollback_to_a_tag_not_in_history_is_refused(gitops: GitOps) -> None:
    done = gitops.run("rollback", "staging", "--to", SHA_C)
    assert done.returncode == 3
    assert "never deployed to staging" in done.stderr


def test_rollback_with_nothing_to_go_back_to(gitops: GitOps) -> None:
    done = gitops.run("rollback", "staging")
    assert done.returncode == 3
    assert "nothing to go back to" in done.stderr


def test_status_and_diff(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}")
    status = gitops.json("status")
    envs = {e["name"]: e for e in status["environments"]}
    assert set(envs) == {"staging", "production"}
    assert envs["production"]["source"] == "staging"
    assert envs["staging"]["images"][0]["tag"] == SHA_A
    assert envs["staging"]["images"][0]["newName"].endswith("/web")
    assert envs["production"]["in_sync"] is False
    head = gitops.head()
    diff = gitops.json("diff", "staging", "production")
    assert diff["changed"] is True
    assert f"+    newTag: {SHA_A}" in diff["diff"]
    assert gitops.head() == head
    gitops.json("promote", "production")
    envs = {e["name"]: e for e in gitops.json("status")["environments"]}
    assert envs["production"]["in_sync"] is True


def test_dry_run_changes_nothing_and_prints_the_diff(gitops: GitOps) -> None:
    head = gitops.head()
    done = gitops.run("set-image", "staging", f"web={SHA_A}", "--dry-run")
    assert done.returncode == 0, done.stderr
    assert f"+    newTag: {SHA_A}" in done.stdout
    assert gitops.head() == head


def test_history_reads_trailers_newest_first(gitops: GitOps) -> None:
    gitops.json("set-image", "staging", f"web={SHA_A}", env=CIRCLE)
    gitops.json("set-image", "staging", f"web={SHA_B}")
    gitops.json("promote", "production", "--tag", SHA_A)
    staging = gitops.json("history", "staging")
    assert staging["environment"] == "staging"
    tags = [e["images"][0]["tag"] for e in staging["entries"]]
    assert tags == [SHA_B, SHA_A]
    assert staging["entries"][1]["build_url"] == CIRCLE["CIRCLE_BUILD_URL"]
    production = gitops.json("history", "production", "--limit", "1")
    assert len(production["entries"]) == 1
    assert production["entries"][0]["action"] == "promote"
    assert production["entries"][0]["source"].startswith("staging@")


def test_history_after_a_merge_commit(gitops: GitOps) -> None:
    work = gitops.clone()
    git(work, "checkout", "--quiet", "-b", "feature")
    done = gitops.run("set-image", "staging", f"web={SHA_A}", cwd=work, repo=".")
    assert done.returncode == 0, done.stderr
    git(work, "checkout", "--quiet", "main")
    git(work, "merge", "--quiet", "--no-ff", "-m", "Merge pull request #1", "feature")
    git(work, "push", "--quiet", "origin", "main")
    entries = gitops.json("history", "staging")["entries"]
    assert [e["images"][0]["tag"] for e in entries] == [SHA_A]


def test_validate_lists_images(gitops: GitOps) -> None:
    out = gitops.json("validate")
    assert out["ok"] is True
    names = {e["name"]: e for e in out["environments"]}
    assert names["staging"]["images"][0]["name"].endswith(".amazonaws.com/web")
