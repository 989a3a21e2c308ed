"""Workspace.log.prefetch: every missing version of one file in a single fetch.

The remote is a bare repository over file:// that allows filters (uploadpack.allowFilter) and
requests for any object (uploadpack.allowAnySHA1InWant), so a URL clone is a real partial clone:
old versions of files are missing until fetched. Fetches are counted as upload-pack sessions
in a GIT_TRACE file (the client starts one git-upload-pack per fetch, lazy fetches included).
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from promoter.errors import GitError
from promoter.gitrepo import Workspace, open_workspace
from promoter.history import environment_history
from promoter.kustomize.document import read_images
from promoter.promotion.versions import find_in_history, previous_state

STAGING = "overlays/staging/kustomization.yaml"
OTHER = "overlays/production/kustomization.yaml"
VERSIONS = 30


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True)
    return done.stdout.strip()


def overlay(tag: str) -> str:
    return f"images:\n- name: web\n  newTag: {tag}\n"


def data(text: str) -> str:
    return f"data {len(text.encode())}\n{text}\n"


def commit(mark: int, message: str, changes: dict[str, str], parents: list[int]) -> str:
    """A fast-import commit on refs/heads/main (parents by mark), one second after the last."""
    when = f"{1_700_000_000 + mark} +0000"
    lines = [f"commit refs/heads/main\nmark :{mark}\n",
             f"author Dev <dev@example.com> {when}\ncommitter Dev <dev@example.com> {when}\n",
             data(message)]
    lines += [f"{'from' if i == 0 else 'merge'} :{p}\n" for i, p in enumerate(parents)]
    lines += [f"M 100644 inline {path}\n{data(text)}" for path, text in changes.items()]
    return "".join(lines)


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    """A bare repository serving partial clones. On main, each of VERSIONS commits changes
    STAGING (to v1, v2, ...) and OTHER; a side branch off the 4th newest sets STAGING to
    `side` and is merged last, keeping main's content."""
    bare = tmp_path / "remote.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(bare))
    git(bare, "config", "uploadpack.allowFilter", "true")
    git(bare, "config", "uploadpack.allowAnySHA1InWant", "true")
    stream = [commit(n, f"staging v{n}", {STAGING: overlay(f"v{n}"), OTHER: f"other {n}\n"},
                     [n - 1] if n > 1 else []) for n in range(1, VERSIONS + 1)]
    stream.append(commit(VERSIONS + 1, "staging side", {STAGING: overlay("side")},
                         [VERSIONS - 3]))
    stream.append(commit(VERSIONS + 2, "merge side", {STAGING: overlay(f"v{VERSIONS}")},
                         [VERSIONS, VERSIONS + 1]))
    subprocess.run(["git", "fast-import", "--quiet"], cwd=bare, check=True,
                   input="".join(stream), text=True)
    return bare


def versions(bare: Path, path: str) -> set[str]:
    """Blob ids of every version of path on main, read from the remote itself."""
    raw = git(bare, "log", "--format=", "--raw", "--no-abbrev", "--full-history", "main",
              "--", path)
    return {line.split()[3] for line in raw.splitlines() if line.startswith(":")}


@contextmanager
def unreachable(bare: Path) -> Iterator[None]:
    """The remote is gone for the duration: any lazy fetch fails."""
    hidden = bare.with_name("hidden.git")
    bare.rename(hidden)
    try:
        yield
    finally:
        hidden.rename(bare)


def present(root: Path, oid: str) -> bool:
    done = subprocess.run(["git", "cat-file", "-e", oid], cwd=root, capture_output=True,
                          check=False)
    return done.returncode == 0


@pytest.fixture
def trace(tmp_path: Path) -> Path:
    return tmp_path / "trace.log"


def start_tracing(trace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    trace.write_text("")
    monkeypatch.setenv("GIT_TRACE", str(trace))


def fetches(trace: Path) -> int:
    return sum("run_command:" in line and "git-upload-pack" in line
               for line in trace.read_text().splitlines())


def head_blob(ws: Workspace, path: str) -> str:
    return git(ws.root, "rev-parse", f"HEAD:{path}")


def test_url_clone_is_partial_and_prefetch_fetches_every_version_in_one_fetch(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blobs = versions(remote, STAGING)
    assert len(blobs) == VERSIONS + 1
    with open_workspace(remote.as_uri()) as ws:
        missing = blobs - {head_blob(ws, STAGING)}
        with unreachable(remote):
            assert not any(present(ws.root, oid) for oid in missing)
        start_tracing(trace, monkeypatch)
        assert ws.log.prefetch(STAGING) == len(missing)
        assert fetches(trace) == 1
        with unreachable(remote):
            assert all(present(ws.root, oid) for oid in blobs)
            tags = [read_images(ws.log.file_at(sha, STAGING) or "")[0].new_tag
                    for sha in ws.log.path_commits(STAGING)]
        assert set(tags) == {"side", *(f"v{n}" for n in range(1, VERSIONS + 1))}


def test_prefetch_leaves_other_files_alone(remote: Path) -> None:
    with open_workspace(remote.as_uri()) as ws:
        others = versions(remote, OTHER) - {head_blob(ws, OTHER)}
        ws.log.prefetch(STAGING)
        with unreachable(remote):
            assert not any(present(ws.root, oid) for oid in others)


def test_second_prefetch_fetches_nothing(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(remote.as_uri()) as ws:
        assert ws.log.prefetch(STAGING) > 0
        start_tracing(trace, monkeypatch)
        assert ws.log.prefetch(STAGING) == 0
        assert fetches(trace) == 0


def test_without_prefetch_each_version_is_its_own_fetch(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cost prefetch removes (and proof that the trace counts lazy fetches)."""
    with open_workspace(remote.as_uri()) as ws:
        commits = ws.log.path_commits(STAGING)[:6]
        absent = {git(ws.root, "rev-parse", f"{sha}:{STAGING}") for sha in commits}
        absent.discard(head_blob(ws, STAGING))  # checked out
        assert len(absent) >= 4
        start_tracing(trace, monkeypatch)
        for sha in commits:
            ws.log.file_at(sha, STAGING)
        assert fetches(trace) == len(absent)


def test_prefetch_is_a_no_op_in_a_complete_local_copy(
    remote: Path, tmp_path: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", remote.as_uri(), str(work))
    with open_workspace(str(work)) as ws:
        start_tracing(trace, monkeypatch)
        assert ws.log.prefetch(STAGING) == 0
        assert fetches(trace) == 0


def test_prefetch_is_a_no_op_when_the_server_ignores_the_filter(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    git(remote, "config", "uploadpack.allowFilter", "false")
    with open_workspace(remote.as_uri()) as ws:
        start_tracing(trace, monkeypatch)
        assert ws.log.prefetch(STAGING) == 0
        assert fetches(trace) == 0
        assert ws.log.file_at(ws.log.path_commits(STAGING)[-1], STAGING) == overlay("v1")


def test_prefetch_of_an_unknown_path_fetches_nothing(remote: Path) -> None:
    with open_workspace(remote.as_uri()) as ws:
        assert ws.log.prefetch("overlays/absent/kustomization.yaml") == 0


def test_prefetch_failure_is_a_git_error_naming_the_remote(remote: Path) -> None:
    expected = f"cannot fetch the {VERSIONS} earlier versions of {STAGING} from origin " \
        f"({remote.as_uri()})"
    with (open_workspace(remote.as_uri()) as ws, unreachable(remote),
          pytest.raises(GitError, match=re.escape(expected))):
        ws.log.prefetch(STAGING)


def test_prefetch_failure_redacts_credentials(remote: Path) -> None:
    with open_workspace(remote.as_uri()) as ws:
        git(ws.root, "remote", "set-url", "origin", "https://bot:s3cret@127.0.0.1:9/x.git")
        with pytest.raises(GitError) as caught:
            ws.log.prefetch(STAGING)
    assert "s3cret" not in str(caught.value)
    assert "127.0.0.1:9/x.git" in str(caught.value)


# --- the history walks fetch once -----------------------------------------------------------


def test_history_reads_every_version_with_one_fetch(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(remote.as_uri()) as ws:
        start_tracing(trace, monkeypatch)
        entries = environment_history(ws, "staging", path=STAGING)
        assert fetches(trace) == 1
    tags = {image.tag for entry in entries for image in entry.record.images}
    assert {f"v{n}" for n in range(2, VERSIONS + 1)} <= tags


def test_finding_the_oldest_tag_fetches_once(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(remote.as_uri()) as ws:
        first = ws.log.path_commits(STAGING)[-1]
        start_tracing(trace, monkeypatch)
        commit, hits = find_in_history(ws, STAGING, "v1", (), "staging")
        assert fetches(trace) == 1
    assert (commit, [hit.new_tag for hit in hits]) == (first, ["v1"])


def test_stepping_back_fetches_once(
    remote: Path, trace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_workspace(remote.as_uri()) as ws:
        current = read_images(ws.log.file_at("HEAD", STAGING) or "")
        start_tracing(trace, monkeypatch)
        previous = previous_state(ws, STAGING, current, "staging")
        assert fetches(trace) == 1
    [tag] = [entry.new_tag for entry in previous]
    assert tag != f"v{VERSIONS}"
    assert tag in {"side", *(f"v{n}" for n in range(1, VERSIONS))}
