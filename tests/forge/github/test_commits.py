"""createCommitOnBranch (promoter.forge.github.commits) against the git-backed stand-in: the
commit GitHub writes (byte-exact files, message, parent, signature), the compare-and-swap on
expectedHeadOid, retried requests, refusals; and promoter's document against GitHub's schema."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from graphql import parse, validate

from promoter.errors import ExitCode, ForgeError
from promoter.forge.github import GitHubProvider
from promoter.forge.github.commits import (
    CREATE_COMMIT,
    FileChange,
    GitHubCommits,
    StaleHead,
)
from promoter.forge.github.graphql import graphql_url
from tests.conftest import require_shared

from ..conftest import BOT, TOKEN, MakeGitHub, Sleeps, retry
from ..github_standin import GitHubStandIn
from ..standin_commits import commit_state
from ..standin_graphql import SCHEMA_PATH, load_schema

MESSAGE = ("deploy(staging): web abc1234\n\nSet web to abc1234 in staging.\n\n"
           "Promoter-Action: set-image\nPromoter-Environment: staging\n"
           "Promoter-Image: web=abc1234\n")
CONTENTS = b"images:\r\n- name: web\r\n  newTag: abc1234 # \xff not UTF-8\r\n"


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True,
                          check=True).stdout


@pytest.fixture
def bare(tmp_path: Path) -> Path:
    bare, work = tmp_path / "gitops.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(work))
    (work / "app").mkdir()
    (work / "app" / "kustomization.yaml").write_text("images: []\n", encoding="utf-8")
    (work / "gone.txt").write_text("bye\n", encoding="utf-8")
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "seed")
    git(work, "push", "--quiet", bare.as_uri(), "main")
    return bare


@pytest.fixture
def github(make_github: MakeGitHub, bare: Path) -> GitHubStandIn:
    standin = make_github(bare)
    assert standin.graphql.schema is not None or not SCHEMA_PATH.is_file()  # built up front
    return standin


@pytest.fixture
def commits(github: GitHubStandIn, sleeps: Sleeps) -> Iterator[GitHubCommits]:
    with GitHubProvider(github.owner, github.repo, TOKEN, api_url=github.url,
                        retry=retry(sleeps), now=lambda: 1_700_000_000.0,
                        timeout=5.0) as provider:
        yield GitHubCommits(provider.api)


def tip(bare: Path) -> str:
    return git(bare, "rev-parse", "main").strip()


def test_promoters_mutation_is_valid_against_githubs_schema() -> None:
    schema = load_schema(require_shared(SCHEMA_PATH))
    assert validate(schema, parse(CREATE_COMMIT)) == []


@pytest.mark.parametrize(("api", "expected"), [
    ("https://api.github.com", "https://api.github.com/graphql"),
    ("https://ghe.example.com/api/v3/", "https://ghe.example.com/api/graphql"),
    ("http://127.0.0.1:8080", "http://127.0.0.1:8080/graphql"),
])
def test_graphql_url_is_beside_the_rest_api(api: str, expected: str) -> None:
    assert graphql_url(api) == expected


def test_github_writes_the_commit_byte_for_byte_on_the_expected_tip(
        github: GitHubStandIn, commits: GitHubCommits, bare: Path) -> None:
    base = tip(bare)
    made = commits.create("main", base, MESSAGE, [
        FileChange("app/kustomization.yaml", CONTENTS), FileChange("gone.txt", None)])

    assert made.oid == tip(bare)
    assert git(bare, "rev-parse", f"{made.oid}^").strip() == base
    blob = subprocess.run(["git", "--git-dir", str(bare), "cat-file", "blob",
                           f"{made.oid}:app/kustomization.yaml"], capture_output=True,
                          check=True).stdout
    assert blob == CONTENTS
    assert git(bare, "ls-tree", "--name-only", made.oid).split() == ["app"]
    assert git(bare, "log", "-1", "--format=%B", made.oid).rstrip("\n") == MESSAGE.rstrip("\n")
    assert git(bare, "log", "-1", "--format=%an|%cn", made.oid).strip() == f"{BOT}|GitHub"
    assert (made.signature_state, made.signed_by_github) == ("VALID", True)
    assert made.url.endswith(f"/commit/{made.oid}")
    assert made.oid in commit_state(github).signed_by_github
    trailers = git(bare, "interpret-trailers", "--parse", input_from(bare, made.oid))
    assert "Promoter-Image: web=abc1234" in trailers


def input_from(bare: Path, sha: str) -> str:
    """A path to a file holding the commit's message (interpret-trailers reads files)."""
    path = bare / "MESSAGE_FOR_TEST"
    path.write_text(git(bare, "log", "-1", "--format=%B", sha), encoding="utf-8")
    return str(path)


def test_a_moved_branch_is_a_stale_head_and_nothing_is_written(
        github: GitHubStandIn, commits: GitHubCommits, bare: Path) -> None:
    base = tip(bare)
    commit_state(github).move_before_commit.append("main")

    with pytest.raises(StaleHead) as caught:
        commits.create("main", base, MESSAGE, [FileChange("gone.txt", b"new\n")])

    assert caught.value.retryable and not caught.value.after_retry
    assert "Expected branch to point to" in caught.value.message
    moved = tip(bare)
    assert git(bare, "rev-parse", f"{moved}^").strip() == base  # only the other push landed
    assert git(bare, "show", f"{moved}:gone.txt") == "bye\n"


def test_an_answer_lost_after_the_commit_was_made_is_flagged_as_after_retry(
        github: GitHubStandIn, commits: GitHubCommits, bare: Path, sleeps: Sleeps) -> None:
    base = tip(bare)
    github.fail_next(502, path_contains="/graphql", after_effect=True)

    with pytest.raises(StaleHead) as caught:
        commits.create("main", base, MESSAGE, [FileChange("gone.txt", b"new\n")])

    assert caught.value.after_retry  # the first try made it: the caller must look
    assert git(bare, "show", "main:gone.txt") == "new\n"
    assert len(sleeps.calls) == 1


def test_an_unknown_branch_is_refused_with_githubs_words(commits: GitHubCommits,
                                                         bare: Path) -> None:
    with pytest.raises(ForgeError) as caught:
        commits.create("nope", tip(bare), MESSAGE, [FileChange("gone.txt", b"x\n")])

    assert caught.value.exit_code == ExitCode.REMOTE
    assert 'refs/heads/nope" does not exist' in caught.value.message
    assert "branch nope exists" in (caught.value.hint or "")


def test_a_bad_token_is_a_forge_error_without_the_token(github: GitHubStandIn,
                                                        bare: Path, sleeps: Sleeps) -> None:
    bad = "ghp_FAKEwrongToken0000000000000000000"
    provider = GitHubProvider(github.owner, github.repo, bad, api_url=github.url,
                              retry=retry(sleeps), timeout=5.0)
    with provider, pytest.raises(ForgeError) as caught:
        GitHubCommits(provider.api).create("main", tip(bare), MESSAGE,
                                           [FileChange("gone.txt", b"x\n")])
    assert "401" in caught.value.message
    assert bad not in str(caught.value) and TOKEN not in str(caught.value)
