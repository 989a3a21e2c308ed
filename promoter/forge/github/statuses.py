"""What GitHub says about a commit: its commit statuses (the combined status: the latest of each
context) and its check runs (the latest of each name), as CommitCheck values for the promotion
gates. Both listings are paginated; the HTTP, retries and error messages are http.py's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from promoter.forge.base import FAILURE, PENDING, SUCCESS, CommitCheck
from promoter.forge.github.http import GitHubAPI
from promoter.sanitize import foreign, one_line

#: What a token needs to read them (the 403 hint).
STATUS_PERMISSIONS = '"Commit statuses: read" and "Checks: read"'

_STATUS_STATES = {"success": SUCCESS, "pending": PENDING, "failure": FAILURE, "error": FAILURE}


def commit_checks(api: GitHubAPI, sha: str) -> tuple[CommitCheck, ...]:
    """The commit statuses, then the check runs, of commit `sha`."""
    return (*commit_statuses(api, sha), *check_runs(api, sha))


def commit_statuses(api: GitHubAPI, sha: str) -> tuple[CommitCheck, ...]:
    """GET /repos/{o}/{r}/commits/{sha}/status: the latest status of each context."""
    action = f"read the commit statuses of {sha[:12]}"
    items = api.paginate(api.repo_path("commits", quote(sha, safe=""), "status"), params={},
                         action=action, key="statuses", needs=STATUS_PERMISSIONS)
    return tuple(_status(api, item, action) for item in items)


def check_runs(api: GitHubAPI, sha: str) -> tuple[CommitCheck, ...]:
    """GET /repos/{o}/{r}/commits/{sha}/check-runs: the latest check runs."""
    action = f"read the check runs of {sha[:12]}"
    items = api.paginate(api.repo_path("commits", quote(sha, safe=""), "check-runs"),
                         params={"filter": "latest"}, action=action, key="check_runs",
                         needs=STATUS_PERMISSIONS)
    return tuple(_check_run(api, item, action) for item in items)


def _status(api: GitHubAPI, item: Any, action: str) -> CommitCheck:
    if not isinstance(item, dict) or not isinstance(item.get("context"), str) or not isinstance(
            item.get("state"), str):
        raise api.unexpected(action, "a commit status without a context or a state")
    raw = item["state"]
    state = _STATUS_STATES.get(raw, FAILURE)
    at = _time(item.get("created_at") or item.get("updated_at"))
    if state == SUCCESS and at is None:
        raise api.unexpected(action, "a successful commit status without its time")
    return CommitCheck(name=item["context"], state=state, detail=_word(raw), at=at,
                       kind="status")


def _check_run(api: GitHubAPI, item: Any, action: str) -> CommitCheck:
    if not isinstance(item, dict) or not isinstance(item.get("name"), str) or not isinstance(
            item.get("status"), str):
        raise api.unexpected(action, "a check run without a name or a status")
    status, conclusion = item["status"], item.get("conclusion")
    at = _time(item.get("completed_at"))
    if status != "completed":
        return CommitCheck(item["name"], PENDING, _word(status), None, "check-run")
    word = conclusion if isinstance(conclusion, str) else "no conclusion"
    if word == "success" and at is None:
        raise api.unexpected(action, "a successful check run without its completion time")
    return CommitCheck(item["name"], SUCCESS if word == "success" else FAILURE, _word(word), at,
                       "check-run")


def _time(value: object) -> datetime | None:
    """An ISO 8601 time with its zone (GitHub's `2024-05-01T12:00:00Z`), else None."""
    if not isinstance(value, str):
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when if when.tzinfo is not None else None


def _word(value: str) -> str:
    """A state or conclusion as GitHub wrote it, safe to show."""
    return one_line(foreign(value, 40))
