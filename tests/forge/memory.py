"""An in-memory PullRequestProvider, for the pull-request orchestration tests: no HTTP and no
../shared. Pull requests live in a dict; as on GitHub, an open pull request follows its head
branch in a real bare git repository (force-pushes too, and closes when the branch is deleted),
and a merge is written into that repository.

Knobs make failures and races deterministic: fail_next() raises an error from the next call of
an operation, before() runs a hook (a whole second promotion, a push) just before one. Commit
statuses and check runs (the promotion gates) are set with report() and read with
commit_checks().
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from promoter.errors import ForgeError, PromoterError
from promoter.forge import (
    CommitCheck,
    Draft,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestStatus,
    Review,
)
from promoter.forge.base import FAILURE, PENDING, SUCCESS, verdicts

URL = "https://forge.invalid/acme/gitops/pull/{number}"
MERGER = {"GIT_AUTHOR_NAME": "Forge", "GIT_AUTHOR_EMAIL": "forge@example.invalid",
          "GIT_COMMITTER_NAME": "Forge", "GIT_COMMITTER_EMAIL": "forge@example.invalid"}


@dataclass
class Pull:
    number: int
    head: str
    head_sha: str
    base: str
    title: str
    body: str
    state: str = "open"
    merged: bool = False
    merge_commit_sha: str | None = None
    merge_method: str | None = None
    mergeable: bool | None = True
    labels: list[str] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    team_reviewers: list[str] = field(default_factory=list)
    reviews: list[Review] = field(default_factory=list)
    auto_merge: str | None = None

    def view(self) -> PullRequest:
        return PullRequest(number=self.number, url=URL.format(number=self.number),
                           head_branch=self.head, head_sha=self.head_sha, base_branch=self.base,
                           title=self.title, state=self.state, merged=self.merged, draft=False)


@dataclass
class _Hook:
    method: str
    run: Callable[[], object]
    left: int  # calls of `method` until it runs


class MemoryForge:
    """PullRequestProvider over a bare repository's branches; `calls` lists every operation."""

    def __init__(self, git_dir: Path, *, collaborators: Sequence[str] = ("alice", "bob")) -> None:
        self.git_dir = git_dir
        self.collaborators = tuple(collaborators)
        self.pulls: dict[int, Pull] = {}
        self.calls: list[str] = []
        self.refuse_labels: str | None = None  # set: adding labels fails, for this reason
        self._faults: dict[str, list[PromoterError]] = {}
        self._hooks: list[_Hook] = []
        self.checks: dict[str, list[CommitCheck]] = {}  # by commit sha, in report order

    # ------------------------------------------------------------------ test-side knobs

    def fail_next(self, method: str, error: PromoterError, count: int = 1) -> None:
        """The next `count` calls of `method` raise `error` (after any hook due)."""
        self._faults.setdefault(method, []).extend([error] * count)

    def before(self, method: str, hook: Callable[[], object], *, nth: int = 1) -> None:
        """Run `hook` once, just before the nth call of `method` from now."""
        self._hooks.append(_Hook(method, hook, nth))

    def report(self, sha: str, name: str, detail: str, *, at: datetime | None = None,
               kind: str = "status") -> None:
        """The sync agent reports `detail` (success, pending, failure, error, in_progress, ...)
        for context (or check run) `name` on commit sha: it replaces that name's earlier
        report of the same kind."""
        state = {"success": SUCCESS, "pending": PENDING, "queued": PENDING,
                 "in_progress": PENDING}.get(detail, FAILURE)
        when = at or datetime.now(UTC)
        kept = [c for c in self.checks.get(sha, []) if (c.name, c.kind) != (name, kind)]
        check = CommitCheck(name, state, detail, when if state != PENDING else None, kind)
        self.checks[sha] = [*kept, check]

    def review(self, user: str, number: int, state: str) -> None:
        """`user` reviews the current head: APPROVED, CHANGES_REQUESTED, COMMENTED."""
        self._follow_git()
        pull = self.pulls[number]
        pull.reviews.append(Review(user, state, pull.head_sha))

    def merge_as_someone_else(self, number: int) -> None:
        self._follow_git()
        self._merge(self.pulls[number], "merge")

    def current(self, number: int) -> Pull:
        """Pull request `number` as it is now, following its branch."""
        self._follow_git()
        return self.pulls[number]

    def open_numbers(self) -> list[int]:
        self._follow_git()
        return [p.number for p in self.pulls.values() if p.state == "open"]

    # ------------------------------------------------------------------ the Protocol

    def find_open(self, *, head_prefix: str, base: str) -> PullRequest | None:
        self._enter("find_open")
        found = [p for p in self.pulls.values()
                 if p.state == "open" and p.base == base and p.head.startswith(head_prefix)]
        return min(found, key=lambda p: p.number).view() if found else None

    def find_latest(self, *, head: str, base: str) -> PullRequest | None:
        self._enter("find_latest")
        found = [p for p in self.pulls.values() if p.head == head and p.base == base]
        return max(found, key=lambda p: p.number).view() if found else None

    def open_pull_request(self, draft: Draft) -> PullRequest:
        self._enter("open_pull_request")
        head, base, title, body = draft.head, draft.base, draft.title, draft.body
        labels, reviewers, team_reviewers = draft.labels, draft.reviewers, draft.team_reviewers
        sha = self._tip(head)
        if sha is None:
            raise ForgeError(f"cannot open a pull request from {head}: no such branch")
        if any(p.state == "open" and (p.head, p.base) == (head, base)
               for p in self.pulls.values()):
            raise PullRequestExists(f"a pull request from {head} into {base} is open already")
        pull = Pull(len(self.pulls) + 1, head, sha, base, title, body)
        self.pulls[pull.number] = pull
        problems = self._decorate(pull, labels, reviewers, team_reviewers)
        if problems:
            raise PullRequestIncomplete(f"opened #{pull.number}, but: " + " ".join(problems),
                                        pull_request=pull.view(), problems=problems)
        return pull.view()

    def update_pull_request(self, number: int, *, title: str, body: str) -> PullRequest:
        self._enter("update_pull_request")
        pull = self._pull(number)
        pull.title, pull.body = title, body
        return pull.view()

    def get_pull_request(self, number: int) -> PullRequest:
        self._enter("get_pull_request")
        return self._pull(number).view()

    def status(self, number: int) -> PullRequestStatus:
        self._enter("status")
        pull = self._pull(number)
        approvals, changes = verdicts(pull.reviews, head_sha=pull.head_sha)
        return PullRequestStatus(pr=pull.view(), approvals=approvals, changes_requested=changes,
                                 mergeable=pull.mergeable,
                                 mergeable_state=None if pull.mergeable is None else "clean",
                                 auto_merge=pull.auto_merge)

    def enable_auto_merge(self, number: int, method: str) -> None:
        self._enter("enable_auto_merge")
        self._pull(number).auto_merge = method

    def merge(self, number: int, *, sha: str, method: str = "merge",
              commit_title: str | None = None) -> str:
        self._enter("merge")
        pull = self._pull(number)
        if pull.state != "open" or not pull.mergeable:
            raise ForgeError(f"pull request #{number} is not mergeable")
        if pull.head_sha != sha:
            raise ForgeError(f"pull request #{number} was not merged: its head is no longer {sha}")
        return self._merge(pull, method)

    def commit_checks(self, sha: str) -> tuple[CommitCheck, ...]:
        self._enter("commit_checks")
        return tuple(self.checks.get(sha, ()))

    # ------------------------------------------------------------------ inside

    def _enter(self, method: str) -> None:
        self.calls.append(method)
        for hook in [h for h in self._hooks if h.method == method]:
            hook.left -= 1
            if hook.left == 0:
                self._hooks.remove(hook)
                hook.run()
        self._follow_git()
        faults = self._faults.get(method)
        if faults:
            raise faults.pop(0)

    def _pull(self, number: int) -> Pull:
        if number not in self.pulls:
            raise ForgeError(f"pull request #{number} not found")
        return self.pulls[number]

    def _decorate(self, pull: Pull, labels: Sequence[str], reviewers: Sequence[str],
                  team_reviewers: Sequence[str]) -> list[str]:
        problems = []
        if labels and self.refuse_labels is not None:
            problems.append(f"labels {', '.join(labels)} not added: {self.refuse_labels}")
        elif labels:
            pull.labels = list(labels)
        strangers = [r for r in reviewers if r not in self.collaborators]
        if strangers:
            problems.append(f"review not requested from {', '.join(strangers)}")
        else:
            pull.reviewers, pull.team_reviewers = list(reviewers), list(team_reviewers)
        return problems

    def _follow_git(self) -> None:
        for pull in self.pulls.values():
            if pull.state == "open":
                tip = self._tip(pull.head)
                if tip is None:
                    pull.state = "closed"
                else:
                    pull.head_sha = tip

    def _merge(self, pull: Pull, method: str) -> str:
        base = self._tip(pull.base)
        assert base is not None, f"no base branch {pull.base}"
        tree = self._git("merge-tree", "--write-tree", base, pull.head_sha).splitlines()[0]
        parents = ["-p", base, "-p", pull.head_sha] if method == "merge" else ["-p", base]
        message = f"{pull.title} (#{pull.number})"
        sha = self._git("commit-tree", tree, *parents, "-m", message)
        self._git("update-ref", f"refs/heads/{pull.base}", sha, base)
        pull.state, pull.merged, pull.merge_commit_sha, pull.merge_method = (
            "closed", True, sha, method)
        return sha

    def _tip(self, branch: str) -> str | None:
        done = self._run("rev-parse", "--verify", "--quiet", f"refs/heads/{branch}")
        return done.stdout.strip() if done.returncode == 0 else None

    def _git(self, *args: str) -> str:
        done = self._run(*args)
        if done.returncode != 0:
            raise RuntimeError(f"the memory forge's git {' '.join(args)} failed: {done.stderr}")
        return done.stdout.strip()

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", *args], cwd=self.git_dir, capture_output=True, text=True,
                              check=False, env={**os.environ, **MERGER})
