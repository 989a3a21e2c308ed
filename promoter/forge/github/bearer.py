"""The GitHub token in the Authorization header of every request of the HTTP layer: a fixed
token, or a function giving an App's installation token each time (renewed before it expires);
every token sent can be masked out of a message."""

from __future__ import annotations

from collections.abc import Callable, Generator

import httpx

from promoter.webapi import Secret


class Bearer(httpx.Auth):
    """The token in the Authorization header of every request, asked for each time (an App's
    installation token is renewed before it expires); every token sent is masked."""

    def __init__(self, token: str | Callable[[], str]) -> None:
        self._token = token if callable(token) else Secret(token).reveal
        self._sent: set[str] = set() if callable(token) else {token}

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        token = self._token()
        self._sent.add(token)
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def mask(self, text: str) -> str:
        for token in self._sent:
            text = text.replace(token, "***")
        return text
