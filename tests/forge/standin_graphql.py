"""The GraphQL endpoint of the GitHub stand-in (POST /graphql).

Mutations and queries register by their field name (`@resolver("enablePullRequestAutoMerge")`):
a resolver gets the stand-in, the field's arguments and the caller's login, and returns the
field's value as a dict (GitHub's shape), or raises GraphQLFailure (an error with GitHub's
`type`). With ../shared/github-graphql/schema.graphql, every document is validated against the
schema and executed by graphql-core (so the answer has exactly the fields asked for, typed as
the schema says). Without the schema the endpoint refuses to answer: tests that use GraphQL
skip (tests/conftest.py require_graphql_schema).

Resolvers for enablePullRequestAutoMerge and repository.pullRequest are here; others (such as
createCommitOnBranch) register from their own modules.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError, GraphQLSchema, build_schema, graphql_sync, parse, validate
from werkzeug.datastructures import Headers

from tests.conftest import GITHUB_GRAPHQL

from .standin_checkers import TIMESTAMP, Json

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn, Reply

GRAPHQL_PATH = "/graphql"

#: (stand-in, the field's arguments, the caller's login) -> the field's value
Resolver = Callable[["GitHubStandIn", dict[str, Any], str], Any]
RESOLVERS: dict[str, Resolver] = {}
_schema_lock = threading.Lock()


class GraphQLFailure(Exception):
    """An error GitHub reports in `errors` (with HTTP 200), e.g. type UNPROCESSABLE."""

    def __init__(self, message: str, type: str = "UNPROCESSABLE") -> None:
        super().__init__(message)
        self.type = type


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    """Register the resolver of the top-level Query or Mutation field `name`."""
    def register(function: Resolver) -> Resolver:
        RESOLVERS[name] = function
        return function
    return register


def schema_path() -> Path | None:
    """../shared/github-graphql/schema.graphql, None when absent (tests/conftest.py's SHARED,
    as PROMOTER_SHARED named it when the tests were collected)."""
    return GITHUB_GRAPHQL if GITHUB_GRAPHQL.is_file() else None


@cache
def load_schema(path: Path) -> GraphQLSchema:
    """GitHub's schema, built once per test process (a few seconds).

    GitHub's published SDL repeats a few fields and deprecates some interface implementations
    only; graphql-core 3.3 refuses both, so the SDL is taken as valid, as GitHub serves it."""
    with _schema_lock:
        schema = build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True)
        schema._validation_errors = []  # see the docstring
        return schema


def document_problems(schema: GraphQLSchema, document: str) -> list[str]:
    """What is wrong with a GraphQL document for GitHub's schema ([] when it is valid)."""
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return [exc.message]
    return [error.message for error in validate(schema, ast)]


def graphql_route(standin: GitHubStandIn, method: str, path: str, headers: Headers,
                  payload: Json) -> Reply | None:
    """The answer to POST /graphql; None for every other request."""
    from .github_standin import Reply, _error
    if path != GRAPHQL_PATH:
        return None
    if method != "POST" or not isinstance(payload, dict) or "query" not in payload:
        standin.problems.append(f"{method} {path}: not a GraphQL POST with a query")
        return _error(400, "Problems parsing JSON")
    user = standin._user(headers)
    if user is None:
        return _error(401, "Bad credentials")
    standin._follow_git()
    found = schema_path()
    if found is None:  # tests that use GraphQL skip without it (require_graphql_schema)
        standin.problems.append("a GraphQL request, but ../shared has no GraphQL schema")
        return _error(500, "no GraphQL schema")
    body = _execute(standin, load_schema(found), payload["query"],
                    payload.get("variables") or {}, user)
    return Reply(200, body)


def _execute(standin: GitHubStandIn, schema: GraphQLSchema, document: str,
             variables: dict[str, Any], user: str) -> dict[str, Json]:
    problems = document_problems(schema, document)
    if problems:
        standin.problems.extend(f"GraphQL document: {p}" for p in problems)
        return {"errors": [{"message": p} for p in problems]}
    root = {name: _bound(standin, function, user) for name, function in RESOLVERS.items()}
    result = graphql_sync(schema, document, root_value=root, variable_values=variables)
    body: dict[str, Json] = {"data": result.data}
    if result.errors:
        body["errors"] = [_error_json(error) for error in result.errors]
        unexpected = [e for e in result.errors if not isinstance(e.original_error,
                                                                 GraphQLFailure)]
        standin.problems.extend(f"GraphQL execution: {e.message}" for e in unexpected)
    return body


def _bound(standin: GitHubStandIn, function: Resolver, user: str) -> Callable[..., Any]:
    def resolve(_info: Any, **arguments: Any) -> Any:
        return function(standin, arguments, user)
    return resolve


def _error_json(error: GraphQLError) -> dict[str, Json]:
    original = error.original_error
    body: dict[str, Json] = {"message": error.message, "path": list(error.path or [])}
    if isinstance(original, GraphQLFailure):
        body["type"] = original.type
    return body


# --------------------------------------------------------------------------- resolvers


def _pull_by_id(standin: GitHubStandIn, node_id: str) -> Any:
    pull = next((p for p in standin.pulls.values() if f"PR_{p.number}" == node_id), None)
    if pull is None:
        raise GraphQLFailure(f"Could not resolve to a node with the global id of '{node_id}'",
                             "NOT_FOUND")
    return pull


def pull_request_node(standin: GitHubStandIn, pull: Any) -> dict[str, Json]:
    """The GraphQL PullRequest fields the stand-in knows."""
    auto = pull.auto_merge
    return {
        "id": f"PR_{pull.number}", "number": pull.number, "title": pull.title,
        "state": "MERGED" if pull.merged else pull.state.upper(),
        "headRefName": pull.head, "headRefOid": pull.head_sha, "baseRefName": pull.base,
        "autoMergeRequest": None if auto is None else {
            "mergeMethod": str(auto["merge_method"]).upper(), "enabledAt": TIMESTAMP,
            "commitHeadline": auto.get("commit_title"), "commitBody": auto.get("commit_message"),
        },
    }


@resolver("repository")
def _repository(standin: GitHubStandIn, arguments: dict[str, Any], user: str) -> Any:
    named = f"{arguments['owner']}/{arguments['name']}".lower()
    if named != standin.full_name.lower():
        raise GraphQLFailure(f"Could not resolve to a Repository with the name '{named}'.",
                             "NOT_FOUND")

    def pull_request(_info: Any, number: int) -> Any:
        pull = standin.pulls.get(number)
        if pull is None:
            raise GraphQLFailure(f"Could not resolve to a PullRequest with the number of "
                                 f"{number}.", "NOT_FOUND")
        return pull_request_node(standin, pull)

    return {"nameWithOwner": standin.full_name, "pullRequest": pull_request}


@resolver("enablePullRequestAutoMerge")
def _enable_auto_merge(standin: GitHubStandIn, arguments: dict[str, Any], user: str) -> Any:
    given = arguments["input"]
    pull = _pull_by_id(standin, given["pullRequestId"])
    if not standin.allow_auto_merge:
        raise GraphQLFailure("Pull request Auto merge is not allowed for this repository")
    if pull.state != "open":
        raise GraphQLFailure("Pull request is not in the correct state to enable auto-merge")
    method = str(given.get("mergeMethod") or "MERGE").lower()
    pull.auto_merge = standin.checker.example(
        "auto-merge", enabled_by=standin._user_json(user),
        merge_method=method, commit_title=given.get("commitHeadline") or "",
        commit_message=given.get("commitBody") or "")
    return {"clientMutationId": given.get("clientMutationId"),
            "pullRequest": pull_request_node(standin, pull)}
