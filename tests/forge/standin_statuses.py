"""The GitHub stand-in's commit statuses and check runs (what Argo CD's and Flux's notifications
post about the commits they synced), for the promotion gates.

`StatusBoard` holds them per commit and builds the bodies of the three endpoints the stand-in
serves: POST /repos/{o}/{r}/statuses/{sha} (what a sync agent calls), GET .../commits/{ref}/status
(the combined status: the latest status of each context) and GET .../commits/{ref}/check-runs
(the check runs), both paginated as GitHub does (per_page, page, a Link header). Bodies come
from the stand-in's checker: built from the OpenAPI description's schemas when it has one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from .standin_checkers import SPEC_SERVER, Checker, Json

#: what a Reply is made of: (status, body, headers)
Answer = tuple[int, Json, dict[str, str]]


def iso(moment: datetime | None = None) -> str:
    """GitHub's time format: `2024-05-01T12:00:00Z` (now when not given)."""
    return (moment or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class Posted:
    """One commit status, as a sync agent posted it."""

    id: int
    sha: str
    context: str
    state: str  # error, failure, pending, success
    created_at: str
    creator: str
    description: str | None = None
    target_url: str | None = None


@dataclass
class CheckRun:
    id: int
    sha: str
    name: str
    status: str  # queued, in_progress, completed, ...
    conclusion: str | None  # success, failure, neutral, cancelled, skipped, timed_out, ...
    started_at: str | None
    completed_at: str | None


@dataclass
class _Later:
    """A status to post when the combined status of `sha` has been read `reads` times."""

    sha: str
    reads: int
    post: Callable[[], object]


@dataclass
class StatusBoard:
    checker: Checker
    full_name: str
    user_json: Callable[[str], dict[str, Json]]
    statuses: dict[str, list[Posted]] = field(default_factory=dict)  # oldest first
    check_runs: dict[str, list[CheckRun]] = field(default_factory=dict)
    reads: dict[str, int] = field(default_factory=dict)  # combined-status reads per commit
    later: list[_Later] = field(default_factory=list)
    _ids: int = 7000

    # ------------------------------------------------------------------ test-side knobs

    def post(self, sha: str, context: str, state: str, *, at: str | None = None,
             creator: str = "argocd", description: str | None = None,
             target_url: str | None = None) -> Posted:
        self._ids += 1
        status = Posted(self._ids, sha, context, state, at or iso(), creator, description,
                        target_url)
        self.statuses.setdefault(sha, []).append(status)
        return status

    def add_check_run(self, sha: str, name: str, *, status: str = "completed",
                      conclusion: str | None = "success", at: str | None = None) -> CheckRun:
        self._ids += 1
        done = status == "completed"
        run = CheckRun(self._ids, sha, name, status, conclusion if done else None,
                       at or iso(), (at or iso()) if done else None)
        self.check_runs.setdefault(sha, []).append(run)
        return run

    def after_reads(self, sha: str, reads: int, post: Callable[[], object]) -> None:
        """Run post() just before the reads-th read (from now) of sha's combined status."""
        self.later.append(_Later(sha, self.reads.get(sha, 0) + reads, post))

    # ------------------------------------------------------------------ the endpoints

    def created(self, status: Posted) -> dict[str, Json]:
        """The body of POST /statuses/{sha}: the status object."""
        return self.checker.example(
            "status", creator=self.user_json(status.creator), **self._status_values(status))

    def combined(self, sha: str, query: dict[str, str], url: str) -> Answer:
        """GET /commits/{sha}/status: the latest status of each context (case-insensitive),
        one page of them."""
        self.reads[sha] = self.reads.get(sha, 0) + 1
        for due in [d for d in self.later if d.sha == sha and d.reads <= self.reads[sha]]:
            self.later.remove(due)
            due.post()
        latest: dict[str, Posted] = {}
        for status in self.statuses.get(sha, []):
            latest[status.context.casefold()] = status
        chosen = sorted(latest.values(), key=lambda s: s.id, reverse=True)
        chunk, headers = _page(chosen, query, url)
        body = self.checker.example(
            "combined-commit-status", state=_combined_state(chosen), sha=sha,
            total_count=len(chosen), repository=self._repository(),
            statuses=[self.checker.example("simple-commit-status",
                                           **self._status_values(s)) for s in chunk],
            commit_url=f"{SPEC_SERVER}/repos/{self.full_name}/commits/{sha}",
            url=f"{SPEC_SERVER}/repos/{self.full_name}/commits/{sha}/status")
        return 200, body, headers

    def runs(self, sha: str, query: dict[str, str], url: str) -> Answer:
        """GET /commits/{sha}/check-runs: the newest run of each name (filter=latest, the
        default), else every run; one page of them."""
        runs = sorted(self.check_runs.get(sha, []), key=lambda r: r.id, reverse=True)
        if query.get("filter", "latest") == "latest":
            newest: dict[str, CheckRun] = {}
            for run in runs:
                newest.setdefault(run.name, run)
            runs = list(newest.values())
        chunk, headers = _page(runs, query, url)
        body = {"total_count": len(runs), "check_runs": [self._run_json(r) for r in chunk]}
        return 200, body, headers

    # ------------------------------------------------------------------ bodies

    def _status_values(self, status: Posted) -> dict[str, Json]:
        return {
            "id": status.id, "node_id": f"SC_{status.id}", "state": status.state,
            "context": status.context, "description": status.description,
            "target_url": status.target_url, "avatar_url": None,
            "url": f"{SPEC_SERVER}/repos/{self.full_name}/statuses/{status.sha}",
            "created_at": status.created_at, "updated_at": status.created_at,
        }

    def _run_json(self, run: CheckRun) -> dict[str, Json]:
        return self.checker.example(
            "check-run", id=run.id, node_id=f"CR_{run.id}", head_sha=run.sha, name=run.name,
            status=run.status, conclusion=run.conclusion, started_at=run.started_at,
            completed_at=run.completed_at, external_id=None, details_url=None,
            url=f"{SPEC_SERVER}/repos/{self.full_name}/check-runs/{run.id}",
            html_url=f"https://github.com/{self.full_name}/runs/{run.id}",
            check_suite={"id": run.id}, app=None, pull_requests=[])

    def _repository(self) -> dict[str, Json]:
        owner, name = self.full_name.split("/")
        return self.checker.example(
            "minimal-repository", id=4242, node_id="R_4242", name=name,
            full_name=self.full_name, owner=self.user_json(owner), private=True, fork=False,
            html_url=f"https://github.com/{self.full_name}",
            url=f"{SPEC_SERVER}/repos/{self.full_name}")


def _combined_state(statuses: list[Posted]) -> str:
    """GitHub's rule: failure if any is error or failure, pending if none or any pending,
    else success."""
    states = {s.state for s in statuses}
    if states & {"error", "failure"}:
        return "failure"
    return "pending" if not states or "pending" in states else "success"


def _page(items: list[Any], query: dict[str, str], url: str) -> tuple[list[Any], dict[str, str]]:
    per_page = min(int(query.get("per_page", 30)), 100)
    page = int(query.get("page", 1))
    headers = {}
    if page * per_page < len(items):
        headers["Link"] = f'<{url}?{urlencode({**query, "page": page + 1})}>; rel="next"'
    return items[(page - 1) * per_page: page * per_page], headers
