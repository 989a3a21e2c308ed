"""gitrepo.workspace: commit exactly the given files, push upstream, recover from push races."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from promoter.errors import GitError, PolicyError, PushRejected
from promoter.gitrepo import BOT_EMAIL, BOT_NAME, open_workspace
from tests.gitrepo.repos import (
    PRODUCTION,
    STAGING,
    clone,
    commit_file,
    git,
    hook,
    remote_file,
    write,
)

# --- committing ---------------------------------------------------------------------------


def test_local_copy_commit_and_push(remote: Path, work: Path) -> None:
    with open_workspace(str(work), "main") as ws:
        write(ws.root, STAGING, "images:\n- name: web\n  newTag: v2\n")
        sha = ws.commit([STAGING], "deploy(staging): web v2")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == sha
    assert remote_file(remote, STAGING).endswith("newTag: v2")
    assert git(work, "status", "--porcelain") == ""


def test_local_copy_without_upstream_does_not_push(tmp_path: Path) -> None:
    work = tmp_path / "work"
    git(tmp_path, "init", "-q", "-b", "main", str(work))
    commit_file(work, STAGING, "a\n", "initial")
    with open_workspace(str(work)) as ws:
        assert ws.remote is None and not ws.will_push
        write(ws.root, STAGING, "b\n")
        sha = ws.commit([STAGING], "change")
        ws.push_upstream()  # nothing to push to: a no-op
        assert ws.head() == sha
        assert ws.remote_url() is None and ws.unpushed_commits() == []
        with pytest.raises(GitError, match="no upstream"):
            ws.sync()


def test_sync_never_moves_the_users_own_working_copy(work: Path) -> None:
    with open_workspace(str(work)) as ws, pytest.raises(GitError, match="private checkout"):
        ws.sync()


def test_push_disabled_leaves_the_remote_alone(remote: Path, work: Path) -> None:
    before = git(remote, "rev-parse", "main")
    with open_workspace(str(work), push=False) as ws:
        assert ws.remote == "origin" and not ws.will_push
        write(ws.root, STAGING, "changed\n")
        ws.commit([STAGING], "change")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == before


@pytest.mark.parametrize("stage", [False, True])
def test_ensure_clean_refuses_a_modified_file(work: Path, stage: bool) -> None:
    write(work, STAGING, "edited by hand\n")
    if stage:
        git(work, "add", STAGING)
    with open_workspace(str(work)) as ws:
        ws.ensure_clean([PRODUCTION])  # other files may be dirty
        with pytest.raises(PolicyError) as caught:
            ws.ensure_clean([STAGING, PRODUCTION])
    message = str(caught.value)
    assert STAGING in message and PRODUCTION not in message
    assert ("(staged)" if stage else "(unstaged)") in message


def test_ensure_clean_refuses_an_untracked_file(work: Path) -> None:
    write(work, "overlays/qa/kustomization.yaml", "new\n")
    with open_workspace(str(work)) as ws, pytest.raises(PolicyError, match="untracked"):
        ws.ensure_clean(["overlays/qa/kustomization.yaml"])


def test_commit_takes_exactly_the_given_paths(work: Path) -> None:
    write(work, PRODUCTION, "staged by hand\n")
    git(work, "add", PRODUCTION)
    write(work, "notes.txt", "untracked\n")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "images: []\n")
        sha = ws.commit([STAGING], "deploy(staging): nothing")
    assert git(work, "show", "--format=", "--name-only", sha) == STAGING
    assert git(work, "status", "--porcelain") == f"M  {PRODUCTION}\n?? notes.txt"
    assert git(work, "log", "-1", "--format=%B", sha) == "deploy(staging): nothing"


def test_commit_keeps_the_message_verbatim(work: Path) -> None:
    message = "subject\n\n# not a comment\n\nPromoter-Action: set-image\n"
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "x\n")
        sha = ws.commit([STAGING], message)
        assert ws.log.commits(max_count=1)[0].message == message
    assert git(work, "rev-parse", "HEAD") == sha


def test_failed_commit_leaves_the_index_alone(work: Path) -> None:
    pre_commit = work / ".git" / "hooks" / "pre-commit"
    pre_commit.write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    pre_commit.chmod(0o755)
    before = git(work, "rev-parse", "HEAD")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "edited\n")
        with pytest.raises(GitError, match="lint failed"):
            ws.commit([STAGING], "refused by the hook")
    assert git(work, "rev-parse", "HEAD") == before
    assert git(work, "diff", "--cached", "--name-only") == ""


def test_commit_without_change_is_a_git_error(work: Path) -> None:
    with open_workspace(str(work)) as ws, pytest.raises(GitError, match="nothing to commit"):
        ws.commit([STAGING], "no change")
    with open_workspace(str(work)) as ws, pytest.raises(GitError, match="no file was given"):
        ws.commit([], "no file")


def test_commit_uses_the_bot_identity_when_none_is_configured(
    work: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL", "EMAIL"):
        monkeypatch.delenv(name, raising=False)
    empty_home = tmp_path / "empty-home"
    empty_home.mkdir()
    monkeypatch.setenv("HOME", str(empty_home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(empty_home))
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "bot\n")
        sha = ws.commit([STAGING], "by the bot")
    bot = f"{BOT_NAME} <{BOT_EMAIL}>"
    assert git(work, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha) == f"{bot}|{bot}"


def test_commit_uses_the_configured_identity(
    work: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME",
                 "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(name, raising=False)
    git(work, "config", "user.name", "Release Bot")
    git(work, "config", "user.email", "release@example.com")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "configured\n")
        sha = ws.commit([STAGING], "configured identity")
    expected = "Release Bot <release@example.com>"
    assert git(work, "log", "-1", "--format=%an <%ae>|%cn <%ce>", sha) == f"{expected}|{expected}"


def test_unpushed_commits(work: Path) -> None:
    mine = commit_file(work, "mine.txt", "unpushed\n", "user's own unpushed commit")
    with open_workspace(str(work)) as ws:
        assert ws.unpushed_commits() == [mine]


# --- pushing and racing -------------------------------------------------------------------


def other_pushes(url: str, tmp_path: Path, path: str, text: str) -> str:
    other = clone(url, tmp_path / f"other-{random.random()}")
    sha = commit_file(other, path, text, "someone else")
    git(other, "push", "-q", "origin", "main")
    return sha


def test_push_race_on_a_temporary_clone(remote: Path, url: str, tmp_path: Path) -> None:
    with open_workspace(url, "main") as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        theirs = other_pushes(url, tmp_path, PRODUCTION, "theirs\n")
        with pytest.raises(PushRejected) as caught:
            ws.push_upstream()
        assert caught.value.retryable
        ws.sync()
        assert ws.head() == theirs
        assert (ws.root / STAGING).read_text() != "ours\n"
        write(ws.root, STAGING, "ours\n")
        sha = ws.commit([STAGING], "ours again")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == sha
    assert git(remote, "rev-parse", "main^") == theirs
    assert remote_file(remote, STAGING) == "ours"
    assert remote_file(remote, PRODUCTION) == "theirs"


def test_push_race_on_a_shallow_temporary_clone(remote: Path, url: str, tmp_path: Path) -> None:
    with open_workspace(url, depth=1) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        theirs = other_pushes(url, tmp_path, PRODUCTION, "theirs\n")
        with pytest.raises(PushRejected) as caught:
            ws.push_upstream()
        assert caught.value.retryable
        ws.sync()
        assert ws.head() == theirs
        assert git(ws.root, "rev-list", "--count", "HEAD") == "1"
        write(ws.root, STAGING, "ours\n")
        sha = ws.commit([STAGING], "ours again")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == sha
    assert git(remote, "rev-parse", "main^") == theirs


def test_hook_decline_is_not_retryable(remote: Path, url: str) -> None:
    hook(remote, "pre-receive", "echo 'main is a protected branch' >&2\nexit 1\n")
    before = git(remote, "rev-parse", "main")
    with open_workspace(url) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        with pytest.raises(PushRejected) as caught:
            ws.push_upstream()
    assert not caught.value.retryable
    assert "pre-receive hook declined" in str(caught.value)
    assert "main is a protected branch" in str(caught.value)
    assert git(remote, "rev-parse", "main") == before


def test_terminal_escapes_from_a_hook_do_not_reach_the_message(remote: Path, url: str) -> None:
    hook(remote, "pre-receive",
         "printf '\\033[31mmain is \\033]0;pwned\\007protected\\033[0m\\r\\n' >&2\n"
         "printf '\\033[2J\\033[Hsee https://bot:s3cret@example.com/x\\n' >&2\nexit 1\n")
    with open_workspace(url) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        with pytest.raises(PushRejected) as caught:
            ws.push_upstream()
    error = caught.value
    for text in (error.message, error.hint or "", str(error)):
        assert not any(ord(char) < 32 and char not in "\t\n" for char in text), repr(text)
        assert "\x9b" not in text and "s3cret" not in text
    assert "main is protected" in error.message
    assert "see https://example.com/x" in error.message


def test_push_to_a_vanished_remote_is_a_git_error(remote: Path, work: Path) -> None:
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        remote.rename(remote.with_name("moved.git"))
        with pytest.raises(GitError, match="push to origin") as caught:
            ws.push_upstream()
    assert not isinstance(caught.value, PushRejected)
