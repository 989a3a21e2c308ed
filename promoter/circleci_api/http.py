"""The HTTP layer of the CircleCI API v2 client: GET requests over httpx with bounded retries
(promoter.retry) of 5xx answers, network errors and short rate limits, pagination by
`next_page_token`, and every failure as a CircleCIError saying what failed and what to do.

The token only ever goes into the Circle-Token header, to the API URL promoter was given:
redirects are not followed (a custom header would travel along to another host), and the token
is masked in every message. What the server says reaches a message only through
promoter.sanitize.foreign.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from types import TracebackType
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from promoter.circleci_api.settings import API_URL_VARIABLE, AUTH_HINT
from promoter.errors import CircleCIError
from promoter.retry import Attempt, RetryPolicy
from promoter.sanitize import foreign, redact
from promoter.webapi import (
    NOT_JSON,
    Secret,
    answer_message,
    header_number,
    json_body,
    transport_detail,
)

_LOG = logging.getLogger(__name__)
MAX_PAGES = 50
STATUS_PAGE = "https://status.circleci.com"

NotFound = Callable[[str], CircleCIError]
"""What a 404 means for one request, given CircleCI's message."""


def default_retry() -> RetryPolicy:
    """Four tries of one request, backing off up to 1, 2, 4 s (jittered), at most 30 s."""
    return RetryPolicy(attempts=4, base=1.0, cap=30.0)


def segment(value: str) -> str:
    """value as one path segment: `/`, `?`, `#` and `..` cannot leave it."""
    return quote(value, safe="")


class CircleCIAPI:
    """GET requests to one CircleCI API v2 (circleci.com or a CircleCI server install)."""

    def __init__(self, token: str, *, api_url: str, retry: RetryPolicy | None = None,
                 timeout: float = 30.0, max_rate_limit_wait: float = 60.0,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.api_url = api_url.rstrip("/")
        self._token = Secret(token)
        self._retry = retry or default_retry()
        self._max_wait = max_rate_limit_wait
        self._client = httpx.Client(
            base_url=self.api_url,
            headers={"Circle-Token": token, "Accept": "application/json",
                     "User-Agent": "promoter"},
            timeout=timeout, follow_redirects=False, transport=transport,
        )

    def __repr__(self) -> str:
        return f"CircleCIAPI(api_url={self.mask(self.api_url)!r})"

    def __enter__(self) -> CircleCIAPI:
        return self

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    def mask(self, text: str) -> str:
        """text without credentials and without the token."""
        return redact(text).replace(self._token.reveal(), "***")

    # ------------------------------------------------------------------ requests

    def get(self, path: str, *, action: str, not_found: NotFound,
            params: Mapping[str, str] | None = None) -> Any:
        """The JSON of a successful answer to GET path, or CircleCIError. `action` says what
        for ("read the jobs of workflow W"); `not_found` says what a 404 means."""
        response = self._send(path, params, action)
        if response.status_code == 404:
            raise not_found(answer_message(response))
        if not response.is_success:
            raise self._failed(response, action)
        data = json_body(response)
        if data is NOT_JSON:
            raise self.unexpected(action, "a body that is not JSON")
        return data

    def pages(self, path: str, *, action: str, not_found: NotFound) -> list[Any]:
        """Every item of a listing: {"items": [...], "next_page_token": ...}, page after page
        (`page-token`), at most MAX_PAGES pages."""
        items: list[Any] = []
        token: str | None = None
        seen: set[str] = set()
        for _ in range(MAX_PAGES):
            page = self.get(path, action=action, not_found=not_found,
                            params={"page-token": token} if token else None)
            if not isinstance(page, dict) or not isinstance(page.get("items"), list):
                raise self.unexpected(action, "a page without an `items` list")
            items.extend(page["items"])
            token = page.get("next_page_token")
            if token is None or token == "":
                return items
            if not isinstance(token, str):
                raise self.unexpected(action, "a `next_page_token` that is not a string")
            if token in seen:
                raise self.unexpected(action, "the same `next_page_token` twice (the pages "
                                      "would never end)")
            seen.add(token)
        raise CircleCIError(self.mask(f"too many pages while trying to {action} at "
                                      f"{self.api_url} (more than {MAX_PAGES})"))

    def _send(self, path: str, params: Mapping[str, str] | None, action: str) -> httpx.Response:
        """One GET with bounded retries of 5xx, network errors and short rate limits; the last
        answer, whatever its status."""
        for attempt in self._retry.tries():
            try:
                response = self._client.get(path, params=params)
            except httpx.TransportError as exc:
                if attempt.last:
                    raise self._unreachable(exc, action, attempt.number) from None
                self._log_retry(f"{type(exc).__name__} on GET {path}", attempt)
                continue
            except httpx.RequestError as exc:  # a body that does not decode, and the like
                raise self.unexpected(action, transport_detail(exc)) from None
            _LOG.debug("CircleCI GET %s -> %d", self.mask(path), response.status_code)
            if attempt.last or not self._retrying(response, attempt):
                return response
            self._log_retry(f"CircleCI answered {response.status_code} to GET {path}", attempt)
        raise AssertionError("the retry policy ended without a last attempt")

    def _retrying(self, response: httpx.Response, attempt: Attempt) -> bool:
        """Whether to try again: a 5xx (after the policy's backoff), or a 429 whose Retry-After
        is at most max_rate_limit_wait (after waiting for it)."""
        if response.status_code == 429:
            wait = header_number(response.headers.get("Retry-After"))
            if wait is None:
                return True
            if wait > self._max_wait:
                return False
            attempt.wait_for(wait)
            return True
        return response.status_code >= 500

    def _log_retry(self, reason: str, attempt: Attempt) -> None:
        when = f" in {attempt.wait:.1f} s" if attempt.wait is not None else ""
        _LOG.info("%s; retrying%s", self.mask(reason), when)

    # ------------------------------------------------------------------ errors

    def unexpected(self, action: str, what: str) -> CircleCIError:
        """The error for an answer that is not what CircleCI's API v2 documents."""
        return CircleCIError(
            self.mask(f"unexpected answer from the CircleCI API at {self.api_url} while trying "
                      f"to {action}: {what}"),
            hint=f"check that {API_URL_VARIABLE} points at a CircleCI API v2 (circleci.com: "
            "https://circleci.com/api/v2)",
        )

    def _unreachable(self, exc: httpx.TransportError, action: str,
                     attempts: int) -> CircleCIError:
        return CircleCIError(
            self.mask(f"cannot reach the CircleCI API at {self.api_url} to {action} after "
                      f"{attempts} attempts: {transport_detail(exc)}"),
            hint=f"check the network, proxy settings and {API_URL_VARIABLE}",
        )

    def _failed(self, response: httpx.Response, action: str) -> CircleCIError:
        status, message = response.status_code, answer_message(response)
        if status == 401:
            error = CircleCIError(f"CircleCI rejected the token (401 {message}) while trying to "
                                  f"{action}", hint=f"{AUTH_HINT}, valid and unexpired")
        elif status == 403:
            error = CircleCIError(
                f"CircleCI refused to {action} (403 {message})",
                hint="the token's user must be able to see the project: use a personal API "
                "token of a member of the project's organization")
        elif status == 429:
            after = header_number(response.headers.get("Retry-After"))
            wait = f"; CircleCI asks to wait {after:.0f} s" if after is not None else ""
            error = CircleCIError(f"CircleCI API rate limit exceeded while trying to "
                                  f"{action}{wait}", hint="re-run the job later")
        elif 300 <= status < 400:
            error = self._redirected(response, action)
        elif status >= 500:
            error = CircleCIError(
                f"CircleCI API failed to {action}: {status} {message} (gave up after "
                f"{self._retry.attempts} attempts)",
                hint=f"CircleCI may be degraded; see {STATUS_PAGE} and re-run the job later")
        else:
            error = CircleCIError(f"CircleCI API answered {status} ({message}) while trying "
                                  f"to {action}")
        return CircleCIError(self.mask(error.message), hint=error.hint)

    def _redirected(self, response: httpx.Response, action: str) -> CircleCIError:
        target = urlsplit(response.headers.get("Location", "")).netloc or "the same host"
        return CircleCIError(
            f"the CircleCI API at {self.api_url} answered {response.status_code}, a redirect "
            f"to {foreign(target, 200)}, while trying to {action}: promoter does not follow "
            "redirects, the token would go along",
            hint=f"set {API_URL_VARIABLE} to the API's own URL (https://HOST/api/v2)")
