"""The GitHub stand-in's GraphQL endpoint (POST /graphql; /api/graphql beside GitHub Enterprise
Server's /api/v3), for tests.

Top-level Query and Mutation fields register by name (`@resolver("enablePullRequestAutoMerge")`,
`@resolver("createCommitOnBranch")` in standin_commits.py): a resolver gets the stand-in, the
field's arguments and the caller's login, and returns the field's value as a dict in GitHub's
shape (a nested field that takes arguments may be a function `(info, **arguments)`), or raises
GraphQLFailure for an error GitHub would answer with (message and type, HTTP 200).

With ../shared/github-graphql/schema.graphql (graphql-core), every document is validated
against GitHub's schema, its variables are coerced as GitHub coerces them, and the document is
executed against the schema over the resolvers, so the answer has the schema's shape and only
the selected fields; anything off the schema is a stand-in problem that fails the test. Without
../shared the document is only parsed and answered unvalidated: the selected fields of the
resolvers' values, as they are.

Resolvers for repository (its pullRequest) and enablePullRequestAutoMerge are here; others
register from their own modules.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
    build_schema,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values

from tests.conftest import GITHUB_GRAPHQL

from .standin_checkers import TIMESTAMP, Json

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn

SCHEMA_PATH = GITHUB_GRAPHQL

Payload = dict[str, Any]
#: (stand-in, the field's arguments, the caller's login) -> the field's value
Resolver = Callable[["GitHubStandIn", dict[str, Any], str], Any]
RESOLVERS: dict[str, Resolver] = {}
_schema_lock = threading.Lock()


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    """Register the resolver of the top-level Query or Mutation field `name`."""
    def register(function: Resolver) -> Resolver:
        RESOLVERS[name] = function
        return function
    return register


class GraphQLFailure(Exception):
    """An error GitHub reports in `errors` (with HTTP 200), e.g. type STALE_DATA, NOT_FOUND."""

    def __init__(self, message: str, type: str = "UNPROCESSABLE") -> None:
        super().__init__(message)
        self.message = message
        self.type = type


@functools.cache
def load_schema(path: Path) -> GraphQLSchema:
    """GitHub's schema (building it takes a couple of seconds: once per process). The published
    SDL repeats a few fields and deprecates some interface implementations only, which
    graphql-core's schema checks refuse; so the SDL is taken as valid, as GitHub serves it, and
    documents are still validated against every type and field."""
    with _schema_lock:
        schema = build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True,
                              assume_valid=True)
        schema._validation_errors = []  # see the docstring
        return schema


def schema_if_present() -> GraphQLSchema | None:
    """GitHub's schema, None without ../shared (as PROMOTER_SHARED named it at collection)."""
    return load_schema(SCHEMA_PATH) if SCHEMA_PATH.is_file() else None


def graphql_path(prefix: str) -> str:
    """Where GitHub serves GraphQL beside a REST prefix ("" or /api/v3)."""
    return "/api/graphql" if prefix.rstrip("/") == "/api/v3" else "/graphql"


def document_problems(schema: GraphQLSchema, document: str) -> list[str]:
    """What is wrong with a GraphQL document for GitHub's schema ([] when it is valid)."""
    try:
        ast = parse(document)
    except GraphQLError as exc:
        return [exc.message]
    return [error.message for error in validate(schema, ast)]


@dataclass
class GraphQLEndpoint:
    """POST /graphql of one stand-in; `problems` are the stand-in's (it appends them)."""

    standin: GitHubStandIn
    checked: bool = True  # validate against GitHub's schema when ../shared has it

    @property
    def schema(self) -> GraphQLSchema | None:
        """GitHub's schema (built on first use), None without ../shared or when unchecked."""
        return schema_if_present() if self.checked else None

    def answer(self, payload: Any, user: str) -> tuple[int, Any]:
        """(HTTP status, body) for a request body from `user`."""
        if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
            self.standin.problems.append(f"POST /graphql without a query: {payload!r:.200}")
            return 400, {"message": "Problems parsing JSON"}
        variables = payload.get("variables") or {}
        try:
            document = parse(payload["query"])
        except GraphQLError as exc:
            self.standin.problems.append(f"GraphQL document does not parse: {exc}")
            return 200, {"errors": [{"message": exc.message}]}
        operation = get_operation_ast(document, payload.get("operationName"))
        problems = self._check(document, operation, variables)
        if problems:
            self.standin.problems.extend(problems)
            return 200, {"errors": [{"message": p} for p in problems]}
        assert operation is not None
        if self.schema is None:
            return 200, self._unvalidated(operation, variables, user)
        return 200, self._execute(self.schema, document, payload.get("operationName"),
                                  variables, user)

    def _check(self, document: Any, operation: OperationDefinitionNode | None,
               variables: dict[str, Any]) -> list[str]:
        if operation is None:
            return ["no single GraphQL operation to run (name it with operationName)"]
        missing = [s.name.value for s in operation.selection_set.selections
                   if isinstance(s, FieldNode) and s.name.value not in RESOLVERS
                   and not s.name.value.startswith("__")]
        if missing:
            return [f"{operation.operation.value} {name}: the stand-in does not serve it"
                    for name in missing]
        if self.schema is None:
            return []
        found = [f"GraphQL document off GitHub's schema: {e.message}"
                 for e in validate(self.schema, document)]
        if found:
            return found
        coerced = get_variable_values(self.schema, operation.variable_definitions or (),
                                      variables)
        if isinstance(coerced, list):
            return [f"GraphQL variables off GitHub's schema: {e.message}" for e in coerced]
        return []

    def _execute(self, schema: GraphQLSchema, document: Any, operation_name: str | None,
                 variables: dict[str, Any], user: str) -> dict[str, Any]:
        """The document run by graphql-core over the resolvers (arguments coerced)."""
        root = {name: self._bound(function, user) for name, function in RESOLVERS.items()}
        done = execute_sync(schema, document, root_value=root, variable_values=variables,
                            operation_name=operation_name)
        body: dict[str, Any] = {"data": done.data}
        if done.errors:
            body["errors"] = [_error_json(error) for error in done.errors]
            self.standin.problems.extend(
                f"stand-in answer off GitHub's schema: {error.message}"
                for error in done.errors if not isinstance(error.original_error, GraphQLFailure))
        return body

    def _bound(self, function: Resolver, user: str) -> Callable[..., Any]:
        def resolve(_info: Any, **arguments: Any) -> Any:
            return function(self.standin, arguments, user)
        return resolve

    def _unvalidated(self, operation: OperationDefinitionNode, variables: dict[str, Any],
                     user: str) -> dict[str, Any]:
        """Without the schema: each top-level field's resolver, with its arguments as written
        (variables substituted), and of its value the fields selected."""
        data: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        for selection in operation.selection_set.selections:
            if not isinstance(selection, FieldNode):
                continue
            key = selection.alias.value if selection.alias else selection.name.value
            try:
                value = RESOLVERS[selection.name.value](
                    self.standin, _arguments(selection, variables), user)
                data[key] = _selected(value, selection.selection_set, variables)
            except GraphQLFailure as failure:
                data[key] = None
                errors.append({"type": failure.type, "path": [key],
                               "locations": [{"line": selection.loc.start_token.line
                                              if selection.loc else 1, "column": 3}],
                               "message": failure.message})
        body: dict[str, Any] = {"data": data}
        if errors:
            body["errors"] = errors
        return body


def _arguments(field: FieldNode, variables: dict[str, Any]) -> dict[str, Any]:
    return {a.name.value: value_from_ast_untyped(a.value, variables)
            for a in field.arguments or ()}


def _selected(value: Any, selections: SelectionSetNode | None, variables: dict[str, Any]) -> Any:
    """Of a resolver's value, the fields selected (functions called with their arguments)."""
    if selections is None or value is None:
        return value
    if isinstance(value, list):
        return [_selected(item, selections, variables) for item in value]
    picked: dict[str, Any] = {}
    for selection in selections.selections:
        if isinstance(selection, InlineFragmentNode):
            picked.update(_selected(value, selection.selection_set, variables))
        elif isinstance(selection, FieldNode):
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            field = value.get(name) if isinstance(value, dict) else None
            if callable(field):
                field = field(None, **_arguments(selection, variables))
            picked[key] = _selected(field, selection.selection_set, variables)
    return picked


def _error_json(error: GraphQLError) -> dict[str, Any]:
    body: dict[str, Any] = dict(error.formatted)
    if isinstance(error.original_error, GraphQLFailure):
        body["type"] = error.original_error.type
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
