"""GitHubProvider: the operations of PullRequestProvider on GitHub's REST API.

Finding, opening (with labels and review requests), updating, reading and merging promotion
pull requests of one repository, and reading a commit's statuses and check runs (statuses.py);
the HTTP, retries and error messages are promoter.forge.github.http's. A retried create or merge
that had in fact succeeded is recognised, not reported as a failure.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import httpx

from promoter.errors import ForgeError, UsageError
from promoter.forge.base import (
    CommitCheck,
    Draft,
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestStatus,
    Review,
    verdicts,
)
from promoter.forge.github.automerge import enable_auto_merge
from promoter.forge.github.hosts import DEFAULT_API_URL
from promoter.forge.github.http import (
    GitHubAPI,
    Limits,
    Reply,
    github_message,
    validation_details,
)
from promoter.forge.github.protection import describe_protection
from promoter.forge.github.statuses import commit_checks
from promoter.retry import RetryPolicy
from promoter.sanitize import foreign, one_line

MERGE_METHODS = ("merge", "squash", "rebase")

_LOG = logging.getLogger(__name__)


def _default_retry() -> RetryPolicy:
    """Four tries of one request, backing off up to 1, 2, 4 s (jittered), at most 30 s."""
    return RetryPolicy(attempts=4, base=1.0, cap=30.0)


class GitHubProvider:
    """PullRequestProvider for one GitHub (or GitHub Enterprise) repository."""

    def __init__(
        self,
        owner: str,
        repo: str,
        token: str | Callable[[], str],
        *,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        max_rate_limit_wait: float = 60.0,
        timeout: float = 30.0,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise UsageError(
                f"no GitHub token for {owner}/{repo}",
                hint="set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN",
            )
        self.owner = owner
        self.repo = repo
        limits = Limits(retry or _default_retry(), max_rate_limit_wait, timeout)
        self._api = GitHubAPI(owner, repo, token, api_url=api_url, limits=limits, now=now)

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"

    @property
    def api(self) -> GitHubAPI:
        """The API client (its token, host and retries), for GitHub calls beside pull requests
        (promoter.forge.github.commits)."""
        return self._api

    def __repr__(self) -> str:
        api_url = self._api.mask(self._api.api_url)
        return f"GitHubProvider(repository={self.repository!r}, api_url={api_url!r})"

    def shutdown(self) -> None:
        """Close the HTTP connection pool."""
        self._api.close()

    def __enter__(self) -> GitHubProvider:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    # ------------------------------------------------------------------ finding

    def find_open(self, *, head_prefix: str, base: str) -> PullRequest | None:
        """The open PR into `base` whose head branch, in this repository, starts with head_prefix.

        Pull requests from forks never match, even with a matching branch name. When several
        match, the oldest (lowest number) wins.
        """
        items = self._api.paginate(
            self._api.repo_path("pulls"),
            params={"state": "open", "base": base, "sort": "created", "direction": "asc"},
            action=f"list open pull requests into {base}",
        )
        matches = [item for item in items if self._is_own_head(item, head_prefix)]
        pulls = sorted((self._pull_request(m, "list pull requests") for m in matches),
                       key=lambda pr: pr.number)
        if len(pulls) > 1:
            _LOG.warning(
                "%d open pull requests match %s* in %s; using #%d",
                len(pulls), head_prefix, self.repository, pulls[0].number,
            )
        return pulls[0] if pulls else None

    def find_latest(self, *, head: str, base: str) -> PullRequest | None:
        """The newest PR into `base` from this repository's branch `head`, in any state."""
        items = self._api.paginate(
            self._api.repo_path("pulls"),
            params={"state": "all", "base": base, "head": f"{self.owner}:{head}",
                    "sort": "created", "direction": "desc"},
            action=f"list pull requests from {head} into {base}",
        )
        pulls = [self._pull_request(item, "list pull requests") for item in items
                 if self._is_own_head(item, head)]
        exact = [pr for pr in pulls if pr.head_branch == head]
        return max(exact, key=lambda pr: pr.number) if exact else None

    def _is_own_head(self, item: object, head_prefix: str) -> bool:
        if not isinstance(item, dict):
            raise self._api.unexpected("list pull requests", "a pull request that is not an object")
        head = item.get("head")
        if not isinstance(head, dict):
            return False
        repo = head.get("repo")
        full_name = repo.get("full_name") if isinstance(repo, dict) else None
        ref = head.get("ref")
        return (
            isinstance(ref, str)
            and ref.startswith(head_prefix)
            and isinstance(full_name, str)
            and full_name.lower() == self.repository.lower()
        )

    # ------------------------------------------------------------------ opening, updating

    def open_pull_request(self, draft: Draft) -> PullRequest:
        head, base = draft.head, draft.base
        action = f"open a pull request from {head} into {base}"
        payload = {"title": draft.title, "head": head, "base": base, "body": draft.body}
        reply = self._api.send("POST", self._api.repo_path("pulls"), json=payload, action=action)
        pr = self._recover_created(reply, head=head, base=base)
        if pr is None:
            if _already_exists(reply.response):
                error = self._api.error(reply.response, action=action, number=None)
                raise PullRequestExists(error.message,
                                        hint=f"update the open pull request from {head} instead")
            self._api.raise_for_status(reply.response, action=action)
            pr = self._pull_request(self._api.json_object(reply.response, action), action)
        self._decorate(pr, labels=draft.labels, reviewers=draft.reviewers,
                       team_reviewers=draft.team_reviewers)
        return pr

    def _recover_created(self, reply: Reply, *, head: str, base: str) -> PullRequest | None:
        """After a retried POST, "already exists" means our first try did create the PR."""
        if not (reply.retried and _already_exists(reply.response)):
            return None
        action = f"find the pull request from {head}"
        items = self._api.paginate(
            self._api.repo_path("pulls"),
            params={"state": "open", "head": f"{self.owner}:{head}", "base": base},
            action=action,
        )
        pulls = [self._pull_request(item, action) for item in items]
        return min(pulls, key=lambda pr: pr.number) if pulls else None

    def _decorate(self, pr: PullRequest, *, labels: Sequence[str], reviewers: Sequence[str],
                  team_reviewers: Sequence[str]) -> None:
        """Label the new PR and request reviews; each is tried even when the other failed.
        PullRequestIncomplete (carrying the open PR) names what is missing."""
        problems: list[str] = []
        if labels:
            problems += self._try(
                self._api.repo_path("issues", str(pr.number), "labels"),
                json={"labels": list(labels)}, number=pr.number,
                action=f"add labels to pull request #{pr.number}",
                todo=f"add {_plural('label', labels)} yourself",
            )
        if reviewers or team_reviewers:
            names = [*reviewers, *(f"team {t}" for t in team_reviewers)]
            problems += self._try(
                self._api.pull_path(pr.number, "requested_reviewers"),
                json={"reviewers": list(reviewers), "team_reviewers": list(team_reviewers)},
                number=pr.number, action=f"request reviewers on pull request #{pr.number}",
                todo=f"request review from {', '.join(names)} yourself",
            )
        if problems:
            raise PullRequestIncomplete(
                self._api.mask(f"opened pull request #{pr.number} ({pr.url}) but then failed: "
                               + " ".join(problems)),
                pull_request=pr, problems=[self._api.mask(p) for p in problems],
                hint="the pull request is open; complete it by hand, or fix the token's "
                "permissions (and pr: in promoter.yaml) for the next one",
            )

    def _try(self, path: str, *, json: object, number: int, action: str,
             todo: str) -> list[str]:
        """[] when the POST succeeds, else one sentence: what failed and what to do."""
        try:
            self._api.call("POST", path, json=json, action=action, number=number)
        except ForgeError as error:
            return [f"{error.message.rstrip('.')}; {todo}, or fix the token's permissions."]
        return []

    def update_pull_request(self, number: int, *, title: str, body: str) -> PullRequest:
        action = f"update pull request #{number}"
        response = self._api.call(
            "PATCH", self._api.pull_path(number), json={"title": title, "body": body},
            action=action, number=number,
        )
        return self._pull_request(self._api.json_object(response, action), action)

    # ------------------------------------------------------------------ reading

    def get_pull_request(self, number: int) -> PullRequest:
        return self._pull_request(*self._get_pull(number))

    def status(self, number: int) -> PullRequestStatus:
        data, action = self._get_pull(number)
        pr = self._pull_request(data, action)
        approvals, changes = verdicts(self._reviews(number), head_sha=pr.head_sha)
        mergeable = data.get("mergeable")
        mergeable_state = data.get("mergeable_state")
        return PullRequestStatus(
            pr=pr,
            approvals=approvals,
            changes_requested=changes,
            mergeable=mergeable if isinstance(mergeable, bool) else None,
            mergeable_state=mergeable_state if isinstance(mergeable_state, str) else None,
            auto_merge=_auto_merge_method(data.get("auto_merge")),
        )

    def enable_auto_merge(self, number: int, method: str) -> None:
        enable_auto_merge(self._api, self.owner, self.repo, number, method)

    def describe_protection(self, branch: str) -> str:
        """What the protection of `branch` requires, or why it could not be read."""
        return describe_protection(self._api, branch)

    def _get_pull(self, number: int) -> tuple[dict[str, Any], str]:
        action = f"read pull request #{number}"
        response = self._api.call("GET", self._api.pull_path(number), action=action,
                                  number=number)
        return self._api.json_object(response, action), action

    def _reviews(self, number: int) -> list[Review]:
        action = f"read the reviews of pull request #{number}"
        items = self._api.paginate(self._api.pull_path(number, "reviews"), params={},
                                   action=action, number=number)
        return [self._review(item, action) for item in items]

    def _review(self, item: object, action: str) -> Review:
        if not isinstance(item, dict) or not isinstance(item.get("state"), str):
            raise self._api.unexpected(action, "a review without a state")
        user = item.get("user")
        login = user.get("login") if isinstance(user, dict) else None
        commit = item.get("commit_id")
        return Review(
            user=login if isinstance(login, str) else "ghost",
            state=item["state"].upper(),
            commit_id=commit if isinstance(commit, str) else None,
        )

    def _pull_request(self, data: object, action: str) -> PullRequest:
        if not isinstance(data, dict):
            raise self._api.unexpected(action, "a pull request that is not an object")
        try:
            head, base = data["head"], data["base"]
            merged = data.get("merged", data.get("merged_at") is not None)
            return PullRequest(
                number=int(data["number"]),
                url=str(data["html_url"]),
                head_branch=str(head["ref"]),
                head_sha=str(head["sha"]),
                base_branch=str(base["ref"]),
                title=str(data["title"]),
                state=str(data["state"]),
                merged=bool(merged),
                draft=bool(data.get("draft") or False),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            what = f"a pull request without {exc}" if isinstance(exc, KeyError) else (
                "a pull request field of the wrong type")
            raise self._api.unexpected(action, one_line(foreign(what, 200))) from None

    def commit_checks(self, sha: str) -> tuple[CommitCheck, ...]:
        return commit_checks(self._api, sha)

    # ------------------------------------------------------------------ merging

    def merge(
        self, number: int, *, sha: str, method: str = "merge", commit_title: str | None = None
    ) -> str:
        if method not in MERGE_METHODS:
            raise UsageError(
                f"unknown merge method {method!r}", hint=f"use one of {', '.join(MERGE_METHODS)}"
            )
        action = f"merge pull request #{number}"
        payload = {"sha": sha, "merge_method": method}
        if commit_title is not None:
            payload["commit_title"] = commit_title
        reply = self._api.send("PUT", self._api.pull_path(number, "merge"), json=payload,
                               action=action)
        recovered = self._recover_merged(reply, number, sha)
        if recovered is not None:
            return recovered
        self._refuse_unmerged(reply.response, number, sha)
        self._api.raise_for_status(reply.response, action=action, number=number)
        data = self._api.json_object(reply.response, action)
        if data.get("merged") is not True or not isinstance(data.get("sha"), str):
            raise ForgeError(
                self._api.mask(f"GitHub did not merge pull request #{number} in "
                               f"{self.repository}: {_reason(data)}")
            )
        return str(data["sha"])

    def _refuse_unmerged(self, response: httpx.Response, number: int, sha: str) -> None:
        """ForgeError for GitHub's 409 (the head moved) and 405 (not mergeable)."""
        where = f"pull request #{number} in {self.repository}"
        if response.status_code == 409:
            raise ForgeError(
                self._api.mask(f"{where} was not merged: its head is no longer {sha} "
                               f"({github_message(response)})"),
                hint="someone pushed to the promotion branch; review the new head, then merge",
            )
        if response.status_code == 405:
            raise ForgeError(
                self._api.mask(f"{where} is not mergeable: {github_message(response)}"),
                hint="check required reviews, status checks and conflicts (promoter pr-status)",
            )

    def _recover_merged(self, reply: Reply, number: int, sha: str) -> str | None:
        """After a retried PUT, "not mergeable" may mean our first try merged it."""
        if not (reply.retried and reply.response.status_code in (405, 409)):
            return None
        data, _ = self._get_pull(number)
        head = data.get("head")
        merge_sha = data.get("merge_commit_sha")
        if (
            data.get("merged") is True
            and isinstance(head, dict)
            and head.get("sha") == sha
            and isinstance(merge_sha, str)
        ):
            return merge_sha
        return None


def _auto_merge_method(value: object) -> str | None:
    method = value.get("merge_method") if isinstance(value, dict) else None
    return method if isinstance(method, str) else None


def _already_exists(response: httpx.Response) -> bool:
    """GitHub's 422 for a second open pull request from the same head into the same base."""
    return bool(response.status_code == 422 and any(
        "already exists" in detail for detail in validation_details(response)))


def _reason(data: dict[str, Any]) -> str:
    """The `message` of GitHub's answer to a merge, fit for an error message."""
    message = data.get("message")
    return one_line(foreign(message)) if isinstance(message, str) and message else (
        "no reason given")


def _plural(noun: str, names: Sequence[str]) -> str:
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}"
