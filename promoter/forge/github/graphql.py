"""GitHub's GraphQL API through the provider's HTTP layer (same token, retries, masking): one
document and its variables in, the `data` out, GitHub's `errors` as a ForgeError that keeps
each error's type and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from promoter.errors import ForgeError
from promoter.forge.github.http import GitHubAPI
from promoter.sanitize import foreign, one_line


class GraphQLRefused(ForgeError):
    """GitHub answered the document with errors; `errors` holds (type, message) of each."""

    def __init__(self, message: str, *, errors: tuple[tuple[str, str], ...],
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.errors = errors


def graphql_url(api_url: str) -> str:
    """The GraphQL endpoint beside a REST API URL: https://api.github.com/graphql, and for
    GitHub Enterprise Server https://HOST/api/graphql beside https://HOST/api/v3."""
    base = api_url.rstrip("/")
    if base.endswith("/api/v3"):
        return base[: -len("/v3")] + "/graphql"
    return base + "/graphql"


def run_graphql(api: GitHubAPI, document: str, variables: Mapping[str, object], *,
                action: str) -> dict[str, Any]:
    """The `data` of GitHub's answer to `document`; GraphQLRefused when it reports errors,
    ForgeError when the request fails."""
    reply = api.send("POST", graphql_url(api.api_url), action=action,
                     json={"query": document, "variables": dict(variables)})
    api.raise_for_status(reply.response, action=action)
    body = api.json_object(reply.response, action)
    errors = _errors(body.get("errors"))
    if errors:
        said = "; ".join(message for _, message in errors)
        raise GraphQLRefused(api.mask(f"GitHub refused to {action} in {api.repository}: "
                                      f"{said}"), errors=errors)
    data = body.get("data")
    if not isinstance(data, dict):
        raise api.unexpected(action, "a GraphQL answer without data")
    return data


def _errors(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list):
        return ()
    found: list[tuple[str, str]] = []
    for error in value:
        if not isinstance(error, dict):
            continue
        kind, message = error.get("type"), error.get("message")
        found.append((one_line(foreign(kind, 100)) if isinstance(kind, str) else "",
                      one_line(foreign(message)) if isinstance(message, str) else "error"))
    return tuple(found)
