"""GitHub pull requests over the REST API (httpx, synchronous client).

Every failure becomes a ForgeError whose message says what failed, in which repository, and
what to do. The token is only ever placed in the Authorization header: it is masked in every
message, absent from repr(), and never logged.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from promoter.errors import ForgeError, UsageError
from promoter.forge.base import (
    PullRequest,
    PullRequestExists,
    PullRequestIncomplete,
    PullRequestStatus,
    Review,
    verdicts,
)
from promoter.sanitize import redact

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MERGE_METHODS = ("merge", "squash", "rebase")
TOKEN_VARIABLES = ("PROMOTER_GITHUB_TOKEN", "GITHUB_TOKEN")

_LOG = logging.getLogger(__name__)
_MAX_PAGES = 50
_PUBLIC_HOSTS = frozenset({"github.com", "www.github.com", "ssh.github.com"})
_OTHER_FORGES = frozenset(
    {"gitlab.com", "bitbucket.org", "codeberg.org", "dev.azure.com", "ssh.dev.azure.com"}
)
_REMOTE_SCHEMES = frozenset({"https", "http", "ssh", "git", "git+ssh", "ssh+git"})
_SCP_LIKE = re.compile(r"^(?:[^@/\s]+@)?(?P<host>[^:/\s]+):(?P<path>[^\s]+)$")
_OWNER = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$")
_REPO = re.compile(r"^[A-Za-z0-9._-]+$")


# --------------------------------------------------------------------------- helpers


def repository_from_remote_url(url: str) -> tuple[str, str] | None:
    """(owner, repo) of a GitHub or GitHub Enterprise remote URL, or None if it is not one.

    Accepts ssh://git@host[:port]/o/r(.git), git@host:o/r(.git), https://[cred@]host/o/r(.git).
    """
    location = _host_and_path(url.strip())
    if location is None:
        return None
    host, path = location
    if host.lower() in _OTHER_FORGES:
        return None
    return _owner_and_repo(path)


def api_url_from_remote_url(url: str) -> str | None:
    """https://api.github.com for a github.com remote; None for every other remote.

    Only github.com is inferred: a host name alone does not prove a server is GitHub
    Enterprise, and the token must never be sent to a GitLab, Gitea or Bitbucket server. Any
    other host needs its API URL given explicitly (PROMOTER_GITHUB_API_URL).
    """
    host = remote_host(url)
    if host is None or host not in _PUBLIC_HOSTS or repository_from_remote_url(url) is None:
        return None
    return DEFAULT_API_URL


def remote_host(url: str) -> str | None:
    """The host of an ssh, git or http(s) remote URL (lower case), None for anything else."""
    location = _host_and_path(url.strip())
    return location[0].lower() if location is not None else None


def token_from_env(environ: Mapping[str, str]) -> str | None:
    """The token from PROMOTER_GITHUB_TOKEN, else GITHUB_TOKEN; None when neither is set."""
    for name in TOKEN_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            return value
    return None


def _host_and_path(url: str) -> tuple[str, str] | None:
    if "://" in url:
        parts = urlsplit(url)
        if parts.scheme.lower() not in _REMOTE_SCHEMES or not parts.hostname:
            return None
        return parts.hostname, parts.path
    match = _SCP_LIKE.match(url)
    if match is None:
        return None
    return match["host"], match["path"]


def _owner_and_repo(path: str) -> tuple[str, str] | None:
    path = path.strip("/")
    if path.endswith(".git"):
        path = path[: -len(".git")]
    segments = path.split("/")
    if len(segments) != 2:
        return None
    owner, repo = segments
    if not _OWNER.match(owner) or not _REPO.match(repo) or repo in (".", ".."):
        return None
    return owner, repo


class _Secret:
    """Holds the token; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. `attempts` counts every try of one request (5xx, network, rate limit)."""

    attempts: int = 4
    backoff: float = 1.0  # first pause after a 5xx or network error; doubles each time
    max_backoff: float = 30.0
    max_rate_limit_wait: float = 60.0  # wait for a rate-limit reset at most this long, else fail


@dataclass(frozen=True)
class _Reply:
    response: httpx.Response
    retried: bool


# --------------------------------------------------------------------------- provider


class GitHubProvider:
    """PullRequestProvider for one GitHub (or GitHub Enterprise) repository."""

    def __init__(
        self,
        owner: str,
        repo: str,
        token: str,
        *,
        api_url: str = DEFAULT_API_URL,
        retry: RetryPolicy | None = None,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        if not token:
            raise UsageError(
                f"no GitHub token for {owner}/{repo}",
                hint="set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN",
            )
        self.owner = owner
        self.repo = repo
        self._token = _Secret(token)
        self._api_url = api_url.rstrip("/")
        self._retry = retry or RetryPolicy()
        self._sleep = sleep
        self._now = now
        self._client = httpx.Client(
            base_url=self._api_url,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "Authorization": f"Bearer {token}",
                "User-Agent": "promoter",
            },
            timeout=timeout,
            follow_redirects=True,
        )

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.repo}"

    def __repr__(self) -> str:
        api_url = self._mask(self._api_url)
        return f"GitHubProvider(repository={self.repository!r}, api_url={api_url!r})"

    def shutdown(self) -> None:
        """Close the HTTP connection pool (close() is taken: it closes a pull request)."""
        self._client.close()

    def __enter__(self) -> GitHubProvider:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.shutdown()

    # ------------------------------------------------------------------ the Protocol

    def find_open(self, *, head_prefix: str, base: str) -> PullRequest | None:
        """The open PR into `base` whose head branch, in this repository, starts with head_prefix.

        Pull requests from forks never match, even with a matching branch name. When several
        match, the oldest (lowest number) wins.
        """
        items = self._paginate(
            self._repo_path("pulls"),
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
        items = self._paginate(
            self._repo_path("pulls"),
            params={"state": "all", "base": base, "head": f"{self.owner}:{head}",
                    "sort": "created", "direction": "desc"},
            action=f"list pull requests from {head} into {base}",
        )
        pulls = [self._pull_request(item, "list pull requests") for item in items
                 if self._is_own_head(item, head)]
        exact = [pr for pr in pulls if pr.head_branch == head]
        return max(exact, key=lambda pr: pr.number) if exact else None

    def open_pull_request(
        self,
        *,
        head: str,
        base: str,
        title: str,
        body: str,
        labels: Sequence[str],
        reviewers: Sequence[str],
        team_reviewers: Sequence[str],
    ) -> PullRequest:
        action = f"open a pull request from {head} into {base}"
        payload = {"title": title, "head": head, "base": base, "body": body}
        reply = self._send("POST", self._repo_path("pulls"), json=payload, action=action)
        pr = self._recover_created(reply, head=head, base=base)
        if pr is None:
            if _already_exists(reply.response):
                error = self._error(reply.response, action=action, number=None)
                raise PullRequestExists(
                    self._mask(error.message),
                    hint=f"update the open pull request from {head} instead",
                )
            self._raise_for_status(reply.response, action=action)
            pr = self._pull_request(self._json(reply.response, action), action)
        self._decorate(pr, labels=labels, reviewers=reviewers, team_reviewers=team_reviewers)
        return pr

    def update_pull_request(self, number: int, *, title: str, body: str) -> PullRequest:
        action = f"update pull request #{number}"
        response = self._call(
            "PATCH", self._pull_path(number), json={"title": title, "body": body},
            action=action, number=number,
        )
        return self._pull_request(self._json(response, action), action)

    def get_pull_request(self, number: int) -> PullRequest:
        return self._pull_request(*self._get_pull(number))

    def status(self, number: int) -> PullRequestStatus:
        data, action = self._get_pull(number)
        pr = self._pull_request(data, action)
        reviews = self._reviews(number)
        approvals, changes = verdicts(reviews, head_sha=pr.head_sha)
        mergeable = data.get("mergeable")
        mergeable_state = data.get("mergeable_state")
        return PullRequestStatus(
            pr=pr,
            approvals=approvals,
            changes_requested=changes,
            mergeable=mergeable if isinstance(mergeable, bool) else None,
            mergeable_state=mergeable_state if isinstance(mergeable_state, str) else None,
        )

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
        reply = self._send("PUT", self._pull_path(number, "merge"), json=payload, action=action)
        response = reply.response
        recovered = self._recover_merged(reply, number, sha)
        if recovered is not None:
            return recovered
        if response.status_code == 409:
            raise ForgeError(
                self._mask(
                    f"pull request #{number} in {self.repository} was not merged: its head is "
                    f"no longer {sha} ({_github_message(response)})"
                ),
                hint="someone pushed to the promotion branch; review the new head, then merge",
            )
        if response.status_code == 405:
            raise ForgeError(
                self._mask(
                    f"pull request #{number} in {self.repository} is not mergeable: "
                    f"{_github_message(response)}"
                ),
                hint="check required reviews, status checks and conflicts (promoter pr-status)",
            )
        self._raise_for_status(response, action=action, number=number)
        data = self._json(response, action)
        if data.get("merged") is not True or not isinstance(data.get("sha"), str):
            raise ForgeError(
                self._mask(f"GitHub did not merge pull request #{number} in {self.repository}: "
                           f"{data.get('message', 'no reason given')}")
            )
        return str(data["sha"])

    def close(self, number: int) -> None:
        self._call(
            "PATCH", self._pull_path(number), json={"state": "closed"},
            action=f"close pull request #{number}", number=number,
        )

    # ------------------------------------------------------------------ endpoints

    def _get_pull(self, number: int) -> tuple[dict[str, Any], str]:
        action = f"read pull request #{number}"
        response = self._call("GET", self._pull_path(number), action=action, number=number)
        return self._json(response, action), action

    def _reviews(self, number: int) -> list[Review]:
        action = f"read the reviews of pull request #{number}"
        items = self._paginate(self._pull_path(number, "reviews"), params={}, action=action,
                               number=number)
        reviews = []
        for item in items:
            if not isinstance(item, dict) or not isinstance(item.get("state"), str):
                raise self._unexpected(action, "a review without a state")
            user = item.get("user")
            login = user.get("login") if isinstance(user, dict) else None
            commit = item.get("commit_id")
            reviews.append(Review(
                user=login if isinstance(login, str) else "ghost",
                state=item["state"].upper(),
                commit_id=commit if isinstance(commit, str) else None,
            ))
        return reviews

    def _decorate(
        self,
        pr: PullRequest,
        *,
        labels: Sequence[str],
        reviewers: Sequence[str],
        team_reviewers: Sequence[str],
    ) -> None:
        """Label the new PR and request reviews; each is tried even when the other failed.
        PullRequestIncomplete (carrying the open PR) names what is missing."""
        problems: list[str] = []
        if labels:
            problems += self._try(
                "POST", self._repo_path("issues", str(pr.number), "labels"),
                json={"labels": list(labels)}, number=pr.number,
                action=f"add labels to pull request #{pr.number}",
                todo=f"add {_plural('label', labels)} yourself",
            )
        if reviewers or team_reviewers:
            names = [*reviewers, *(f"team {t}" for t in team_reviewers)]
            problems += self._try(
                "POST", self._pull_path(pr.number, "requested_reviewers"),
                json={"reviewers": list(reviewers), "team_reviewers": list(team_reviewers)},
                number=pr.number, action=f"request reviewers on pull request #{pr.number}",
                todo=f"request review from {', '.join(names)} yourself",
            )
        if problems:
            raise PullRequestIncomplete(
                self._mask(f"opened pull request #{pr.number} ({pr.url}) but then failed: "
                           + " ".join(problems)),
                pull_request=pr, problems=[self._mask(p) for p in problems],
                hint="the pull request is open; complete it by hand, or fix the token's "
                "permissions (and pr: in promoter.yaml) for the next one",
            )

    def _try(self, method: str, path: str, *, json: object, number: int, action: str,
             todo: str) -> list[str]:
        """[] when the call succeeds, else one sentence: what failed and what to do."""
        try:
            self._call(method, path, json=json, action=action, number=number)
        except ForgeError as error:
            return [f"{error.message.rstrip('.')}; {todo}, or fix the token's permissions."]
        return []

    def _recover_created(self, reply: _Reply, *, head: str, base: str) -> PullRequest | None:
        """After a retried POST, "already exists" means our first try did create the PR."""
        response = reply.response
        if not (reply.retried and response.status_code == 422):
            return None
        if "already exists" not in " ".join(_validation_details(response)):
            return None
        action = f"find the pull request from {head}"
        items = self._paginate(
            self._repo_path("pulls"),
            params={"state": "open", "head": f"{self.owner}:{head}", "base": base},
            action=action,
        )
        pulls = [self._pull_request(item, action) for item in items]
        return min(pulls, key=lambda pr: pr.number) if pulls else None

    def _recover_merged(self, reply: _Reply, number: int, sha: str) -> str | None:
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

    def _is_own_head(self, item: object, head_prefix: str) -> bool:
        if not isinstance(item, dict):
            raise self._unexpected("list pull requests", "a pull request that is not an object")
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

    # ------------------------------------------------------------------ HTTP

    def _repo_path(self, *parts: str) -> str:
        segments = [quote(self.owner, safe=""), quote(self.repo, safe=""), *parts]
        return "/repos/" + "/".join(segments)

    def _pull_path(self, number: int, *parts: str) -> str:
        return self._repo_path("pulls", str(number), *parts)

    def _call(
        self,
        method: str,
        path: str,
        *,
        action: str,
        number: int | None = None,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
    ) -> httpx.Response:
        reply = self._send(method, path, params=params, json=json, action=action)
        self._raise_for_status(reply.response, action=action, number=number)
        return reply.response

    def _send(
        self,
        method: str,
        url: str,
        *,
        action: str,
        params: Mapping[str, str | int] | None = None,
        json: object = None,
    ) -> _Reply:
        """One request with bounded retries of 5xx, network errors and short rate limits."""
        retried = False
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self._client.request(method, url, params=params, json=json)
            except httpx.TransportError as exc:
                if attempt >= self._retry.attempts:
                    raise self._unreachable(exc, action, attempt) from None
                self._pause(self._backoff(attempt), f"{type(exc).__name__} on {method} {url}")
                retried = True
                continue
            _LOG.debug("GitHub %s %s -> %d", method, self._mask(url), response.status_code)
            wait = self._retry_wait(response, attempt)
            if wait is None:
                return _Reply(response, retried)
            self._pause(wait, f"GitHub answered {response.status_code} to {method} {url}")
            retried = True

    def _retry_wait(self, response: httpx.Response, attempt: int) -> float | None:
        """Seconds to wait before trying again, or None to stop and use this response."""
        if attempt >= self._retry.attempts:
            return None
        if _is_rate_limited(response):
            wait = self._rate_limit_wait(response)
            return wait if wait <= self._retry.max_rate_limit_wait else None
        if response.status_code >= 500:
            return self._backoff(attempt)
        return None

    def _backoff(self, attempt: int) -> float:
        return float(min(self._retry.backoff * 2 ** (attempt - 1), self._retry.max_backoff))

    def _pause(self, seconds: float, reason: str) -> None:
        _LOG.info("%s; retrying in %.1f s", self._mask(reason), seconds)
        self._sleep(seconds)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        retry_after = _number(response.headers.get("Retry-After"))
        if retry_after is not None:
            return max(retry_after, 0.0)
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if response.headers.get("X-RateLimit-Remaining") == "0" and reset is not None:
            return max(reset - self._now(), 0.0) + 1.0
        return 60.0  # secondary rate limit without headers: GitHub says wait at least a minute

    def _paginate(
        self,
        path: str,
        *,
        params: Mapping[str, str | int],
        action: str,
        number: int | None = None,
    ) -> list[Any]:
        items: list[Any] = []
        url: str = path
        query: Mapping[str, str | int] | None = {**params, "per_page": 100}
        for _ in range(_MAX_PAGES):
            response = self._call("GET", url, params=query, action=action, number=number)
            page = response.json() if response.content else None
            if not isinstance(page, list):
                raise self._unexpected(action, "a page that is not a list")
            items.extend(page)
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return items
            url, query = self._same_origin(next_url, action), None
        raise ForgeError(
            self._mask(f"too many pages while trying to {action} in {self.repository} "
                       f"(more than {_MAX_PAGES * 100} items)")
        )

    def _same_origin(self, url: str, action: str) -> str:
        """Follow a Link only to the API's own origin: the token must not go anywhere else."""
        api = urlsplit(self._api_url)
        link = urlsplit(url)
        if (link.scheme, link.netloc) != (api.scheme, api.netloc):
            raise self._unexpected(action, f"a pagination link to another host ({link.netloc})")
        return url

    # ------------------------------------------------------------------ errors

    def _mask(self, text: str) -> str:
        return redact(text).replace(self._token.reveal(), "***")

    def _json(self, response: httpx.Response, action: str) -> dict[str, Any]:
        try:
            data = response.json()
        except ValueError:
            raise self._unexpected(action, "a body that is not JSON") from None
        if not isinstance(data, dict):
            raise self._unexpected(action, "a body that is not a JSON object")
        return data

    def _pull_request(self, data: object, action: str) -> PullRequest:
        if not isinstance(data, dict):
            raise self._unexpected(action, "a pull request that is not an object")
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
        except (KeyError, TypeError, ValueError) as exc:
            raise self._unexpected(action, f"a pull request without {exc}") from None

    def _unexpected(self, action: str, what: str) -> ForgeError:
        return ForgeError(
            self._mask(f"unexpected answer from the GitHub API at {self._api_url} while trying "
                       f"to {action} in {self.repository}: {what}"),
            hint="check PROMOTER_GITHUB_API_URL points at a GitHub REST API",
        )

    def _unreachable(self, exc: httpx.TransportError, action: str, attempts: int) -> ForgeError:
        detail = str(exc) or type(exc).__name__
        return ForgeError(
            self._mask(f"cannot reach the GitHub API at {self._api_url} to {action} in "
                       f"{self.repository} after {attempts} attempts: {detail}"),
            hint="check the network, proxy settings and PROMOTER_GITHUB_API_URL",
        )

    def _raise_for_status(
        self, response: httpx.Response, *, action: str, number: int | None = None
    ) -> None:
        if response.is_success:
            return
        error = self._error(response, action=action, number=number)
        raise ForgeError(self._mask(error.message), hint=error.hint)

    def _error(self, response: httpx.Response, *, action: str, number: int | None) -> ForgeError:
        status = response.status_code
        message = _github_message(response)
        where = f"{action} in {self.repository}"
        if status == 401:
            return ForgeError(
                f"GitHub rejected the token (401 {message}) while trying to {where}",
                hint="set PROMOTER_GITHUB_TOKEN (or GITHUB_TOKEN) to a valid, unexpired token",
            )
        if status in (403, 429) and _is_rate_limited(response):
            return ForgeError(
                f"GitHub API rate limit exceeded while trying to {where}: "
                f"{self._rate_limit_reset(response)}",
                hint="wait until then and run again, or use a token with a higher rate limit",
            )
        if status == 403:
            return ForgeError(
                f"GitHub refused to {where} (403 {message}){_scopes(response)}",
                hint='the token needs the classic `repo` scope, or fine-grained permissions '
                f'"Pull requests: write" and "Contents: write" on {self.repository}',
            )
        if status == 404:
            return self._not_found(action, number)
        if status == 422:
            details = "; ".join(_validation_details(response))
            return ForgeError(
                f"GitHub refused to {where}: {message}" + (f": {details}" if details else ""),
            )
        if status >= 500:
            return ForgeError(
                f"GitHub API failed to {where}: {status} {message} "
                f"(gave up after {self._retry.attempts} attempts)",
                hint="GitHub may be degraded; see https://www.githubstatus.com and run again later",
            )
        return ForgeError(f"GitHub API answered {status} ({message}) while trying to {where}")

    def _not_found(self, action: str, number: int | None) -> ForgeError:
        hint = "check the git remote URL and that the token may read this repository"
        if number is None:
            return ForgeError(
                f"repository {self.repository} not found at {self._api_url}, or the token "
                f"cannot access it (while trying to {action})",
                hint=hint,
            )
        return ForgeError(
            f"pull request #{number} not found in {self.repository}, or the token cannot access "
            f"the repository (while trying to {action})",
            hint=hint,
        )

    def _rate_limit_reset(self, response: httpx.Response) -> str:
        retry_after = _number(response.headers.get("Retry-After"))
        if retry_after is not None:
            return f"retry after {retry_after:.0f} s"
        reset = _number(response.headers.get("X-RateLimit-Reset"))
        if reset is not None:
            when = datetime.fromtimestamp(reset, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            return f"the limit resets at {when} (in {max(reset - self._now(), 0):.0f} s)"
        return "secondary rate limit; wait a few minutes"


def _is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if response.headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in response.headers:
        return True
    return "rate limit" in _github_message(response).lower()


def _number(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _body(response: httpx.Response) -> object:
    try:
        return response.json()
    except ValueError:
        return None


def _github_message(response: httpx.Response) -> str:
    data = _body(response)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return str(data["message"])
    text = response.text.strip().splitlines()
    return text[0][:200] if text else response.reason_phrase


def _already_exists(response: httpx.Response) -> bool:
    """GitHub's 422 for a second open pull request from the same head into the same base."""
    return response.status_code == 422 and any(
        "already exists" in detail for detail in _validation_details(response))


def _plural(noun: str, names: Sequence[str]) -> str:
    return f"{noun}{'s' if len(names) > 1 else ''} {', '.join(names)}"


def _validation_details(response: httpx.Response) -> list[str]:
    data = _body(response)
    errors = data.get("errors") if isinstance(data, dict) else None
    return [_validation_detail(e) for e in errors] if isinstance(errors, list) else []


def _validation_detail(error: object) -> str:
    if isinstance(error, str):
        return error
    if not isinstance(error, dict):
        return str(error)
    if isinstance(error.get("message"), str):
        return str(error["message"])
    parts: Iterable[object] = (error.get("resource"), error.get("field"), error.get("code"))
    return " ".join(str(p) for p in parts if p)


def _scopes(response: httpx.Response) -> str:
    has = response.headers.get("X-OAuth-Scopes")
    needs = response.headers.get("X-Accepted-OAuth-Scopes")
    if has is None and needs is None:
        return ""
    return f"; token scopes: {has or 'none'}; accepted scopes: {needs or 'not stated'}"
