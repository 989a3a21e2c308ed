"""A local stand-in for the GitHub REST API, for tests.

It serves the endpoints promoter.forge.github uses, from in-memory state, on 127.0.0.1 (a real
HTTP server in a thread), and checks EVERY request and EVERY response against the GitHub OpenAPI
description in ../shared/github-openapi with openapi-core. Anything that does not match is
collected in `problems`; the fixture fails the test when it is not empty.

Response bodies are built from the description's schemas (every required field, typed as the
schema says) and then given the values that matter; they are never written from memory.

Test-side knobs are Python methods (not HTTP): push_branch, add_pull, fail_next,
merge_after_polls, set_mergeable, approve (which goes through the real reviews endpoint).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import traceback
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers, ImmutableMultiDict

SPEC_SERVER = "https://api.github.com"
DOCS = "https://docs.github.com/rest"
TIMESTAMP = "2024-05-01T12:00:00Z"
Json = Any


def fake_sha(*parts: object) -> str:
    return hashlib.sha1("/".join(map(str, parts)).encode()).hexdigest()  # noqa: S324


# --------------------------------------------------------------------------- the description


class SpecChecker:
    """The GitHub OpenAPI description: validation (openapi-core) and schema-built examples."""

    def __init__(self, spec_path: Path) -> None:
        self.openapi = OpenAPI.from_file_path(str(spec_path))
        self.document: dict[str, Json] = json.loads(spec_path.read_text(encoding="utf-8"))
        self.schemas: dict[str, Json] = self.document["components"]["schemas"]

    def request_problems(self, request: OARequest) -> list[str]:
        return [f"request {request.method.upper()} {request.path}: {_explain(e)}"
                for e in self.openapi.iter_request_errors(request)]

    def response_problems(self, request: OARequest, response: OAResponse) -> list[str]:
        where = f"response {response.status_code} to {request.method.upper()} {request.path}"
        problems: list[str] = []
        for error in self.openapi.iter_response_errors(request, response):
            if isinstance(error, ResponseNotFound):
                # a status the operation does not document (401, 502, ...): GitHub still
                # answers with its basic-error object, so hold the body to that schema
                problems.extend(f"{where}: {p}" for p in self._basic_error_problems(response))
            else:
                problems.append(f"{where}: {_explain(error)}")
        return problems

    def _basic_error_problems(self, response: OAResponse) -> list[str]:
        try:
            body = json.loads(response.data or b"")
        except ValueError:
            return ["undocumented status with a body that is not JSON"]
        validator = OAS30Validator(self.schemas["basic-error"])
        return [e.message for e in validator.iter_errors(body)]

    # ------------------------------------------------------------- examples from the schema

    def example(self, schema: str | dict[str, Json], /, **values: Json) -> dict[str, Json]:
        """A valid instance of a schema (or components/schemas/NAME) with `values` set.

        Every required property gets a value of the schema's type; `values` may only name
        properties the schema has.
        """
        resolved = self._resolve(self.schemas[schema] if isinstance(schema, str) else schema)
        instance = self._fake(resolved)
        assert isinstance(instance, dict)
        unknown = set(values) - set(resolved.get("properties", {}))
        assert not unknown, f"{schema} has no properties {sorted(unknown)}"
        instance.update(values)
        return instance

    def subschema(self, name: str, *keys: str) -> dict[str, Json]:
        """The schema at properties/items path `keys` under components/schemas/NAME."""
        schema = self._resolve(self.schemas[name])
        for key in keys:
            schema = self._resolve(schema["items"] if key == "[]" else schema["properties"][key])
        return dict(schema)

    def _resolve(self, schema: Json) -> Json:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = self.schemas[name]
        return schema

    def _fake(self, schema: Json) -> Json:
        schema = self._resolve(schema)
        if "allOf" in schema:
            merged: dict[str, Json] = {}
            for part in schema["allOf"]:
                merged.update(self._fake(part))
            return merged
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._fake(schema[key][0])
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        kind = schema.get("type", "object")
        if kind == "object":
            properties = schema.get("properties", {})
            return {k: self._fake_field(properties[k]) for k in schema.get("required", [])}
        if kind == "array":
            return []
        if kind == "string":
            return _fake_string(schema)
        if kind == "integer":
            return schema.get("example", 1) if isinstance(schema.get("example"), int) else 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        raise AssertionError(f"cannot fake schema {schema}")

    def _fake_field(self, schema: Json) -> Json:
        # a required nullable field may be null; a non-nullable one never is
        return None if self._resolve(schema).get("nullable") else self._fake(schema)


def _fake_string(schema: Json) -> str:
    example = schema.get("example")
    if isinstance(example, str):
        return example
    formats = {"date-time": TIMESTAMP, "uri": "https://example.invalid/"}
    return formats.get(schema.get("format", ""), "x")


def _explain(error: Exception) -> str:
    details = [_shorten(str(error))]
    for nested in getattr(error, "schema_errors", None) or ():
        details.append(f"{list(nested.path)}: {nested.message}")
    cause = error.__cause__
    if cause is not None:
        details.append(_shorten(str(cause)))
        for nested in getattr(cause, "schema_errors", None) or ():
            details.append(f"{list(nested.path)}: {nested.message}")
    return " | ".join(details)


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


@dataclass
class OARequest:
    """openapi_core.protocols.Request for a request the stand-in received."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = SPEC_SERVER


@dataclass
class OAResponse:
    """openapi_core.protocols.Response for a response the stand-in sends."""

    status_code: int
    data: bytes | None
    headers: Headers
    content_type: str = "application/json"


# --------------------------------------------------------------------------- state


@dataclass
class Pull:
    number: int
    head: str
    head_sha: str
    base: str
    title: str
    body: str | None
    author: str
    head_repo: str
    state: str = "open"
    draft: bool = False
    merged: bool = False
    merge_commit_sha: str | None = None
    mergeable: bool | None = True
    mergeable_state: str = "clean"
    labels: list[str] = field(default_factory=list)
    requested_reviewers: list[str] = field(default_factory=list)
    requested_teams: list[str] = field(default_factory=list)
    reviews: list[dict[str, Json]] = field(default_factory=list)
    polls: int = 0


@dataclass
class Fault:
    status: int
    count: int
    headers: dict[str, str]
    body: Json
    method: str | None
    path_contains: str | None
    after_effect: bool  # True: do the work, then answer with the fault anyway

    def matches(self, method: str, path: str) -> bool:
        return (self.method in (None, method)) and (
            self.path_contains is None or self.path_contains in path
        )


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Json
    status: int


class Reply:
    def __init__(self, status: int, body: Json = None, headers: Mapping[str, str] | None = None):
        self.status = status
        self.body = body
        self.headers = dict(headers or {})


_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)" + tail + "$"), handler)
    for method, tail, handler in [
        ("GET", r"/pulls", "list_pulls"),
        ("POST", r"/pulls", "create_pull"),
        ("GET", r"/pulls/(?P<number>\d+)", "get_pull"),
        ("PATCH", r"/pulls/(?P<number>\d+)", "update_pull"),
        ("GET", r"/pulls/(?P<number>\d+)/reviews", "list_reviews"),
        ("POST", r"/pulls/(?P<number>\d+)/reviews", "create_review"),
        ("POST", r"/pulls/(?P<number>\d+)/requested_reviewers", "request_reviewers"),
        ("PUT", r"/pulls/(?P<number>\d+)/merge", "merge_pull"),
        ("POST", r"/issues/(?P<number>\d+)/labels", "add_labels"),
    ]
]


class GitHubStandIn:
    """In-memory GitHub for one repository; start() serves it on 127.0.0.1:<free port>."""

    def __init__(
        self,
        checker: SpecChecker,
        *,
        owner: str = "acme",
        repo: str = "gitops",
        tokens: Mapping[str, str],
        collaborators: Sequence[str] = (),
        prefix: str = "",
    ) -> None:
        self.checker = checker
        self.owner = owner
        self.repo = repo
        self.tokens = dict(tokens)
        self.collaborators = {*collaborators, *self.tokens.values()}
        self.prefix = prefix.rstrip("/")
        self.branches: dict[str, str] = {"main": fake_sha("main")}
        self.pulls: dict[int, Pull] = {}
        self.requests: list[Recorded] = []
        self.problems: list[str] = []
        self._faults: deque[Fault] = deque()
        self._merge_after: dict[int, int] = {}
        self._next_number = 1
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the stand-in first"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{self.prefix}"

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.repo}"

    def start(self) -> None:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.01,),
                                        daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join()

    # ------------------------------------------------------------------ test-side knobs

    def push_branch(self, name: str, sha: str | None = None) -> str:
        """Create or move a branch (as `git push` would); move open PR heads with it."""
        sha = sha or fake_sha("branch", name, len(self.requests), len(self.branches))
        with self._lock:
            self.branches[name] = sha
            for pull in self.pulls.values():
                if pull.head == name and pull.state == "open":
                    pull.head_sha = sha
        return sha

    def add_pull(self, head: str, *, base: str = "main", author: str = "someone",
                 head_repo: str | None = None, title: str = "unrelated") -> int:
        """A PR that did not come through the API (another tool, or a fork)."""
        with self._lock:
            sha = self.branches.setdefault(head, fake_sha("branch", head))
            return self._new_pull(head=head, sha=sha, base=base, title=title, body=None,
                                  author=author, head_repo=head_repo or self.full_name).number

    def fail_next(
        self,
        status: int,
        count: int = 1,
        *,
        headers: Mapping[str, str] | None = None,
        message: str | None = None,
        errors: Json = None,
        method: str | None = None,
        path_contains: str | None = None,
        after_effect: bool = False,
    ) -> None:
        """The next `count` matching requests are answered with `status`."""
        body: dict[str, Json] = {"message": message or _DEFAULT_MESSAGES.get(status, "Error"),
                                 "documentation_url": DOCS}
        if errors is not None:
            body["errors"] = errors
        self._faults.append(Fault(status, count, dict(headers or {}), body, method,
                                  path_contains, after_effect))

    def merge_after_polls(self, number: int, polls: int) -> None:
        """Someone merges PR `number` in the UI at the polls-th GET of it."""
        self._merge_after[number] = polls

    def set_mergeable(self, number: int, mergeable: bool | None, state: str) -> None:
        with self._lock:
            self.pulls[number].mergeable = mergeable
            self.pulls[number].mergeable_state = state

    def review(self, token: str, number: int, event: str, *, commit_id: str | None = None,
               body: str = "") -> httpx.Response:
        """Submit a review as the token's user, through the real endpoint (validated too)."""
        payload: dict[str, str] = {"event": event, "body": body or event.lower()}
        if commit_id is not None:
            payload["commit_id"] = commit_id
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/vnd.github+json",
                   "X-GitHub-Api-Version": "2022-11-28", "User-Agent": "standin-test"}
        url = f"{self.url}/repos/{self.full_name}/pulls/{number}/reviews"
        return httpx.post(url, json=payload, headers=headers)

    def calls(self, method: str, path_suffix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.endswith(path_suffix)]

    # ------------------------------------------------------------------ request handling

    def handle(self, method: str, target: str, headers: Headers, raw: bytes) -> tuple[Reply, str]:
        with self._lock:
            split = urlsplit(target)
            if not split.path.startswith(self.prefix + "/"):
                self.problems.append(f"{method} {target}: outside the API prefix {self.prefix!r}")
                return Reply(404, {"message": "Not Found", "documentation_url": DOCS}), target
            path = split.path[len(self.prefix):]
            query = dict(parse_qsl(split.query, keep_blank_values=True))
            request = OARequest(
                method=method.lower(), path=path, body=raw or None,
                content_type=headers.get("Content-Type", "application/octet-stream"),
                parameters=RequestParameters(query=ImmutableMultiDict(parse_qsl(split.query)),
                                             header=headers),
            )
            self.problems.extend(self.checker.request_problems(request))
            self._check_headers(method, path, headers)
            payload = json.loads(raw) if raw else None
            reply = self._respond(method, path, query, headers, payload)
            self.requests.append(Recorded(method, path, query, dict(headers.items()), payload,
                                          reply.status))
            data = json.dumps(reply.body).encode() if reply.body is not None else b""
            content_type = "application/json; charset=utf-8" if data else ""
            response = OAResponse(reply.status, data or None, Headers(reply.headers), content_type)
            self.problems.extend(self.checker.response_problems(request, response))
            return reply, path

    def _check_headers(self, method: str, path: str, headers: Headers) -> None:
        expected = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28"}
        for name, value in expected.items():
            if headers.get(name) != value:
                self.problems.append(f"{method} {path}: header {name} is {headers.get(name)!r}")
        if not headers.get("User-Agent"):
            self.problems.append(f"{method} {path}: no User-Agent (GitHub requires one)")

    def _respond(self, method: str, path: str, query: dict[str, str], headers: Headers,
                 payload: Json) -> Reply:
        fault = self._take_fault(method, path)
        if fault is not None and not fault.after_effect:
            return Reply(fault.status, fault.body, fault.headers)
        reply = self._route(method, path, query, headers, payload)
        if fault is not None:
            return Reply(fault.status, fault.body, fault.headers)
        return reply

    def _take_fault(self, method: str, path: str) -> Fault | None:
        for fault in self._faults:
            if fault.matches(method, path):
                fault.count -= 1
                if fault.count <= 0:
                    self._faults.remove(fault)
                return fault
        return None

    def _route(self, method: str, path: str, query: dict[str, str], headers: Headers,
               payload: Json) -> Reply:
        user = self._user(headers)
        if user is None:
            return _error(401, "Bad credentials")
        for route_method, pattern, handler in _ROUTES:
            match = pattern.match(path)
            if match is None or route_method != method:
                continue
            if f"{match['owner']}/{match['repo']}".lower() != self.full_name.lower():
                return _error(404, "Not Found")
            number = match.groupdict().get("number")
            if number is not None and int(number) not in self.pulls:
                return _error(404, "Not Found")
            call: Callable[..., Reply] = getattr(self, f"_{handler}")
            pull = self.pulls[int(number)] if number is not None else None
            return call(pull=pull, query=query, payload=payload, user=user, path=path)
        self.problems.append(f"{method} {path}: the stand-in does not serve this")
        return _error(404, "Not Found")

    def _user(self, headers: Headers) -> str | None:
        scheme, _, token = (headers.get("Authorization") or "").partition(" ")
        return self.tokens.get(token) if scheme.lower() in ("bearer", "token") else None

    # ------------------------------------------------------------------ endpoints

    def _list_pulls(self, *, query: dict[str, str], path: str, **_: Any) -> Reply:
        state = query.get("state", "open")
        pulls = [p for p in self.pulls.values() if state == "all" or p.state == state]
        if "base" in query:
            pulls = [p for p in pulls if p.base == query["base"]]
        if "head" in query:
            owner, _colon, branch = query["head"].partition(":")
            pulls = [p for p in pulls if p.head == branch
                     and p.head_repo.split("/")[0].lower() == owner.lower()]
        pulls.sort(key=lambda p: p.number, reverse=query.get("direction", "desc") == "desc")
        per_page = min(int(query.get("per_page", 30)), 100)
        page = int(query.get("page", 1))
        chunk = pulls[(page - 1) * per_page: page * per_page]
        headers = {}
        if page * per_page < len(pulls):
            next_query = urlencode({**query, "page": page + 1})
            headers["Link"] = f'<{self.url}{path}?{next_query}>; rel="next"'
        return Reply(200, [self._pull_json(p, simple=True) for p in chunk], headers)

    def _create_pull(self, *, payload: Json, user: str, **_: Any) -> Reply:
        head = str(payload["head"]).split(":")[-1]
        base = str(payload["base"])
        if head not in self.branches:
            return _invalid({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if base not in self.branches:
            return _invalid({"resource": "PullRequest", "field": "base", "code": "invalid"})
        if head == base:
            return _invalid({"resource": "PullRequest", "code": "custom",
                             "message": f"No commits between {base} and {head}"})
        for pull in self.pulls.values():
            if pull.state == "open" and pull.head == head and pull.base == base:
                return _invalid({"resource": "PullRequest", "code": "custom",
                                 "message": f"A pull request already exists for "
                                            f"{self.owner}:{head}."})
        pull = self._new_pull(head=head, sha=self.branches[head], base=base,
                              title=payload.get("title", ""), body=payload.get("body"),
                              author=user, head_repo=self.full_name)
        pull.draft = bool(payload.get("draft", False))
        location = f"{self.url}/repos/{self.full_name}/pulls/{pull.number}"
        return Reply(201, self._pull_json(pull), {"Location": location})

    def _get_pull(self, *, pull: Pull, **_: Any) -> Reply:
        pull.polls += 1
        if pull.state == "open" and pull.polls >= self._merge_after.get(pull.number, 1 << 30):
            self._merge(pull)
        return Reply(200, self._pull_json(pull))

    def _update_pull(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        payload = payload or {}
        pull.title = payload.get("title", pull.title)
        pull.body = payload.get("body", pull.body)
        if payload.get("state") in ("open", "closed") and not pull.merged:
            pull.state = payload["state"]
        return Reply(200, self._pull_json(pull))

    def _list_reviews(self, *, pull: Pull, **_: Any) -> Reply:
        return Reply(200, list(pull.reviews))

    def _create_review(self, *, pull: Pull, payload: Json, user: str, **_: Any) -> Reply:
        payload = payload or {}
        event = payload.get("event")
        if event in ("APPROVE", "REQUEST_CHANGES") and user == pull.author:
            verb = "approve" if event == "APPROVE" else "request changes on"
            return Reply(422, {"message": "Unprocessable Entity", "documentation_url": DOCS,
                               "errors": [f"Can not {verb} your own pull request"]})
        state = {"APPROVE": "APPROVED", "REQUEST_CHANGES": "CHANGES_REQUESTED",
                 "COMMENT": "COMMENTED"}.get(event or "", "PENDING")
        review_id = 1000 + sum(len(p.reviews) for p in self.pulls.values())
        pull_url = f"{SPEC_SERVER}/repos/{self.full_name}/pulls/{pull.number}"
        review = self.checker.example(
            "pull-request-review",
            id=review_id, node_id=f"PRR_{review_id}", user=self._user_json(user),
            body=payload.get("body", ""), state=state,
            commit_id=payload.get("commit_id", pull.head_sha),
            html_url=f"https://github.com/{self.full_name}/pull/{pull.number}"
                     f"#pullrequestreview-{review_id}",
            pull_request_url=pull_url, submitted_at=TIMESTAMP,
            _links={"html": {"href": pull_url}, "pull_request": {"href": pull_url}},
            author_association="COLLABORATOR",
        )
        pull.reviews.append(review)
        return Reply(200, review)

    def _request_reviewers(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        payload = payload or {}
        users = list(payload.get("reviewers", []))
        if any(u not in self.collaborators for u in users):
            return Reply(422, {
                "message": "Reviews may only be requested from collaborators. One or more of "
                           "the users or teams you specified is not a collaborator of the "
                           f"{self.full_name} repository.",
                "documentation_url": DOCS,
            })
        if pull.author in users:
            return _invalid({"resource": "PullRequest", "code": "custom",
                             "message": "Review cannot be requested from pull request author."})
        pull.requested_reviewers += [u for u in users if u not in pull.requested_reviewers]
        teams = payload.get("team_reviewers", [])
        pull.requested_teams += [t for t in teams if t not in pull.requested_teams]
        return Reply(201, self._pull_json(pull, simple=True))

    def _merge_pull(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        payload = payload or {}
        if pull.state != "open" or pull.mergeable is False:
            return Reply(405, {"message": "Pull Request is not mergeable",
                               "documentation_url": DOCS})
        if "sha" in payload and payload["sha"] != pull.head_sha:
            return Reply(409, {"message": "Head branch was modified. Review and try the merge "
                                          "again.", "documentation_url": DOCS})
        self._merge(pull, payload.get("merge_method", "merge"))
        return Reply(200, self.checker.example(
            "pull-request-merge-result", sha=pull.merge_commit_sha, merged=True,
            message="Pull Request successfully merged"))

    def _add_labels(self, *, pull: Pull, payload: Json, **_: Any) -> Reply:
        names = payload.get("labels", []) if isinstance(payload, dict) else payload or []
        for entry in names:
            name = entry["name"] if isinstance(entry, dict) else str(entry)
            if name not in pull.labels:
                pull.labels.append(name)
        return Reply(200, [self._label_json(n) for n in pull.labels])

    # ------------------------------------------------------------------ helpers

    def _new_pull(self, *, head: str, sha: str, base: str, title: str, body: str | None,
                  author: str, head_repo: str) -> Pull:
        pull = Pull(number=self._next_number, head=head, head_sha=sha, base=base, title=title,
                    body=body, author=author, head_repo=head_repo)
        self.pulls[pull.number] = pull
        self._next_number += 1
        return pull

    def _merge(self, pull: Pull, method: str = "merge") -> None:
        pull.merged = True
        pull.state = "closed"
        pull.merge_commit_sha = fake_sha("merge", method, pull.number, pull.head_sha)
        self.branches[pull.base] = pull.merge_commit_sha

    def _user_json(self, login: str) -> dict[str, Json]:
        number = int(fake_sha(login)[:6], 16)
        return self.checker.example(
            "simple-user", login=login, id=number, node_id=f"U_{number}", type="User",
            url=f"{SPEC_SERVER}/users/{login}", html_url=f"https://github.com/{login}",
            site_admin=False,
        )

    def _repo_json(self, full_name: str) -> dict[str, Json]:
        owner, name = full_name.split("/")
        number = int(fake_sha(full_name)[:6], 16)
        return self.checker.example(
            "repository", id=number, node_id=f"R_{number}", name=name, full_name=full_name,
            owner=self._user_json(owner), private=True, fork=full_name != self.full_name,
            default_branch="main", html_url=f"https://github.com/{full_name}",
            url=f"{SPEC_SERVER}/repos/{full_name}",
            clone_url=f"https://github.com/{full_name}.git",
        )

    def _label_json(self, name: str, schema: str | dict[str, Json] = "label") -> dict[str, Json]:
        number = int(fake_sha("label", name)[:6], 16)
        return self.checker.example(
            schema, id=number, node_id=f"LA_{number}", name=name, color="ededed",
            description=f"{name} label", default=False,
            url=f"{SPEC_SERVER}/repos/{self.full_name}/labels/{name}",
        )

    def _team_json(self, slug: str, schema: dict[str, Json]) -> dict[str, Json]:
        number = int(fake_sha("team", slug)[:6], 16)
        return self.checker.example(
            schema, id=number, node_id=f"T_{number}", name=slug, slug=slug,
            description=f"team {slug}", permission="push",
            html_url=f"https://github.com/orgs/{self.owner}/teams/{slug}",
        )

    def _ref_json(self, branch: str, sha: str, full_name: str) -> dict[str, Json]:
        return {"label": f"{full_name.split('/')[0]}:{branch}", "ref": branch, "sha": sha,
                "repo": self._repo_json(full_name),
                "user": self._user_json(full_name.split("/")[0])}

    def _pull_json(self, pull: Pull, *, simple: bool = False) -> dict[str, Json]:
        kind = "pull-request-simple" if simple else "pull-request"
        label_schema = self.checker.subschema(kind, "labels", "[]")
        team_schema = self.checker.subschema(kind, "requested_teams", "[]")
        api = f"{SPEC_SERVER}/repos/{self.full_name}"
        html = f"https://github.com/{self.full_name}/pull/{pull.number}"
        values: dict[str, Json] = {
            "url": f"{api}/pulls/{pull.number}", "id": 500 + pull.number,
            "node_id": f"PR_{pull.number}", "html_url": html, "number": pull.number,
            "state": pull.state, "title": pull.title, "body": pull.body,
            "user": self._user_json(pull.author),
            "labels": [self._label_json(n, label_schema) for n in pull.labels],
            "requested_reviewers": [self._user_json(u) for u in pull.requested_reviewers],
            "requested_teams": [self._team_json(t, team_schema) for t in pull.requested_teams],
            "head": self._ref_json(pull.head, pull.head_sha, pull.head_repo),
            "base": self._ref_json(pull.base, self.branches[pull.base], self.full_name),
            "closed_at": TIMESTAMP if pull.state == "closed" else None,
            "merged_at": TIMESTAMP if pull.merged else None,
            "merge_commit_sha": pull.merge_commit_sha, "draft": pull.draft,
            "author_association": "MEMBER", "auto_merge": None,
            "created_at": TIMESTAMP, "updated_at": TIMESTAMP,
        }
        if not simple:
            values.update(
                merged=pull.merged, mergeable=pull.mergeable,
                mergeable_state=pull.mergeable_state,
                merged_by=self._user_json(pull.author) if pull.merged else None,
            )
        return self.checker.example(kind, **values)


_DEFAULT_MESSAGES = {
    401: "Bad credentials",
    403: "Resource not accessible by personal access token",
    404: "Not Found",
    422: "Validation Failed",
    500: "Server Error",
    502: "Server Error",
    503: "Service Unavailable",
}


def _error(status: int, message: str) -> Reply:
    return Reply(status, {"message": message, "documentation_url": DOCS})


def _invalid(*errors: Json) -> Reply:
    return Reply(422, {"message": "Validation Failed", "errors": list(errors),
                       "documentation_url": DOCS})


class _Handler(BaseHTTPRequestHandler):
    standin: GitHubStandIn
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in two writes: no 40 ms stalls

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        headers = Headers(list(self.headers.items()))
        try:
            reply, _ = self.standin.handle(self.command, self.path, headers, raw)
        except Exception:  # a stand-in bug: make the test fail with it, answer like GitHub
            self.standin.problems.append(f"stand-in crashed on {self.command} {self.path}:\n"
                                         + traceback.format_exc())
            reply = Reply(500, {"message": "stand-in crashed", "documentation_url": DOCS})
        data = json.dumps(reply.body).encode() if reply.body is not None else b""
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        if data:
            self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows failures, not every request."""
