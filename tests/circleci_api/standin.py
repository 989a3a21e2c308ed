"""A local stand-in for CircleCI's API v2, for tests: the two endpoints promoter asks, on
127.0.0.1 (a real HTTP server in a thread), answering with the documented shapes.

- `GET {prefix}/workflow/{id}/job`: `{"items": [...], "next_page_token": ...}`, `page_size` jobs
  a page; the next page is asked with `?page-token=TOKEN`. A job has `id`, `name`, `type`
  (`build` | `approval`), `status`, `dependencies` (job ids), `job_number` (build jobs),
  `approved_by` and `approval_request_id` (approval jobs), `started_at`, `stopped_at`.
- `GET {prefix}/user/{id}`: `{"id", "login", "name"}`.
- 401 `{"message": "Invalid token provided."}` without the right `Circle-Token` header; 404
  `{"message": "Workflow not found"}` / `{"message": "User not found"}`.

Test-side knobs: `answer_next(status, body)` (the next requests get these answers instead),
`requests` (what was asked). Anything the stand-in did not expect (another method, another
path, a token in the URL) is collected in `problems`; the fixture fails the test on any.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest

#: Distinctive, so that a leak anywhere is easy to find; never a real token.
TOKEN = "CCIPAT_FAKEleakCanary_0123456789abcdef"
PREFIX = "/api/v2"
STARTED, STOPPED = "2026-11-29T06:00:00Z", "2026-11-29T06:05:00Z"


def build_job(name: str, number: int, *, requires: tuple[str, ...] = (),
              status: str = "success") -> dict[str, Any]:
    """A build job as the API lists it (its id is `id-NAME`; requires: names of jobs)."""
    return {"id": f"id-{name}", "name": name, "type": "build", "status": status,
            "dependencies": [f"id-{each}" for each in requires], "job_number": number,
            "project_slug": "gh/acme/gitops", "started_at": STARTED, "stopped_at": STOPPED}


def approval_job(name: str, *, requires: tuple[str, ...] = (), approved_by: str | None = None,
                 status: str | None = None) -> dict[str, Any]:
    """An approval job: status success with approved_by once approved, on_hold before."""
    job: dict[str, Any] = {
        "id": f"id-{name}", "name": name, "type": "approval",
        "status": status or ("success" if approved_by else "on_hold"),
        "dependencies": [f"id-{each}" for each in requires],
        "approval_request_id": f"req-{name}", "started_at": STARTED, "stopped_at": None}
    if approved_by is not None:
        job["approved_by"] = approved_by
    return job


def user(user_id: str, login: str, name: str | None) -> dict[str, Any]:
    return {"id": user_id, "login": login, "name": name}


@dataclass
class CircleCIStandin:
    workflows: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    page_size: int = 2
    token: str = TOKEN
    problems: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)
    _canned: deque[tuple[int, Any]] = field(default_factory=deque)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{PREFIX}"

    def answer_next(self, status: int, body: Any) -> None:
        """The next request gets this answer (body: JSON-able, or bytes sent as they are)."""
        self._canned.append((status, body))

    # ------------------------------------------------------------------ serving

    def answer(self, method: str, target: str, token: str | None) -> tuple[int, Any]:
        self.requests.append(f"{method} {target}")
        parts = urlsplit(target)
        if self.token in target:
            self.problems.append(f"the token was sent in the URL: {target}")
        if method != "GET":
            self.problems.append(f"unexpected {method} {target}")
            return 405, {"message": "Method not allowed"}
        if self._canned:
            return self._canned.popleft()
        if token != self.token:
            return 401, {"message": "Invalid token provided."}
        return self._route(parts.path.removeprefix(PREFIX).split("/"), parse_qs(parts.query))

    def _route(self, path: list[str], query: dict[str, list[str]]) -> tuple[int, Any]:
        if len(path) == 4 and path[:2] == ["", "workflow"] and path[3] == "job":
            return self._jobs(unquote(path[2]), query.get("page-token", [""])[0])
        if len(path) == 3 and path[:2] == ["", "user"]:
            found = self.users.get(unquote(path[2]))
            return (200, found) if found else (404, {"message": "User not found"})
        self.problems.append(f"unexpected path {'/'.join(path)}")
        return 404, {"message": "Not found"}

    def _jobs(self, workflow: str, page_token: str) -> tuple[int, Any]:
        jobs = self.workflows.get(workflow)
        if jobs is None:
            return 404, {"message": "Workflow not found"}
        start = int(page_token.removeprefix("page-")) if page_token else 0
        end = start + self.page_size
        return 200, {"items": jobs[start:end],
                     "next_page_token": f"page-{end}" if end < len(jobs) else None}

    def start(self) -> CircleCIStandin:
        standin = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                try:
                    status, body = standin.answer("GET", self.path,
                                                  self.headers.get("Circle-Token"))
                except Exception as exc:
                    standin.problems.append(f"the stand-in crashed: {exc!r}")
                    status, body = 500, {"message": "stand-in crashed"}
                data = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()


# --------------------------------------------------------------------------- a typical workflow

WORKFLOW = "5f0c5a2e-0000-4000-8000-000000000001"
ALICE = user("u-alice", "alice", "Alice Liddell")
BOB = user("u-bob", "bob", None)


def production_workflow(*, approver: str | None = "u-alice",
                        status: str | None = None) -> list[dict[str, Any]]:
    """build → deploy-staging → hold-production (approval) → promote-production (#7)."""
    return [
        build_job("build", 3),
        build_job("deploy-staging", 4, requires=("build",)),
        approval_job("hold-production", requires=("deploy-staging",), approved_by=approver,
                     status=status),
        build_job("promote-production", 7, requires=("hold-production",), status="running"),
    ]


def job_environ(standin: CircleCIStandin, job: str = "promote-production",
                number: int = 7) -> dict[str, str]:
    """The variables of the CircleCI job `job` of WORKFLOW, with the stand-in as its API."""
    return {"CIRCLE_WORKFLOW_ID": WORKFLOW, "CIRCLE_JOB": job, "CIRCLE_BUILD_NUM": str(number),
            "CIRCLE_BUILD_URL": f"https://circleci.com/gh/acme/gitops/{number}",
            "CIRCLE_USERNAME": "ci-bot", "CIRCLECI_TOKEN": standin.token,
            "PROMOTER_CIRCLECI_TOKEN": "",  # set and empty: not taken from the test's own CI
            "PROMOTER_CIRCLECI_API_URL": standin.url}


#: A person at a terminal, even when the tests themselves run in CircleCI (empty is unset).
NO_CIRCLECI = {"CIRCLE_WORKFLOW_ID": "", "CIRCLE_JOB": "", "CIRCLE_BUILD_NUM": "",
               "CIRCLECI_TOKEN": "", "PROMOTER_CIRCLECI_TOKEN": ""}


@pytest.fixture
def circleci() -> Iterator[CircleCIStandin]:
    """A started stand-in; the test fails when the stand-in saw anything unexpected."""
    standin = CircleCIStandin().start()
    try:
        yield standin
    finally:
        standin.stop()
    assert not standin.problems, standin.problems
