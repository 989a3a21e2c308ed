"""gitrepo against real git: a bare repository as the remote, clones over file:// URLs."""

from __future__ import annotations

import os
import random
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.errors import GitError, PolicyError, PromoterError, PushRejected, UsageError
from promoter.gitrepo import (
    BOT_EMAIL,
    BOT_NAME,
    Workspace,
    backoff_delays,
    is_url,
    open_workspace,
)

STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def write(root: Path, path: str, text: str) -> None:
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text.encode())


def commit_file(root: Path, path: str, text: str, message: str) -> str:
    write(root, path, text)
    git(root, "add", path)
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository with main (staging + production overlays) and a release branch."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    seed = tmp_path / "seed"
    git(tmp_path, "clone", "-q", bare.as_uri(), str(seed))
    write(seed, PRODUCTION, "images:\n- name: web\n  newTag: v1\n")
    git(seed, "add", PRODUCTION)
    commit_file(seed, STAGING, "images:\n- name: web\n  newTag: v1\n", "initial overlays")
    git(seed, "push", "-q", "origin", "main")
    git(seed, "checkout", "-q", "-b", "release")
    commit_file(seed, "RELEASE", "release branch\n", "release marker")
    git(seed, "push", "-q", "origin", "release")
    return bare


@pytest.fixture
def url(remote: Path) -> str:
    return remote.as_uri()


def clone(url: str, dest: Path) -> Path:
    git(dest.parent, "clone", "-q", url, str(dest))
    return dest


def remote_file(remote: Path, path: str, branch: str = "main") -> str:
    return git(remote, "show", f"{branch}:{path}")


def open_fails(repo: str, branch: str | None = None) -> PromoterError:
    with pytest.raises(PromoterError) as caught, open_workspace(repo, branch):
        pass
    return caught.value


def git_children() -> int:
    """Running git processes whose parent is this test process."""
    count = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        fields = text[text.rindex(")") + 2 :].split()
        if fields[0] != "Z" and int(fields[1]) == os.getpid() and comm.startswith("git"):
            count += 1
    return count


# --- is_url and backoff -------------------------------------------------------------------


@pytest.mark.parametrize(
    "repo",
    [
        "file:///srv/gitops.git",
        "ssh://git@github.com/org/gitops.git",
        "https://github.com/org/gitops.git",
        "http://127.0.0.1:8080/x.git",
        "git://example.com/gitops.git",
        "git@github.com:org/gitops.git",
        "gitlab.example.com:org/gitops.git",
    ],
)
def test_is_url_accepts_remote_addresses(repo: str) -> None:
    assert is_url(repo)


@pytest.mark.parametrize("repo", [".", "..", "/srv/gitops", "gitops", "./odd:name", "a/b:c"])
def test_is_url_rejects_local_paths(repo: str) -> None:
    assert not is_url(repo)


@settings(max_examples=50, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=80),
    base=st.floats(min_value=0.0, max_value=3.0),
    cap=st.floats(min_value=0.0, max_value=30.0),
    seed=st.integers(),
)
def test_backoff_delays_stay_within_full_jitter_bounds(
    attempts: int, base: float, cap: float, seed: int
) -> None:
    delays = list(backoff_delays(attempts, base=base, cap=cap, rng=random.Random(seed)))
    assert len(delays) == attempts
    for attempt, delay in enumerate(delays):
        assert 0.0 <= delay <= min(cap, base * 2.0 ** min(attempt, 60))


def test_backoff_delays_grow_until_the_cap() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert list(backoff_delays(6, base=0.5, cap=5.0, rng=Top())) == [0.5, 1, 2, 4, 5, 5]


def test_backoff_delays_are_reproducible_with_a_seeded_rng() -> None:
    first = list(backoff_delays(5, rng=random.Random(7)))
    assert first == list(backoff_delays(5, rng=random.Random(7)))
    assert len(set(first)) > 1


def test_backoff_delays_refuse_zero_attempts() -> None:
    with pytest.raises(UsageError, match="at least 1"):
        list(backoff_delays(0))


# --- opening ------------------------------------------------------------------------------


def test_url_clone_uses_the_remote_default_branch(remote: Path, url: str) -> None:
    git(remote, "symbolic-ref", "HEAD", "refs/heads/release")
    with open_workspace(url) as ws:
        assert ws.branch == "release"
        assert ws.temporary and ws.remote == "origin" and ws.will_push
        assert (ws.root / "RELEASE").read_text() == "release branch\n"
        assert git(ws.root, "rev-parse", "HEAD") == git(remote, "rev-parse", "release")
        fetched = git(ws.root, "config", "--get-all", "remote.origin.fetch")
        assert fetched == "+refs/heads/release:refs/remotes/origin/release"  # single branch


def test_url_clone_of_an_explicit_branch(remote: Path, url: str) -> None:
    with open_workspace(url, "release") as ws:
        assert ws.branch == "release"
        assert ws.head() == git(remote, "rev-parse", "release")


def test_url_clone_with_depth_is_shallow(url: str) -> None:
    with open_workspace(url, "release", depth=1) as ws:
        assert git(ws.root, "rev-parse", "--is-shallow-repository") == "true"
        assert git(ws.root, "rev-list", "--count", "HEAD") == "1"
    with open_workspace(url, "release") as ws:
        assert git(ws.root, "rev-list", "--count", "HEAD") == "2"


def test_url_clone_of_an_unknown_branch_fails_and_leaves_nothing(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(temp))
    caught = open_fails(url, "nope")
    assert isinstance(caught, GitError)
    assert "branch nope does not exist" in str(caught)
    assert "--branch" in str(caught)
    assert list(temp.iterdir()) == []


def test_url_clone_is_removed_when_the_body_raises(url: str) -> None:
    with pytest.raises(RuntimeError, match="boom"), open_workspace(url) as ws:
        root = ws.root
        assert (root / STAGING).exists()
        raise RuntimeError("boom")
    assert not root.exists()
    assert not root.parent.exists()


def test_clone_error_redacts_credentials() -> None:
    caught = open_fails("https://user:secret@127.0.0.1:9/x.git")
    assert isinstance(caught, GitError)
    message = str(caught)
    assert "secret" not in message
    assert "https://127.0.0.1:9/x.git" in message


def test_unreachable_file_url_is_a_git_error(tmp_path: Path) -> None:
    caught = open_fails((tmp_path / "missing.git").as_uri())
    assert isinstance(caught, GitError)
    assert "cannot clone" in str(caught)


def test_invalid_branch_name_is_a_usage_error(url: str) -> None:
    caught = open_fails(url, "bad..name")
    assert isinstance(caught, UsageError)
    assert "not a valid branch name" in str(caught)


def test_local_copy_with_upstream(url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
    with open_workspace(str(work)) as ws:
        assert (ws.root, ws.branch, ws.temporary) == (work.resolve(), "main", False)
        assert ws.remote == "origin" and ws.upstream_branch == "main" and ws.will_push


def test_local_copy_commit_and_push(remote: Path, url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
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
        with pytest.raises(GitError, match="no upstream"):
            ws.sync()


def test_push_disabled_leaves_the_remote_alone(remote: Path, url: str, tmp_path: Path) -> None:
    before = git(remote, "rev-parse", "main")
    with open_workspace(str(clone(url, tmp_path / "work")), push=False) as ws:
        assert ws.remote == "origin" and not ws.will_push
        write(ws.root, STAGING, "changed\n")
        ws.commit([STAGING], "change")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == before


def test_local_copy_on_another_branch_is_a_usage_error(url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
    caught = open_fails(str(work), "release")
    assert isinstance(caught, UsageError)
    assert "checked out, not release" in str(caught)
    assert "git checkout release" in str(caught)


def test_detached_head_is_a_usage_error(url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
    git(work, "checkout", "-q", "--detach")
    caught = open_fails(str(work))
    assert isinstance(caught, UsageError)
    assert "detached" in str(caught)


def test_not_a_repository(tmp_path: Path) -> None:
    """A --repo that is no working copy is a usage error (exit 2), not a git failure."""
    caught = open_fails(str(tmp_path))
    assert isinstance(caught, UsageError)
    assert "not a git working copy" in str(caught)
    caught = open_fails(str(tmp_path / "absent"))
    assert isinstance(caught, UsageError)
    assert "does not exist" in str(caught)


def test_bare_repository_path_is_refused(remote: Path) -> None:
    caught = open_fails(str(remote))
    assert isinstance(caught, UsageError)
    assert "bare repository" in str(caught)


def test_subdirectory_of_a_working_copy_is_refused(url: str, tmp_path: Path) -> None:
    work = clone(url, tmp_path / "work")
    caught = open_fails(str(work / "overlays"))
    assert isinstance(caught, UsageError)
    assert "not its top" in str(caught)
    assert str(work.resolve()) in str(caught)


def test_repo_objects_are_closed_on_exit(url: str) -> None:
    before = git_children()
    with open_workspace(url) as ws:
        assert ws._repo.head.commit.message  # object access starts persistent git cat-file
        assert git_children() > before
    assert git_children() == before


# --- editing ------------------------------------------------------------------------------


@pytest.fixture
def work(url: str, tmp_path: Path) -> Path:
    return clone(url, tmp_path / "work")


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
        assert ws.commits(max_count=1)[0].message == message
    assert git(work, "rev-parse", "HEAD") == sha


def test_failed_commit_leaves_the_index_alone(work: Path) -> None:
    hook = work / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho 'lint failed' >&2\nexit 1\n")
    hook.chmod(0o755)
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


def test_undo_last_commit_restores_the_file_and_keeps_other_changes(work: Path) -> None:
    before = git(work, "rev-parse", "HEAD")
    original = (work / STAGING).read_bytes()
    write(work, PRODUCTION, "local edit\n")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "edited\n")
        ws.commit([STAGING], "to undo")
        ws.undo_last_commit()
        assert ws.head() == before
        with pytest.raises(GitError, match="no unpushed promoter commit"):
            ws.undo_last_commit()
    assert (work / STAGING).read_bytes() == original
    assert (work / PRODUCTION).read_text() == "local edit\n"


def test_restore_puts_back_head_content(work: Path) -> None:
    original = (work / STAGING).read_bytes()
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "broken edit\n")
        write(ws.root, "overlays/new.yaml", "new\n")
        git(work, "add", "overlays/new.yaml")
        ws.restore([STAGING, "overlays/new.yaml"])
    assert (work / STAGING).read_bytes() == original
    assert not (work / "overlays/new.yaml").exists()
    assert git(work, "status", "--porcelain") == ""


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


def test_push_race_on_a_local_copy(remote: Path, work: Path, tmp_path: Path) -> None:
    write(work, "scratch.txt", "user's untracked file\n")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        theirs = other_pushes(url=remote.as_uri(), tmp_path=tmp_path, path=PRODUCTION,
                              text="theirs\n")
        with pytest.raises(PushRejected) as caught:
            ws.push_upstream()
        assert caught.value.retryable
        ws.sync()
        assert ws.head() == theirs
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours again")
        ws.push_upstream()
    assert remote_file(remote, STAGING) == "ours"
    assert remote_file(remote, PRODUCTION) == "theirs"
    assert git(work, "rev-parse", "HEAD") == git(remote, "rev-parse", "main")
    assert (work / "scratch.txt").exists()


def test_sync_refuses_a_diverged_local_branch(remote: Path, work: Path, tmp_path: Path) -> None:
    commit_file(work, "mine.txt", "unpushed\n", "user's own unpushed commit")
    other_pushes(remote.as_uri(), tmp_path, PRODUCTION, "theirs\n")
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        with pytest.raises(PushRejected):
            ws.push_upstream()
        with pytest.raises(GitError, match="diverged") as caught:
            ws.sync()
    assert "git pull --rebase" in str(caught.value)


def test_hook_decline_is_not_retryable(remote: Path, url: str) -> None:
    hook = remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is a protected branch' >&2\nexit 1\n")
    hook.chmod(0o755)
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


def test_push_to_a_vanished_remote_is_a_git_error(remote: Path, work: Path) -> None:
    with open_workspace(str(work)) as ws:
        write(ws.root, STAGING, "ours\n")
        ws.commit([STAGING], "ours")
        remote.rename(remote.with_name("moved.git"))
        with pytest.raises(GitError, match="push to origin") as caught:
            ws.push_upstream()
    assert not isinstance(caught.value, PushRejected)


# --- reading ------------------------------------------------------------------------------


def test_file_at_reads_exact_bytes(work: Path) -> None:
    crlf = "images:\r\n- name: web\r\n  newTag: v3"
    sha = commit_file(work, STAGING, crlf, "crlf, no final newline")
    with open_workspace(str(work)) as ws:
        assert ws.file_at(sha, STAGING) == crlf
        assert ws.file_at(f"{sha}^", STAGING) == "images:\n- name: web\n  newTag: v1\n"
        assert ws.file_at(sha, "overlays/absent.yaml") is None
        assert ws.file_at(sha, "overlays/staging") is None
        with pytest.raises(GitError, match="cannot read commit"):
            ws.file_at("0" * 40, STAGING)


def test_file_at_in_a_partial_clone_fetches_old_content(url: str, remote: Path) -> None:
    first = git(remote, "rev-parse", "main")
    with open_workspace(url) as ws:
        write(ws.root, STAGING, "second\n")
        ws.commit([STAGING], "second")
        assert ws.file_at(first, STAGING) == "images:\n- name: web\n  newTag: v1\n"


def merged_side_branch(work: Path) -> tuple[str, str, str]:
    """main gets an unrelated commit, side changes STAGING; merged with --no-ff."""
    git(work, "checkout", "-q", "-b", "side")
    side = commit_file(work, STAGING, "from side\n", "side change")
    git(work, "checkout", "-q", "main")
    unrelated = commit_file(work, "README", "readme\n", "unrelated")
    git(work, "merge", "-q", "--no-ff", "side", "-m", "Merge branch 'side'")
    return side, unrelated, git(work, "rev-parse", "HEAD")


def test_path_commits_follow_merged_side_branches(work: Path) -> None:
    initial = git(work, "rev-parse", "HEAD")
    side, unrelated, _merge = merged_side_branch(work)
    with open_workspace(str(work)) as ws:
        assert ws.path_commits(STAGING) == [side, initial]
        assert ws.path_commits(STAGING, max_count=1) == [side]
        assert ws.path_commits("README") == [unrelated]


def test_path_commits_in_a_shallow_clone_fetch_the_real_history(
    remote: Path, url: str
) -> None:
    initial = git(remote, "rev-parse", "main")
    with open_workspace(url, depth=1) as ws:
        write(ws.root, "README", "unrelated\n")
        ws.commit(["README"], "unrelated")
        ws.push_upstream()
        with open_workspace(url, depth=1) as shallow:
            assert git(shallow.root, "rev-list", "--count", "HEAD") == "1"
            assert shallow.path_commits(STAGING, max_count=1) == [initial]
            assert git(shallow.root, "rev-parse", "--is-shallow-repository") == "false"
            assert shallow.depth is None


def test_path_commits_keep_a_merge_that_made_new_content(work: Path) -> None:
    git(work, "checkout", "-q", "-b", "side")
    commit_file(work, STAGING, "side\n", "side")
    git(work, "checkout", "-q", "main")
    commit_file(work, STAGING, "main\n", "main")
    subprocess.run(["git", "merge", "-q", "side"], cwd=work, capture_output=True, check=False)
    resolved = commit_file(work, STAGING, "resolved\n", "merge with conflict resolution")
    with open_workspace(str(work)) as ws:
        assert ws.path_commits(STAGING, max_count=1) == [resolved]
        assert len(ws.path_commits(STAGING)) == 4


def test_commits_report_merges_and_fields(work: Path) -> None:
    side, unrelated, merge = merged_side_branch(work)
    with open_workspace(str(work)) as ws:
        infos = ws.commits()
        staging_only = [info.sha for info in ws.commits(STAGING)]
        assert [info.sha for info in ws.commits(max_count=2)] == [merge, unrelated]
        assert [info.sha for info in ws.commits(grep="SIDE CHANGE")] == [side]
    assert [info.sha for info in infos][:3] == [merge, unrelated, side]
    top = infos[0]
    assert top.parents == (unrelated, side)
    assert top.subject == "Merge branch 'side'"
    assert top.message == "Merge branch 'side'\n"
    assert top.author == "Test Author <author@example.com>"
    assert top.date == git(work, "log", "-1", "--format=%aI", merge)
    assert "T" in top.date
    assert merge in staging_only and side in staging_only and unrelated not in staging_only


def test_workspace_is_a_plain_dataclass(url: str) -> None:
    with open_workspace(url, push=False) as ws:
        assert isinstance(ws, Workspace)
        assert "_repo" not in repr(ws)
        assert ws.upstream_branch == "main" and ws.depth is None


def test_ci_checkout_without_upstream_pushes_to_origin_same_branch(
    remote: Path, url: str, tmp_path: Path
) -> None:
    """CircleCI checks out with `git checkout -B main SHA`: no upstream, but origin/main known."""
    work = clone(url, tmp_path / "work")
    sha = git(work, "rev-parse", "HEAD")
    git(work, "checkout", "-q", "--detach")
    git(work, "branch", "-q", "-D", "main")
    git(work, "checkout", "-q", "-B", "main", sha)
    assert subprocess.run(["git", "config", "--get", "branch.main.remote"], cwd=work,
                          capture_output=True, check=False).returncode == 1
    with open_workspace(str(work)) as ws:
        assert ws.remote == "origin" and ws.upstream_branch == "main" and ws.will_push
        write(ws.root, STAGING, "resources: []\n")
        pushed = ws.commit([STAGING], "from a CI checkout")
        ws.push_upstream()
    assert git(remote, "rev-parse", "main") == pushed


def test_remote_branch_read_and_delete_with_a_lease(remote: Path, url: str) -> None:
    with open_workspace(url) as ws:
        assert ws.remote_branch_sha("promoter/staging/promotion") is None
        head = ws.head()
        ws.push_branch("promoter/staging/promotion", expect=None)
        assert ws.remote_branch_sha("promoter/staging/promotion") == head
        with pytest.raises(GitError, match="cannot delete branch"):
            ws.delete_remote_branch("promoter/staging/promotion", expect="0" * 40)
        assert ws.remote_branch_sha("promoter/staging/promotion") == head
        ws.delete_remote_branch("promoter/staging/promotion", expect=head)
        assert ws.remote_branch_sha("promoter/staging/promotion") is None
    assert "promoter/staging/promotion" not in git(remote, "branch", "--list")
