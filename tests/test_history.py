"""history: an environment's changes read back from real repositories after merges, squash merges
and rebase merges."""

from __future__ import annotations

import itertools
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from promoter.gitrepo import open_workspace
from promoter.history import HistoryEntry, environment_history, environment_history_with_skipped
from promoter.kustomize.document import read_images
from promoter.trailers import GateTrailer, ImageTrailer, Record, format_message
from tests.test_trailers import squash_message

STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"
DIGEST = "sha256:" + "0123456789abcdef" * 4
_clock = itertools.count()


def git(cwd: Path, *args: str, stdin: str | None = None) -> str:
    second = next(_clock)
    date = f"2024-03-01T{second // 3600 % 24:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"
    env = {**os.environ, "GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          input=stdin, env=env)
    return done.stdout.strip()


def interpret_trailers(message: str, tmp_path: Path) -> list[str]:
    return git(tmp_path, "interpret-trailers", "--parse", stdin=message).splitlines()


def staging(tag: str, **extra: str) -> Record:
    return Record("set-image", "staging", (ImageTrailer("web", tag, None),), **extra)


FULL = Record(
    action="promote",
    environment="production",
    images=(ImageTrailer("web", "abc1234", None), ImageTrailer("ghcr.io/org/api", None, DIGEST)),
    source="staging@" + "f" * 40,
    build_url="https://circleci.com/gh/org/app/77",
    workflow_id="6f1c0e1a-2b3c-4d5e-8f90-123456789abc",
    triggered_by="alice",
)


def test_history_entry_json() -> None:
    entry = HistoryEntry("c" * 40, "2024-03-01T00:00:00+00:00", "A <a@example.com>", FULL)
    assert entry.to_json() == {
        "commit": "c" * 40,
        "date": "2024-03-01T00:00:00+00:00",
        "author": "A <a@example.com>",
        "action": "promote",
        "images": [{"name": "web", "tag": "abc1234", "digest": None},
                   {"name": "ghcr.io/org/api", "tag": None, "digest": DIGEST}],
        "source": FULL.source,
        "build_url": FULL.build_url,
        "gates": [],
        "soak": None,
        "triggered_by": FULL.triggered_by,
        "approved_by": [],
        "overrides": [],
    }


def test_history_entry_json_shows_what_let_a_promotion_through() -> None:
    gated = replace(FULL, gates=(GateTrailer("argocd/web-staging", "success", "e" * 40),),
                    soak="47m")
    data = HistoryEntry("c" * 40, "2024-03-01T00:00:00+00:00", "A <a@example.com>",
                        gated).to_json()
    assert data["gates"] == [{"context": "argocd/web-staging", "state": "success",
                              "commit": "e" * 40}]
    assert data["soak"] == "47m"


# --- reading history from real repositories -----------------------------------------------


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """A clone of a bare remote with staging and production overlays on main (web at v0)."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", bare.as_uri(), str(work))
    for path in (STAGING, PRODUCTION):
        (work / path).parent.mkdir(parents=True)
        (work / path).write_text("images:\n- name: web\n  newTag: v0\n")
    git(work, "add", ".")
    git(work, "commit", "-q", "-m", "initial overlays")
    git(work, "push", "-q", "origin", "main")
    return work


Versions = dict[str, tuple[str | None, str | None]]


def overlay(record: Record) -> str:
    return f"overlays/{record.environment}/kustomization.yaml"


def write_images(work: Path, path: str, changes: Versions) -> None:
    """Set (tag, digest) of the named images in path, appending new names; (None, None)
    removes an image."""
    file = work / path
    text = file.read_text() if file.exists() else ""
    versions: Versions = {e.name: (e.new_tag, e.digest) for e in read_images(text)}
    versions.update(changes)
    lines = ["images:"]
    for name, (tag, digest) in versions.items():
        if tag is None and digest is None:
            continue
        lines.append(f"- name: {name}")
        lines += [f"  newTag: {tag}"] if tag else []
        lines += [f"  digest: {digest}"] if digest else []
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text("\n".join(lines) + "\n")


def edit_commit(work: Path, path: str, message: str, changes: Versions) -> str:
    write_images(work, path, changes)
    git(work, "add", path)
    git(work, "commit", "-q", "--allow-empty", "-F", "-", stdin=message)
    return git(work, "rev-parse", "HEAD")


def record_commit(work: Path, record: Record, *, message: str = "") -> str:
    """A promoter commit: the record's images written to its environment's overlay."""
    changes = {image.name: (image.tag, image.digest) for image in record.images}
    return edit_commit(work, overlay(record), message or format_message(record), changes)


def plain_commit(work: Path, name: str) -> str:
    (work / name).write_text(name)
    git(work, "add", name)
    git(work, "commit", "-q", "-m", f"add {name}")
    return git(work, "rev-parse", "HEAD")


def history(work: Path, environment: str, *, path: str = "", limit: int | None = None
            ) -> list[tuple[str, Record]]:
    path = path or f"overlays/{environment}/kustomization.yaml"
    with open_workspace(str(work)) as ws:
        entries = environment_history(ws, environment, path=path, limit=limit)
    return [(entry.commit, entry.record) for entry in entries]


def manual(*tags: str, environment: str = "staging") -> Record:
    return Record("manual", environment, tuple(ImageTrailer("web", tag) for tag in tags))


def test_history_is_newest_first_per_environment(work: Path) -> None:
    one = record_commit(work, staging("v1"))
    plain_commit(work, "README")
    two = record_commit(work, staging("v2", build_url="https://ci/2"))
    prod = record_commit(work, FULL)
    assert history(work, "staging") == [(two, staging("v2", build_url="https://ci/2")),
                                        (one, staging("v1"))]
    assert history(work, "staging", limit=1) == [(two, staging("v2", build_url="https://ci/2"))]
    assert history(work, "staging", limit=0) == []
    assert history(work, "production") == [(prod, FULL)]
    with open_workspace(str(work)) as ws:
        entry = environment_history(ws, "staging", path=STAGING)[0]
    assert entry.author == "Test Author <author@example.com>"
    assert entry.date == git(work, "log", "-1", "--format=%aI", two)


def test_the_initial_layout_is_not_an_entry_but_a_promoter_commit_creating_a_file_is(
        work: Path) -> None:
    assert history(work, "staging") == []
    qa = "overlays/qa/kustomization.yaml"
    (work / qa).parent.mkdir()
    (work / qa).write_text("images:\n- name: web\n  newTag: v0\n")
    git(work, "add", qa)
    git(work, "commit", "-q", "-m", "add qa")
    assert history(work, "qa") == []
    git(work, "rm", "-q", qa)
    git(work, "commit", "-q", "-m", "remove qa")
    assert history(work, "qa") == []
    created = record_commit(work, Record("set-image", "qa", (ImageTrailer("web", "v1"),)))
    assert history(work, "qa") == [
        (created, Record("set-image", "qa", (ImageTrailer("web", "v1"),)))]


def test_a_record_for_another_environment_does_not_leak(work: Path) -> None:
    both = format_message(staging("v1")) + "\n" + format_message(FULL)
    one = record_commit(work, staging("v1"), message=both)
    assert history(work, "staging") == [(one, staging("v1"))]
    assert history(work, "production") == []
    # Staging's file changed by a commit whose only record is production's: a manual change.
    wrong = edit_commit(work, STAGING, format_message(FULL), {"web": ("v2", None)})
    assert history(work, "staging") == [(wrong, manual("v2")), (one, staging("v1"))]
    # Another environment reading staging's file borrows none of staging's records.
    assert history(work, "qa", path=STAGING) == [(wrong, manual("v2", environment="qa")),
                                                (one, manual("v1", environment="qa"))]


def test_git_merge_squash_with_its_default_message_shows_the_deployed_tag(work: Path) -> None:
    """QA H2: `git merge --squash` lists the squashed commits newest first, indented."""
    git(work, "checkout", "-q", "-b", "feature")
    record_commit(work, staging("ccccccc", build_url="https://ci/c"))
    record_commit(work, staging("ddddddd", build_url="https://ci/d"))
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--squash", "feature")
    git(work, "commit", "-q", "--no-edit")
    squash = git(work, "rev-parse", "HEAD")
    message = git(work, "log", "-1", "--format=%B")
    assert message.startswith("Squashed commit of the following:")
    assert message.index("web=ddddddd") < message.index("web=ccccccc")
    assert history(work, "staging") == [(squash, staging("ddddddd", build_url="https://ci/d"))]


def test_a_github_squash_message_lists_oldest_first(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "feature")
    first = record_commit(work, staging("v2", build_url="https://ci/2"))
    second = record_commit(work, staging("v3", build_url="https://ci/3"))
    prod = record_commit(work, FULL)
    git(work, "checkout", "-q", "main")
    plain_commit(work, "README")
    git(work, "merge", "-q", "--squash", "feature")
    message = squash_message(staging("v2", build_url="https://ci/2"),
                             staging("v3", build_url="https://ci/3"), FULL, indent="    ")
    git(work, "commit", "-q", "-F", "-", stdin=message)
    squash = git(work, "rev-parse", "HEAD")
    assert history(work, "staging") == [(squash, staging("v3", build_url="https://ci/3"))]
    assert history(work, "production") == [(squash, FULL)]
    shown = [sha for sha, _ in history(work, "staging") + history(work, "production")]
    assert first not in shown and second not in shown and prod not in shown


def test_a_squash_of_several_images_takes_the_newest_agreeing_record(work: Path) -> None:
    web = staging("v2", build_url="https://ci/web")
    api = Record("set-image", "staging", (ImageTrailer("api", "a1"),), build_url="https://ci/api")
    stale = staging("v1", build_url="https://ci/stale")  # the content disagrees: never chosen
    record_commit(work, stale)
    commit = edit_commit(work, STAGING, squash_message(web, api, stale),
                         {"web": ("v2", None), "api": ("a1", None)})
    both = (ImageTrailer("web", "v2"), ImageTrailer("api", "a1"))
    # GitHub order is oldest first: stale is the newest record but disagrees; api is next.
    assert history(work, "staging", limit=1) == [(commit, replace(api, images=both))]


def test_a_record_that_disagrees_with_the_content_still_gives_the_metadata(work: Path) -> None:
    commit = edit_commit(work, STAGING, format_message(staging("v7", build_url="https://ci/7")),
                         {"web": ("v8", None)})
    assert history(work, "staging") == [(commit, staging("v8", build_url="https://ci/7"))]


def test_a_squash_with_an_edited_message_is_a_manual_entry(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "g")
    record_commit(work, staging("eeeeeee", build_url="https://ci/e"))
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--squash", "g")
    git(work, "commit", "-q", "-m", "Release train (#12)")
    squash = git(work, "rev-parse", "HEAD")
    assert history(work, "staging") == [(squash, manual("eeeeeee"))]
    with open_workspace(str(work)) as ws:
        entry = environment_history(ws, "staging", path=STAGING)[0]
    assert entry.to_json()["action"] == "manual"
    assert (entry.to_json()["source"], entry.to_json()["build_url"]) == (None, None)


def test_a_hand_edit_is_manual_and_a_no_op_edit_is_not_listed(work: Path) -> None:
    one = record_commit(work, staging("v1"))
    text = (work / STAGING).read_text()
    (work / STAGING).write_text(text.replace("newTag: v1", "newTag: fffffff"))
    git(work, "commit", "-q", "-am", "hand edit")
    edit = git(work, "rev-parse", "HEAD")
    (work / STAGING).write_text("# pinned by hand\n" + (work / STAGING).read_text())
    git(work, "commit", "-q", "-am", "comment only")
    edit_commit(work, STAGING, format_message(staging("fffffff")), {})  # trailers, no change
    assert history(work, "staging") == [(edit, manual("fffffff")), (one, staging("v1"))]


def test_adding_an_image_is_listed_and_removing_one_is_not(work: Path) -> None:
    added = edit_commit(work, STAGING, "add api", {"api": (None, DIGEST)})
    edit_commit(work, STAGING, "drop api", {"api": (None, None)})
    assert history(work, "staging") == [
        (added, Record("manual", "staging", (ImageTrailer("api", None, DIGEST),)))]


def test_history_through_a_merge_commit(work: Path) -> None:
    before = record_commit(work, staging("v1"))
    git(work, "checkout", "-q", "-b", "feature")
    side = record_commit(work, staging("v2"))
    git(work, "checkout", "-q", "main")
    plain_commit(work, "README")
    # GitHub's merge message can repeat the pull request body, trailers included.
    merge_message = f"Merge pull request #7 from org/feature\n\n{format_message(staging('v2'))}"
    git(work, "merge", "-q", "--no-ff", "feature", "-m", merge_message)
    merge = git(work, "rev-parse", "HEAD")
    assert git(work, "rev-list", "--parents", "-1", "HEAD").count(" ") == 2
    assert history(work, "staging") == [(side, staging("v2")), (before, staging("v1"))]
    assert merge not in [sha for sha, _ in history(work, "staging")]


def test_a_merge_is_an_entry_only_when_it_makes_a_new_state(work: Path) -> None:
    """Before: a merge whose message carried a record was listed even if it changed nothing."""
    git(work, "checkout", "-q", "-b", "feature")
    plain_commit(work, "README")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--no-ff", "feature", "-m", format_message(staging("v5")))
    assert history(work, "staging") == []
    # Both sides change the tag; the merge resolves the conflict with a third one.
    git(work, "checkout", "-q", "-b", "side")
    side = record_commit(work, staging("v6"))
    git(work, "checkout", "-q", "main")
    main = record_commit(work, staging("v7"))
    failed = subprocess.run(["git", "merge", "-q", "side"], cwd=work, capture_output=True)
    assert failed.returncode != 0
    (work / STAGING).write_text("images:\n- name: web\n  newTag: v8\n")
    git(work, "add", STAGING)
    git(work, "commit", "-q", "-F", "-", stdin=format_message(staging("v8")))
    merge = git(work, "rev-parse", "HEAD")
    assert history(work, "staging") == [
        (merge, staging("v8")), (main, staging("v7")), (side, staging("v6"))]


def test_a_merge_combining_both_sides_adds_no_entry(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "side")
    write_images(work, STAGING, {"web": ("v0", None), "a": ("x", None), "b": ("x", None),
                                 "c": ("x", None)})
    git(work, "commit", "-q", "-am", "layout")  # spread entries so both edits merge cleanly
    layout = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "side")
    git(work, "checkout", "-q", "side")
    side = record_commit(work, staging("v1"))
    git(work, "checkout", "-q", "main")
    other = Record("set-image", "staging", (ImageTrailer("c", "v2"),))
    main = record_commit(work, other)
    git(work, "merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    merged = {e.name: e.new_tag for e in read_images((work / STAGING).read_text())}
    assert (merged["web"], merged["c"]) == ("v1", "v2")
    with open_workspace(str(work)) as ws:
        assert ws.head() in [info.sha for info in ws.log.commits(STAGING)]
    created = tuple(ImageTrailer(name, "x") for name in "abc")
    assert history(work, "staging") == [
        (main, other), (side, staging("v1")), (layout, Record("manual", "staging", created))]


def test_history_through_a_rebase_merge(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "feature")
    original = record_commit(work, staging("v2"))
    git(work, "checkout", "-q", "main")
    plain_commit(work, "README")
    git(work, "rebase", "-q", "main", "feature")
    git(work, "checkout", "-q", "main")
    git(work, "merge", "-q", "--ff-only", "feature")
    git(work, "branch", "-q", "-D", "feature")
    rebased = git(work, "rev-parse", "HEAD")
    assert rebased != original
    assert history(work, "staging") == [(rebased, staging("v2"))]


def test_history_after_cherry_pick_keeps_both_distinct_commits(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "hotfix")
    picked = record_commit(work, staging("v9"))
    git(work, "checkout", "-q", "main")
    git(work, "cherry-pick", picked)
    copy = git(work, "rev-parse", "HEAD")
    assert history(work, "staging") == [(copy, staging("v9"))]
    git(work, "merge", "-q", "--no-ff", "hotfix", "-m", "Merge branch 'hotfix'")
    shas = [sha for sha, _ in history(work, "staging")]
    assert sorted(shas) == sorted([copy, picked])


def test_unreadable_versions_are_skipped_and_counted(work: Path) -> None:
    write_images(work, STAGING, {"api": ("a1", None)})
    git(work, "commit", "-q", "-am", "add api")
    (work / STAGING).write_text("images: [\n")
    git(work, "commit", "-q", "-am", "broken")
    (work / STAGING).write_bytes(b"images:\n- name: web\n  newTag: \xff\n")
    git(work, "commit", "-q", "-am", "not utf-8")
    (work / STAGING).write_text("images:\n- name: web\n  newTag: v0\n- name: api\n  newTag: a1\n")
    fixed = edit_commit(work, STAGING, format_message(staging("v1")), {"web": ("v1", None)})
    with open_workspace(str(work)) as ws:
        entries, skipped = environment_history_with_skipped(ws, "staging", path=STAGING)
        newest, read = environment_history_with_skipped(ws, "staging", path=STAGING, limit=1)
    # Compared with the last readable version: only web changed.
    assert (entries[0].commit, entries[0].record) == (fixed, staging("v1"))
    assert [e.record.action for e in entries] == ["set-image", "manual"]
    assert skipped == 2
    assert ([e.commit for e in newest], read) == ([fixed], 0)
