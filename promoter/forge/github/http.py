"""The HTTP layer of the GitHub provider: one repository's REST API over httpx, with bounded
retries (promoter.retry) of 5xx answers, network errors and short rate limits, pagination that
follows Link headers only to the API's own origin, and every failure as a ForgeError saying what
failed, in which repository, and what to do. The token only ever goes into the Authorization
header and is masked in every message; what the server says reaches a message only through
promoter.sanitize.foreign (no control characters, at most 4 KiB).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from promoter.errors import ForgeError
from promoter.forge.github.bearer import Bearer
from promoter.retry import Attempt, RetryPolicy
from promoter.sanitize import foreign, one_line, redact
from promoter.webapi import (
    NOT_JSON,
    answer_message,
    header_number,
    json_body,
    transport_detail,
)

API_VERSION = "2022-11-28"
#: What a token needs for promotion pull requests (the 403 hint); statuses.py names its own.
PULL_REQUEST_PERMISSIONS = '"Pull requests: write" and "Contents: write"'

_LOG = logging.getLogger(__name__)
_MAX_PAGES = 50
_SECONDARY_RATE_LIMIT_WAIT = 60.0  # no headers: GitHub says wait at least a minute


@dataclass(frozen=True)
class Reply:
    response: httpx.Response
    retried: bool  # an earlier try failed: a POST or PUT may have taken effect already


@dataclass(frozen=True)
class Limits:
    """How hard to try: the retry policy of one request, and the longest rate-limit wait."""

    retry: RetryPolicy
    max_rate_limit_wait: float  # wait for a rate-limit reset at most this long, else fail
    timeout: float  # seconds, for each request


class GitHubAPI:
    """The REST API of one GitHub (or GitHub Enterprise) repository."""

    def __init__(self, owner: str, repo: str, token: str | Callable[[], str], *, api_url: str,
                 limits: Limits, now: Callable[[], float],
                 transport: httpx.BaseTransport | None = None) -> None:
        self.repository = f"{owner}/{repo}"
        self.api_url = api_url.rstrip("/")
        self._owner, self._repo = owner, repo
        self._auth = Bearer(token)
        self._limits = limits
        self._now = now
        self._client = httpx.Client(
            base_url=self.api_url,
            headers={
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": API_VERSION,
                "User-Agent": "promoter",
            },
            auth=self._auth,
            timeout=limits.timeout,
            follow_redirects=True,
            transport=transport,
        )

    def __repr__(self) -> str:
        return f"GitHubAPI(repository={self.repository!r}, api_url={self.mask(self.api_url)!r})"

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()

    def mask(self, text: str) -> str:
        """text without credentials and without the token."""
        return self._auth.mask(redact(text))

    def repo_path(self, *parts: str) -> str:
        segments = [quote(self._owner, safe=""), quote(self._repo, safe=""), *parts]
        return "/repos/" + "/".join(segments)

    def pull_path(self, number: int, *parts: str) -> str:
        return self.repo_path("pulls", str(number), *parts)

    # ------------------------------------------------------------------ requests

    def call(self, method: str, path: str, *, action: str, number: int | None = None,
             params: Mapping[str, str | int] | None = None, json: object = None,
             needs: str = PULL_REQUEST_PERMISSIONS) -> httpx.Response:
        """A successful answer, or ForgeError. `action` says what for ("merge pull request
        #3"); `number` names the pull request a 404 is about; `needs` the fine-grained
        permissions a 403 asks for."""
        reply = self.send(method, path, params=params, json=json, action=action)
        self.raise_for_status(reply.response, action=action, number=number, needs=needs)
        return reply.response

    def send(self, method: str, url: str, *, action: str,
             params: Mapping[str, str | int] | None = None, json: object = None) -> Reply:
        """One request with bounded retries of 5xx, network errors and short rate limits; the
        last answer, whatever its status."""
        retried = False
        for attempt in self._limits.retry.tries():
            try:
                response = self._client.request(method, url, params=params, json=json)
            except httpx.TransportError as exc:
                if attempt.last:
                    raise self._unreachable(exc, action, attempt.number) from None
                self._log_retry(f"{type(exc).__name__} on {method} {url}", attempt)
            except httpx.RequestError as exc:  # a body that does not decode, endless redirects
                raise self.unexpected(action, transport_detail(exc)) from None
            else:
                _LOG.debug("GitHub %s %s -> %d", method, self.mask(url), response.status_code)
                if attempt.last or not self._retrying(response, attempt):
                    return Reply(response, retried)
                self._log_retry(f"GitHub answered {response.status_code} to {method} {url}",
                                attempt)
            retried = True
        raise AssertionError("the retry policy ended without a last attempt")

    def _retrying(self, response: httpx.Response, attempt: Attempt) -> bool:
        """Whether to try again: a 5xx (after the policy's backoff), or a rate limit that
        resets within max_rate_limit_wait (after waiting for it)."""
        if is_rate_limited(response):
            wait = self._rate_limit_wait(response)
            if wait > self._limits.max_rate_limit_wait:
                return False
            attempt.wait_for(wait)
            return True
        return response.status_code >= 500

    def _log_retry(self, reason: str, attempt: Attempt) -> None:
        when = f" in {attempt.wait:.1f} s" if attempt.wait is not None else ""
        _LOG.info("%s; retrying%s", self.mask(reason), when)

    def _rate_limit_wait(self, response: httpx.Response) -> float:
        retry_after = header_number(response.headers.get("Retry-After"))
        if retry_after is not None:
            return max(retry_after, 0.0)
        reset = header_number(response.headers.get("X-RateLimit-Reset"))
        if response.headers.get("X-RateLimit-Remaining") == "0" and reset is not None:
            return max(reset - self._now(), 0.0) + 1.0
        return _SECONDARY_RATE_LIMIT_WAIT

    def paginate(self, path: str, *, params: Mapping[str, str | int], action: str,
                 number: int | None = None, key: str | None = None,
                 needs: str = PULL_REQUEST_PERMISSIONS) -> list[Any]:
        """Every item of a listing, page after page (100 per page, at most 50 pages). Each
        page is a list, or with `key`, an object holding the page's list under that key."""
        items: list[Any] = []
        url: str = path
        query: Mapping[str, str | int] | None = {**params, "per_page": 100}
        for _ in range(_MAX_PAGES):
            response = self.call("GET", url, params=query, action=action, number=number,
                                 needs=needs)
            items.extend(self._page(response, action, key))
            next_url = response.links.get("next", {}).get("url")
            if not next_url:
                return items
            url, query = self._same_origin(next_url, action), None
        raise ForgeError(
            self.mask(f"too many pages while trying to {action} in {self.repository} "
                      f"(more than {_MAX_PAGES * 100} items)")
        )

    def _page(self, response: httpx.Response, action: str, key: str | None) -> list[Any]:
        page = self.json(response, action) if response.content else None
        if key is not None:
            if not isinstance(page, dict):
                raise self.unexpected(action, "a page that is not a JSON object")
            page = page.get(key)
        if not isinstance(page, list):
            raise self.unexpected(action, "a page that is not a list" if key is None
                                  else f"a page without a list of {key}")
        return page

    def _same_origin(self, url: str, action: str) -> str:
        """Follow a Link only to the API's own origin: the token must not go anywhere else."""
        api = urlsplit(self.api_url)
        try:
            link = urlsplit(url)
            httpx.URL(url)
        except (ValueError, httpx.InvalidURL):
            raise self.unexpected(action, "a pagination link that is not a URL") from None
        if (link.scheme, link.netloc) != (api.scheme, api.netloc):
            raise self.unexpected(action, "a pagination link to another host "
                                  f"({foreign(link.netloc, 200)})")
        return url

    def json(self, response: httpx.Response, action: str) -> Any:
        """The answer's JSON, or ForgeError when it is not JSON (or nested past the parser)."""
        data = json_body(response)
        if data is NOT_JSON:
            raise self.unexpected(action, "a body that is not JSON")
        return data

    def json_object(self, response: httpx.Response, action: str) -> dict[str, Any]:
        data = self.json(response, action)
        if not isinstance(data, dict):
            raise self.unexpected(action, "a body that is not a JSON object")
        return data

    # ------------------------------------------------------------------ errors

    def unexpected(self, action: str, what: str) -> ForgeError:
        return ForgeError(
            self.mask(f"unexpected answer from the GitHub API at {self.api_url} while trying "
                      f"to {action} in {self.repository}: {what}"),
            hint="check PROMOTER_GITHUB_API_URL points at a GitHub REST API",
        )

    def _unreachable(self, exc: httpx.TransportError, action: str, attempts: int) -> ForgeError:
        detail = transport_detail(exc)
        return ForgeError(
            self.mask(f"cannot reach the GitHub API at {self.api_url} to {action} in "
                      f"{self.repository} after {attempts} attempts: {detail}"),
            hint="check the network, proxy settings and PROMOTER_GITHUB_API_URL",
        )

    def raise_for_status(self, response: httpx.Response, *, action: str,
                         number: int | None = None,
                         needs: str = PULL_REQUEST_PERMISSIONS) -> None:
        if response.is_success:
            return
        raise self.error(response, action=action, number=number, needs=needs)

    def error(self, response: httpx.Response, *, action: str, number: int | None,
              needs: str = PULL_REQUEST_PERMISSIONS) -> ForgeError:
        """The ForgeError for a failed answer: what GitHub said, and what to do about it."""
        error = self._describe(response, action=action, number=number, needs=needs)
        return ForgeError(self.mask(error.message), hint=error.hint)

    def _describe(self, response: httpx.Response, *, action: str, number: int | None,
                  needs: str) -> ForgeError:
        status = response.status_code
        message = github_message(response)
        where = f"{action} in {self.repository}"
        if status == 401:
            return ForgeError(
                f"GitHub rejected the token (401 {message}) while trying to {where}",
                hint="set PROMOTER_GITHUB_TOKEN (or GITHUB_TOKEN) to a valid, unexpired token",
            )
        if status in (403, 429) and is_rate_limited(response):
            return ForgeError(
                f"GitHub API rate limit exceeded while trying to {where}: "
                f"{self._rate_limit_reset(response)}",
                hint="wait until then and run again, or use a token with a higher rate limit",
            )
        if status == 403:
            return ForgeError(
                f"GitHub refused to {where} (403 {message}){_scopes(response)}",
                hint="the token needs the classic `repo` scope, or fine-grained permissions "
                f"{needs} on {self.repository}",
            )
        if status == 404:
            return self._not_found(action, number)
        return self._failed(response, where)

    def _failed(self, response: httpx.Response, where: str) -> ForgeError:
        status = response.status_code
        message = github_message(response)
        if status == 422:
            details = foreign("; ".join(validation_details(response)))
            return ForgeError(
                f"GitHub refused to {where}: {message}" + (f": {details}" if details else ""),
            )
        if status >= 500:
            return ForgeError(
                f"GitHub API failed to {where}: {status} {message} "
                f"(gave up after {self._limits.retry.attempts} attempts)",
                hint="GitHub may be degraded; see https://www.githubstatus.com and run again later",
            )
        return ForgeError(f"GitHub API answered {status} ({message}) while trying to {where}")

    def _not_found(self, action: str, number: int | None) -> ForgeError:
        hint = "check the git remote URL and that the token may read this repository"
        if number is None:
            return ForgeError(
                f"repository {self.repository} not found at {self.api_url}, or the token "
                f"cannot access it (while trying to {action})",
                hint=hint,
            )
        return ForgeError(
            f"pull request #{number} not found in {self.repository}, or the token cannot access "
            f"the repository (while trying to {action})",
            hint=hint,
        )

    def _rate_limit_reset(self, response: httpx.Response) -> str:
        retry_after = header_number(response.headers.get("Retry-After"))
        if retry_after is not None:
            return f"retry after {retry_after:.0f} s"
        reset = header_number(response.headers.get("X-RateLimit-Reset"))
        if reset is not None:
            try:
                when = datetime.fromtimestamp(reset, tz=UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
            except (OverflowError, OSError, ValueError):
                return "the limit resets at a time GitHub did not state clearly"
            return f"the limit resets at {when} (in {max(reset - self._now(), 0):.0f} s)"
        return "secondary rate limit; wait a few minutes"


def is_rate_limited(response: httpx.Response) -> bool:
    if response.status_code == 429:
        return True
    if response.status_code != 403:
        return False
    if response.headers.get("X-RateLimit-Remaining") == "0" or "Retry-After" in response.headers:
        return True
    return "rate limit" in github_message(response).lower()


def github_message(response: httpx.Response) -> str:
    """GitHub's `message`, else the first line of the body, else the reason phrase: one line
    without control characters, at most promoter.sanitize.MESSAGE_LIMIT characters."""
    return answer_message(response)


def validation_details(response: httpx.Response) -> list[str]:
    """One sentence per entry of a 422's `errors` (each one line, capped like github_message)."""
    data = json_body(response)
    errors = data.get("errors") if isinstance(data, dict) else None
    if not isinstance(errors, list):
        return []
    return [one_line(foreign(_validation_detail(e))) for e in errors]


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
    has, needs = (foreign(value, 200) if value else value for value in (has, needs))
    return f"; token scopes: {has or 'none'}; accepted scopes: {needs or 'not stated'}"
