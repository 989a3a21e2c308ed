"""What promoter's HTTP API clients (GitHub, CircleCI) share: checking an API URL given in the
environment, a holder that never shows a token, and reading an answer's JSON, text and message
safely.

Everything read from a server reaches a message only through promoter.sanitize.foreign.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlsplit

import httpx

from promoter.sanitize import foreign, one_line

NOT_JSON = object()
"""What json_body returns for an answer that is not JSON."""


class Secret:
    """Holds a token; its repr and str never show it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "<redacted>"

    __str__ = __repr__


def is_http_url(value: str) -> bool:
    """Whether value is an http(s) URL with a host (and a usable port) that httpx can send to."""
    if any(char.isspace() or not char.isprintable() for char in value):
        return False
    try:
        parts = urlsplit(value)
        port = parts.port  # ValueError unless a number from 0 to 65535
        httpx.URL(value)
    except (ValueError, httpx.InvalidURL):
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname) and port != 0


def json_body(response: httpx.Response) -> Any:
    """The answer's JSON; NOT_JSON when it is not JSON, not text, or nested too deep for the
    parser."""
    try:
        return response.json()
    except (ValueError, RecursionError):
        return NOT_JSON


def response_text(response: httpx.Response) -> str:
    """The answer's text; "" when its charset is unknown or wrong."""
    try:
        return response.text
    except (ValueError, LookupError):
        return ""


def answer_message(response: httpx.Response) -> str:
    """The answer's `message`, else the first line of the body, else the reason phrase: one
    line without control characters, at most promoter.sanitize.MESSAGE_LIMIT characters."""
    data = json_body(response)
    if isinstance(data, dict) and isinstance(data.get("message"), str):
        return one_line(foreign(data["message"]))
    first = response_text(response).strip().split("\n", 1)[0]
    return one_line(foreign(first, 200)) if first else response.reason_phrase


def transport_detail(exc: httpx.HTTPError) -> str:
    """One safe line about a failed request (a refused connection, a timeout)."""
    return one_line(foreign(str(exc) or type(exc).__name__, 500))


def header_number(value: str | None) -> float | None:
    """A header's number; None when absent or not a finite number."""
    try:
        number = float(value) if value is not None else None
    except ValueError:
        return None
    return number if number is not None and math.isfinite(number) else None
