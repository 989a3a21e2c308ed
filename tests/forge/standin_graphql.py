"""The GitHub stand-in's GraphQL endpoint (POST /graphql; /api/graphql beside GitHub Enterprise
Server's /api/v3), for tests.

Mutations register by name (`@mutation("createCommitOnBranch")`): a resolver gets the stand-in,
the field's arguments (variables substituted) and the user, and returns the payload object, or
raises GraphQLFailure for an error GitHub would answer with (type and message, HTTP 200).

With ../shared/github-graphql/schema.graphql (graphql-core), every document is validated
against GitHub's schema, its variables are coerced as GitHub coerces them, and the answer is
produced by executing the document against the schema over the resolvers' payloads, so it has
the schema's shape and only the selected fields; anything off the schema is a stand-in problem
that fails the test. Without ../shared the document is only parsed and the payloads answered as
they are.

createCommitOnBranch writes a real commit into the stand-in's bare repository (its tree built
with git plumbing from the base64 contents, GitHub as committer), moves the branch only if it is
still at expectedHeadOid, and reports the signature GitHub reports for the commits it signs.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
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
    from .github_standin import BareRepo, GitHubStandIn

SCHEMA_PATH = SHARED / "github-graphql" / "schema.graphql"

Payload = dict[str, Any]
Resolver = Callable[["GitHubStandIn", dict[str, Any], str], Payload]
MUTATIONS: dict[str, Resolver] = {}


def mutation(name: str) -> Callable[[Resolver], Resolver]:
    """Register a mutation's resolver under its GraphQL field name."""
    def register(resolver: Resolver) -> Resolver:
        MUTATIONS[name] = resolver
        return resolver
    return register


class GraphQLFailure(Exception):
    """An error GitHub answers in `errors` (with HTTP 200), e.g. STALE_DATA, NOT_FOUND."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


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
    move_before_commit: list[str] = field(default_factory=list)  # branches moved first, once
    signed_by_github: set[str] = field(default_factory=set)  # commits GitHub "signed"

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
            resolver = MUTATIONS.get(name)
            if resolver is None:
                self.standin.problems.append(f"mutation {name}: the stand-in does not serve it")
                payloads[name] = None
                errors.append({"message": f"Field '{name}' is not served", "path": [key]})
                continue
            try:
                payloads[name] = resolver(self.standin, arguments, user)
            except GraphQLFailure as failure:
                payloads[name] = None
                errors.append({"type": failure.kind, "path": [key],
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


# --------------------------------------------------------------------------- mutations


@mutation("createCommitOnBranch")
def create_commit_on_branch(standin: GitHubStandIn, arguments: dict[str, Any],
                            user: str) -> Payload:
    """A commit of fileChanges on the branch's tip, made only if the tip is expectedHeadOid."""
    from .github_standin import GITHUB_COMMITTER, Ident

    git = standin.git
    if git is None:
        raise GraphQLFailure("UNPROCESSABLE", "the stand-in has no repository (git_dir=)")
    given = arguments["input"]
    name = _branch_name(standin, given["branch"])
    tip = git.branch_sha(name)
    if tip is None:
        raise GraphQLFailure("NOT_FOUND", f"A ref named \"refs/heads/{name}\" does not exist.")
    if name in standin.graphql.move_before_commit:  # someone pushes just before us
        standin.graphql.move_before_commit.remove(name)
        tip = standin._new_git_commit(name)
        git.update_branch(name, tip)
    expected = given["expectedHeadOid"]
    if tip != expected:
        raise GraphQLFailure("STALE_DATA", f"Expected branch to point to \"{expected}\" but it "
                                           "did not. Pull and try again.")
    tree = _tree(git, tip, given.get("fileChanges") or {})
    message = given["message"]
    text = message["headline"] + (f"\n\n{message['body']}" if message.get("body") else "")
    sha = git.commit_tree(tree, [tip], text, Ident.of_user(user), Ident(*GITHUB_COMMITTER))
    if not git.update_branch(name, sha, tip):
        raise GraphQLFailure("STALE_DATA", f"Expected branch to point to \"{expected}\" but it "
                                           "did not. Pull and try again.")
    standin.graphql.signed_by_github.add(sha)
    return {"commit": _commit_json(standin, sha)}


def _branch_name(standin: GitHubStandIn, branch: dict[str, Any]) -> str:
    named = branch.get("repositoryNameWithOwner")
    if branch.get("id") is not None or not named or not branch.get("branchName"):
        raise GraphQLFailure("UNPROCESSABLE", "the stand-in takes the branch by "
                                              "repositoryNameWithOwner and branchName")
    if str(named).lower() != standin.full_name.lower():
        raise GraphQLFailure("NOT_FOUND", f"Could not resolve to a Repository with the name "
                                          f"'{named}'.")
    return str(branch["branchName"])


def _tree(git: BareRepo, tip: str, changes: dict[str, Any]) -> str:
    """tip's tree with the additions (base64 contents, byte for byte) and deletions applied."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git.git("read-tree", tip, env=env)
        for addition in changes.get("additions") or ():
            try:
                data = base64.b64decode(addition["contents"], validate=True)
            except binascii.Error as exc:
                raise GraphQLFailure("UNPROCESSABLE", f"contents of {addition['path']} are not "
                                                      "base64") from exc
            blob = _write_blob(git, data)
            mode = git.git("ls-tree", tip, "--", addition["path"]).split(" ", 1)[0] or "100644"
            git.git("update-index", "--add", "--cacheinfo",
                    f"{mode},{blob},{addition['path']}", env=env)
        removed = "".join(f"0 {'0' * 40}\t{d['path']}\n" for d in changes.get("deletions") or ())
        if removed:  # --index-info: mode 0 removes the path (--force-remove needs a work tree)
            git.git("update-index", "--index-info", input=removed, env=env)
        return git.git("write-tree", env=env).strip()


def _write_blob(git: BareRepo, data: bytes) -> str:
    done = subprocess.run(["git", f"--git-dir={git.path}", "hash-object", "-w", "--stdin"],
                          input=data, capture_output=True, check=True)
    return done.stdout.decode().strip()


def _commit_json(standin: GitHubStandIn, sha: str) -> Payload:
    """The Commit object (enough for any selection promoter makes), signed by GitHub."""
    return {
        "oid": sha,
        "abbreviatedOid": sha[:7],
        "url": f"https://github.com/{standin.full_name}/commit/{sha}",
        "signature": {
            "__typename": "GpgSignature",
            "isValid": True,
            "state": "VALID",
            "wasSignedByGitHub": True,
            "email": "noreply@github.com",
            "payload": "",
            "signature": "-----BEGIN PGP SIGNATURE-----\n(stand-in)\n-----END PGP SIGNATURE-----",
            "signer": None,
            "verifiedAt": "2023-11-14T22:13:20Z",
            "keyId": "B5690EEEBB952194",
        },
    }
