"""The GitHub stand-in's GraphQL endpoint (POST /graphql; /api/graphql beside GitHub Enterprise
Server's /api/v3), for tests.

Mutations register by name (`@resolver("createCommitOnBranch")`, from their own modules, e.g.
standin_commits.py): a resolver gets the stand-in, the field's arguments (variables substituted)
and the user, and returns the payload object, or raises GraphQLFailure for an error GitHub would
answer with (message and type, HTTP 200).

With ../shared/github-graphql/schema.graphql (graphql-core), every document is validated
against GitHub's schema, its variables are coerced as GitHub coerces them, and the answer is
produced by executing the document against the schema over the resolvers' payloads, so it has
the schema's shape and only the selected fields; anything off the schema is a stand-in problem
that fails the test. Without ../shared the document is only parsed and the payloads answered as
they are.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graphql import (
    FieldNode,
    GraphQLError,
    GraphQLSchema,
    OperationType,
    build_schema,
    execute_sync,
    get_operation_ast,
    parse,
    validate,
    value_from_ast_untyped,
)
from graphql.execution.values import get_variable_values

from tests.conftest import SHARED

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn

SCHEMA_PATH = SHARED / "github-graphql" / "schema.graphql"

Payload = dict[str, Any]
#: (stand-in, the field's arguments, the caller's login) -> the field's value
Resolver = Callable[["GitHubStandIn", dict[str, Any], str], Payload]
RESOLVERS: dict[str, Resolver] = {}


def resolver(name: str) -> Callable[[Resolver], Resolver]:
    """Register the resolver of the top-level Mutation field `name`."""
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
    SDL repeats a few fields and deprecates some interface implementations, which graphql-core's
    schema checks refuse; documents are still validated against every type and field."""
    return build_schema(path.read_text(encoding="utf-8"), assume_valid_sdl=True,
                        assume_valid=True)


def schema_if_present() -> GraphQLSchema | None:
    return load_schema(SCHEMA_PATH) if SCHEMA_PATH.is_file() else None


def graphql_path(prefix: str) -> str:
    """Where GitHub serves GraphQL beside a REST prefix ("" or /api/v3)."""
    return "/api/graphql" if prefix.rstrip("/") == "/api/v3" else "/graphql"


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
        problems = self._check(document, variables)
        if problems:
            self.standin.problems.extend(problems)
            return 200, {"errors": [{"message": p} for p in problems]}
        return 200, self._run(document, variables, user)

    def _check(self, document: Any, variables: dict[str, Any]) -> list[str]:
        operation = get_operation_ast(document)
        if operation is None or operation.operation is not OperationType.MUTATION:
            return ["the stand-in serves one GraphQL mutation per document"]
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

    def _run(self, document: Any, variables: dict[str, Any], user: str) -> dict[str, Any]:
        operation = get_operation_ast(document)
        assert operation is not None
        payloads: dict[str, Payload | None] = {}
        errors: list[dict[str, Any]] = []
        for selection in operation.selection_set.selections:
            assert isinstance(selection, FieldNode)
            name = selection.name.value
            key = selection.alias.value if selection.alias else name
            arguments = {a.name.value: value_from_ast_untyped(a.value, variables)
                         for a in selection.arguments or ()}
            function = RESOLVERS.get(name)
            if function is None:
                self.standin.problems.append(f"mutation {name}: the stand-in does not serve it")
                payloads[name] = None
                errors.append({"message": f"Field '{name}' is not served", "path": [key]})
                continue
            try:
                payloads[name] = function(self.standin, arguments, user)
            except GraphQLFailure as failure:
                payloads[name] = None
                errors.append({"type": failure.type, "path": [key],
                               "locations": [{"line": 2, "column": 3}],
                               "message": failure.message})
        body: dict[str, Any] = {"data": self._shaped(document, variables, payloads)}
        if errors:
            body["errors"] = errors
        return body

    def _shaped(self, document: Any, variables: dict[str, Any],
                payloads: dict[str, Payload | None]) -> Any:
        """The payloads as the schema shapes them (only the selected fields), else as is."""
        if self.schema is None:
            return payloads
        done = execute_sync(self.schema, document, root_value=payloads,
                            variable_values=variables)
        for error in done.errors or ():
            self.standin.problems.append(f"stand-in answer off GitHub's schema: {error.message}")
        return done.data
