"""QA H2 through the installed command: history after `git merge --squash`, a squash with a
rewritten message and a hand edit agrees with what rollback reads from the overlay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.e2e.conftest import GitOps, git

STAGING = "overlays/staging/kustomization.yaml"
CIRCLE_C = {"CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/3"}
CIRCLE_D = {"CIRCLE_BUILD_URL": "https://circleci.com/gh/acme/web/4"}


def local(gitops: GitOps, work: Path, *args: str, env: dict[str, str] | None = None) -> Any:
    done = gitops.run(*args, "--json", cwd=work, repo=".", env=env)
    assert done.returncode == 0, done.stderr + done.stdout
    return json.loads(done.stdout)


def set_image(gitops: GitOps, work: Path, tag: str, env: dict[str, str] | None = None) -> None:
    local(gitops, work, "set-image", "staging", f"web={tag}", "--no-push", env=env)


def entries(gitops: GitOps, work: Path, limit: int) -> list[dict[str, Any]]:
    doc = local(gitops, work, "history", "staging", "--limit", str(limit))
    return list(doc["entries"])


def test_history_after_squashes_and_a_hand_edit_agrees_with_rollback(gitops: GitOps) -> None:
    work = gitops.clone()
    git(work, "checkout", "-q", "-b", "f")
    set_image(gitops, work, "ccccccc", CIRCLE_C)
    set_image(gitops, work, "ddddddd", CIRCLE_D)
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--squash", "f")
    git(work, "commit", "-q", "--no-edit")
    squash = git(work, "rev-parse", "HEAD").strip()
    newest = entries(gitops, work, 1)
    assert [(e["commit"], e["action"]) for e in newest] == [(squash, "set-image")]
    assert newest[0]["images"] == [{"name": "web", "tag": "ddddddd", "digest": None}]
    assert newest[0]["build_url"] == CIRCLE_D["CIRCLE_BUILD_URL"]

    git(work, "checkout", "-q", "-b", "g")
    set_image(gitops, work, "eeeeeee")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--squash", "g")
    git(work, "commit", "-q", "-m", "Release train (#12)")
    text = (work / STAGING).read_text()
    (work / STAGING).write_text(text.replace("newTag: eeeeeee", "newTag: fffffff", 1))
    git(work, "commit", "-q", "-am", "hand edit")
    git(work, "push", "-q", "origin", "main")

    shown = entries(gitops, work, 3)
    assert [(e["action"], e["images"][0]["tag"], e["source"], e["build_url"]) for e in shown] == [
        ("manual", "fffffff", None, None),
        ("manual", "eeeeeee", None, None),
        ("set-image", "ddddddd", None, CIRCLE_D["CIRCLE_BUILD_URL"]),
    ]
    back = local(gitops, work, "rollback", "staging", "--dry-run")
    assert [(d["old_tag"], d["new_tag"]) for d in back["images"]] == [
        (shown[0]["images"][0]["tag"], shown[1]["images"][0]["tag"])]
