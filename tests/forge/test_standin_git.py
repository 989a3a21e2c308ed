"""The GitHub stand-in backed by a real bare repository: branches pushed with git, PRs that follow
force-pushes, and merges (merge / squash / rebase) written into the repository as GitHub does."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from promoter.errors import ForgeError
from promoter.forge import Draft
from promoter.forge.github import GitHubProvider
from promoter.retry import RetryPolicy

from .conftest import BOT, TOKEN, MakeGitHub
from .github_standin import GitHubStandIn, StandInGitError
from .standin_checkers import Json

BRANCH = "promoter/production/x"


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout


@dataclass
class Remote:
    """A bare repository (GitHub's side) and a clone that pushes to it (the CI job's side)."""

    bare: Path
    work: Path

    def sha(self, ref: str) -> str:
        return git(self.bare, "rev-parse", ref).strip()

    def commit(self, branch: str, files: dict[str, str], message: str, *,
               author: str = "Dev One <dev1@example.com>", start: str | None = None) -> str:
        """Commit `files` on `branch` (restarted from `start` when given) and force-push it."""
        git(self.work, "fetch", "--quiet", "origin")
        if start is not None:
            git(self.work, "checkout", "--quiet", "-B", branch, f"origin/{start}")
        else:
            git(self.work, "checkout", "--quiet", branch)
        for name, text in files.items():
            (self.work / name).write_text(text, encoding="utf-8")
        git(self.work, "add", "--all")
        git(self.work, "commit", "--quiet", f"--author={author}", "-m", message)
        git(self.work, "push", "--quiet", "--force", "origin", f"HEAD:refs/heads/{branch}")
        return self.sha(branch)

    def log(self, ref: str, fmt: str) -> list[str]:
        """One entry per commit, newest first (fmt uses git log placeholders; %x00 separates)."""
        out = git(self.bare, "log", f"--format={fmt}%x01", ref)
        return [entry.strip("\n") for entry in out.split("\x01")[:-1]]

    def message(self, ref: str) -> str:
        return git(self.bare, "log", "-1", "--format=%B", ref).rstrip("\n")

    def show(self, ref: str, path: str) -> str:
        return git(self.bare, "show", f"{ref}:{path}")


@pytest.fixture
def remote(tmp_path: Path) -> Remote:
    bare, work = tmp_path / "gitops.git", tmp_path / "work"
    git(tmp_path, "init", "--quiet", "--bare", "--initial-branch=main", str(bare))
    git(tmp_path, "init", "--quiet", "--initial-branch=main", str(work))
    git(work, "remote", "add", "origin", bare.as_uri())
    (work / "app.txt").write_text("tag: v1\n", encoding="utf-8")
    (work / "other.txt").write_text("untouched\n", encoding="utf-8")
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", "seed")
    git(work, "push", "--quiet", "origin", "main")
    return Remote(bare, work)


@pytest.fixture
def github(make_github: MakeGitHub, remote: Remote) -> GitHubStandIn:
    return make_github(remote.bare)


@pytest.fixture
def pushed(remote: Remote) -> str:
    """The promotion branch, pushed with one commit; its sha."""
    return remote.commit(BRANCH, {"app.txt": "tag: v2\n"}, "promote web to v2\n\nfrom staging",
                         start="main")


def call(standin: GitHubStandIn, method: str, path: str, payload: Json = None) -> httpx.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "application/vnd.github+json",
               "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "standin-git-test"}
    url = f"{standin.url}/repos/{standin.full_name}{path}"
    return httpx.request(method, url, json=payload, headers=headers)


def open_pull(standin: GitHubStandIn, title: str = "Promote web to production") -> Json:
    response = call(standin, "POST", "/pulls", {"title": title, "head": BRANCH, "base": "main"})
    assert response.status_code == 201, response.text
    return response.json()


def merge(standin: GitHubStandIn, number: int, **payload: str) -> httpx.Response:
    return call(standin, "PUT", f"/pulls/{number}/merge", payload)


# --------------------------------------------------------------------------- branches and shas


def test_a_pull_request_for_a_pushed_branch_reports_the_real_shas(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    pull = open_pull(github)

    assert pull["head"]["sha"] == pushed
    assert pull["base"]["sha"] == remote.sha("main")
    assert pull["mergeable"] is True
    assert pull["mergeable_state"] == "clean"


def test_a_branch_that_was_never_pushed_cannot_be_a_head(github: GitHubStandIn) -> None:
    response = call(github, "POST", "/pulls", {"title": "t", "head": BRANCH, "base": "main"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "head"


def test_a_branch_with_nothing_new_is_no_commits_between(
        github: GitHubStandIn, remote: Remote) -> None:
    git(remote.work, "push", "--quiet", "origin", f"main:refs/heads/{BRANCH}")

    response = call(github, "POST", "/pulls", {"title": "t", "head": BRANCH, "base": "main"})

    assert response.status_code == 422
    assert response.json()["errors"][0]["message"] == f"No commits between main and {BRANCH}"


def test_the_pull_request_follows_force_pushes_and_the_base_branch(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    number = open_pull(github)["number"]
    forced = remote.commit(BRANCH, {"app.txt": "tag: v3\n"}, "promote web to v3", start="main")
    moved_main = remote.commit("main", {"other.txt": "changed\n"}, "unrelated change")

    got = call(github, "GET", f"/pulls/{number}").json()
    listed = call(github, "GET", "/pulls", None).json()

    assert forced != pushed
    assert got["head"]["sha"] == forced == listed[0]["head"]["sha"]
    assert got["base"]["sha"] == moved_main == listed[0]["base"]["sha"]


def test_the_branches_mapping_is_the_bare_repositorys_refs(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    assert sorted(github.branches) == sorted([BRANCH, "main"])
    assert github.branches[BRANCH] == pushed
    assert "nope" not in github.branches
    with pytest.raises(StandInGitError, match="not a commit"):
        github.branches["release"] = "1" * 40
    github.branches["release"] = pushed
    assert remote.sha("release") == pushed


def test_push_branch_makes_a_real_commit_that_open_pulls_follow(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    number = open_pull(github)["number"]

    moved = github.push_branch(BRANCH)

    assert remote.log(BRANCH, "%H")[:2] == [moved, pushed]
    assert call(github, "GET", f"/pulls/{number}").json()["head"]["sha"] == moved


def test_deleting_the_head_branch_closes_the_pull_request(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    number = open_pull(github)["number"]
    git(remote.work, "push", "--quiet", "origin", "--delete", BRANCH)

    got = call(github, "GET", f"/pulls/{number}").json()

    assert (got["state"], got["merged"]) == ("closed", False)


# --------------------------------------------------------------------------- merging


def test_merge_writes_githubs_merge_commit(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    old_main = remote.sha("main")
    pull = open_pull(github)

    response = merge(github, pull["number"], sha=pushed, merge_method="merge")

    assert response.status_code == 200, response.text
    new_main = remote.sha("main")
    assert response.json()["sha"] == new_main != old_main
    parents, author, committer = remote.log("main", "%P%x00%an <%ae>%x00%cn <%ce>")[0].split("\0")
    assert parents.split() == [old_main, pushed]
    assert author == f"{BOT} <{BOT}@users.noreply.github.com>"
    assert committer == "GitHub <noreply@github.com>"
    assert remote.message("main") == (f"Merge pull request #{pull['number']} from acme/{BRANCH}"
                                      "\n\nPromote web to production")
    assert remote.show("main", "app.txt") == "tag: v2\n"
    assert github.branches[BRANCH] == pushed  # kept: the knob is off
    got = call(github, "GET", f"/pulls/{pull['number']}").json()
    assert (got["merged"], got["state"], got["merge_commit_sha"]) == (True, "closed", new_main)


def test_merge_of_a_base_that_moved_is_a_real_three_way_merge(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    pull = open_pull(github)
    moved = remote.commit("main", {"other.txt": "changed on main\n"}, "meanwhile on main")

    response = merge(github, pull["number"], sha=pushed, merge_method="merge",
                     commit_title="Custom title", commit_message="custom body")

    assert response.status_code == 200, response.text
    assert remote.log("main", "%P")[0].split() == [moved, pushed]
    assert remote.show("main", "app.txt") == "tag: v2\n"
    assert remote.show("main", "other.txt") == "changed on main\n"
    assert remote.message("main") == "Custom title\n\ncustom body"


def test_squash_of_one_commit_keeps_its_body_and_author(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    old_main = remote.sha("main")
    pull = open_pull(github)

    response = merge(github, pull["number"], sha=pushed, merge_method="squash")

    assert response.status_code == 200, response.text
    parents, author, committer = remote.log("main", "%P%x00%an <%ae>%x00%cn")[0].split("\0")
    assert parents == old_main
    assert author == "Dev One <dev1@example.com>"
    assert committer == "GitHub"
    title = f"Promote web to production (#{pull['number']})"
    assert remote.message("main") == f"{title}\n\nfrom staging"
    assert remote.show("main", "app.txt") == "tag: v2\n"
    assert response.json()["sha"] == remote.sha("main") != pushed


def test_squash_of_several_commits_lists_each_and_takes_the_head_author(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    second = remote.commit(BRANCH, {"other.txt": "second\n"}, "second change",
                           author="Dev Two <dev2@example.com>")
    pull = open_pull(github)

    response = merge(github, pull["number"], sha=second, merge_method="squash")

    assert response.status_code == 200, response.text
    assert remote.message("main") == (f"Promote web to production (#{pull['number']})\n\n"
                                      "* promote web to v2\n\nfrom staging\n\n* second change")
    assert remote.log("main", "%an")[0] == "Dev Two"
    assert len(remote.log("main", "%H")) == 2  # seed + one squashed commit


def test_squash_with_a_title_and_message_from_the_request(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    pull = open_pull(github)

    response = merge(github, pull["number"], sha=pushed, merge_method="squash",
                     commit_title="web: v2 to production", commit_message="Approved-by: alice")

    assert response.status_code == 200, response.text
    assert remote.message("main") == "web: v2 to production\n\nApproved-by: alice"


def test_rebase_recreates_each_commit_on_the_base_tip(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    second = remote.commit(BRANCH, {"app.txt": "tag: v2\nreplicas: 3\n"}, "scale web\n\nbusy",
                           author="Dev Two <dev2@example.com>")
    moved = remote.commit("main", {"other.txt": "changed on main\n"}, "meanwhile on main")
    pull = open_pull(github)

    response = merge(github, pull["number"], sha=second, merge_method="rebase")

    assert response.status_code == 200, response.text
    entries = remote.log("main", "%H%x00%P%x00%an%x00%cn%x00%B")
    rebased = [entry.split("\0") for entry in entries[:2]]
    assert [sha for sha, *_ in rebased] == [remote.sha("main"), remote.sha("main~1")]
    assert rebased[1][1] == moved and rebased[0][1] == rebased[1][0]
    assert [(r[2], r[3], r[4].strip()) for r in rebased] == [
        ("Dev Two", "GitHub", "scale web\n\nbusy"),
        ("Dev One", "GitHub", "promote web to v2\n\nfrom staging"),
    ]
    assert {rebased[0][0], rebased[1][0]}.isdisjoint({pushed, second})
    assert remote.show("main", "app.txt") == "tag: v2\nreplicas: 3\n"
    assert remote.show("main", "other.txt") == "changed on main\n"
    assert response.json()["sha"] == remote.sha("main")
    assert github.pulls[pull["number"]].merge_commit_sha == remote.sha("main")


def test_a_stale_sha_is_409_and_leaves_the_base_alone(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    pull = open_pull(github)
    forced = remote.commit(BRANCH, {"app.txt": "tag: v3\n"}, "promote web to v3", start="main")
    old_main = remote.sha("main")

    stale = merge(github, pull["number"], sha=pushed, merge_method="squash")

    assert stale.status_code == 409
    assert remote.sha("main") == old_main
    fresh = merge(github, pull["number"], sha=forced, merge_method="squash")
    assert fresh.status_code == 200, fresh.text
    assert remote.show("main", "app.txt") == "tag: v3\n"


def test_a_conflict_makes_the_pull_request_unmergeable_and_merging_405(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    pull = open_pull(github)
    conflicting = remote.commit("main", {"app.txt": "tag: hotfix\n"}, "hotfix on main")

    got = call(github, "GET", f"/pulls/{pull['number']}").json()
    response = merge(github, pull["number"], sha=pushed)

    assert (got["mergeable"], got["mergeable_state"]) == (False, "dirty")
    assert response.status_code == 405
    assert response.json()["message"] == "Pull Request is not mergeable"
    assert remote.sha("main") == conflicting


@pytest.mark.parametrize("method", ["merge", "squash", "rebase"])
def test_git_refuses_a_conflicting_merge_even_when_github_said_mergeable(
        github: GitHubStandIn, remote: Remote, pushed: str, method: str) -> None:
    pull = open_pull(github)
    conflicting = remote.commit("main", {"app.txt": "tag: hotfix\n"}, "hotfix on main")
    github.set_mergeable(pull["number"], True, "clean")  # a stale cached answer

    response = merge(github, pull["number"], sha=pushed, merge_method=method)

    assert response.status_code == 405
    assert remote.sha("main") == conflicting
    assert github.pulls[pull["number"]].state == "open"


def test_delete_branch_on_merge_removes_the_head_branch(
        make_github: MakeGitHub, remote: Remote, pushed: str) -> None:
    standin = make_github(remote.bare, delete_branch_on_merge=True)
    pull = open_pull(standin)

    assert merge(standin, pull["number"], sha=pushed).status_code == 200

    assert BRANCH not in standin.branches
    assert git(remote.bare, "branch", "--list", BRANCH) == ""
    assert call(standin, "GET", f"/pulls/{pull['number']}").json()["merged"] is True


def test_merge_after_polls_merges_for_real(
        github: GitHubStandIn, remote: Remote, pushed: str) -> None:
    number = open_pull(github)["number"]
    github.merge_after_polls(number, 1)

    got = call(github, "GET", f"/pulls/{number}").json()

    assert got["merged"] is True
    assert got["merge_commit_sha"] == remote.sha("main")
    assert remote.log("main", "%P")[0].split()[1] == pushed


# --------------------------------------------------------------------------- through the client


@pytest.fixture
def client(github: GitHubStandIn) -> Iterator[GitHubProvider]:
    with GitHubProvider(github.owner, github.repo, TOKEN, api_url=github.url,
                        retry=RetryPolicy(attempts=1, sleep=lambda _: None),
                        max_rate_limit_wait=0.0, timeout=5.0) as provider:
        yield provider


def test_the_provider_opens_and_squash_merges_a_pushed_branch(
        client: GitHubProvider, remote: Remote, pushed: str) -> None:
    pr = client.open_pull_request(Draft(head=BRANCH, base="main", title="Promote web",
                                        body="b"))

    merged = client.merge(pr.number, sha=pr.head_sha, method="squash")

    assert pr.head_sha == pushed
    assert merged == remote.sha("main")
    assert remote.message("main") == f"Promote web (#{pr.number})\n\nfrom staging"


def test_the_provider_sees_a_force_push_as_a_modified_head(
        client: GitHubProvider, remote: Remote, pushed: str) -> None:
    pr = client.open_pull_request(Draft(head=BRANCH, base="main", title="Promote web",
                                        body="b"))
    remote.commit(BRANCH, {"app.txt": "tag: v3\n"}, "promote web to v3", start="main")

    with pytest.raises(ForgeError, match="no longer"):
        client.merge(pr.number, sha=pr.head_sha)
    assert client.get_pull_request(pr.number).head_sha == remote.sha(BRANCH)
