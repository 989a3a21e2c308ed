"""CircleCI API v2 answers as promoter reads them: a workflow's jobs and a user, checked against
the documented shapes, and the approval jobs upstream of one job of the workflow.

A workflow job: `id`, `name`, `type` (build | approval), `status`, `dependencies` (the ids of the
jobs it requires), `job_number` (build jobs), `approved_by` (a user id, on an approved approval
job), `approval_request_id`, `started_at`, `stopped_at`. A user: `id`, `login`, `name`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from promoter.errors import CircleCIError
from promoter.sanitize import foreign, one_line

APPROVAL = "approval"
APPROVED = "success"
_TEXT_LIMIT = 200  # characters of a name or login kept for a trailer

Malformed = Callable[[str], CircleCIError]
"""The error for an answer that is not the documented shape, given what is wrong."""


@dataclass(frozen=True)
class WorkflowJob:
    id: str
    name: str
    type: str  # "build" | "approval"
    status: str
    dependencies: tuple[str, ...]
    job_number: int | None = None
    approved_by: str | None = None  # a user id
    approval_request_id: str | None = None

    @property
    def is_approval(self) -> bool:
        return self.type == APPROVAL

    @property
    def approved(self) -> bool:
        """An approval job somebody approved: status success and approved_by set."""
        return self.is_approval and self.status == APPROVED and bool(self.approved_by)


@dataclass(frozen=True)
class User:
    id: str
    login: str
    name: str | None


def safe_text(value: str) -> str:
    """A name from CircleCI made fit for one trailer line: no control characters, no line
    breaks, no credentials, at most 200 characters."""
    return one_line(foreign(value, _TEXT_LIMIT))


# --------------------------------------------------------------------------- reading answers


def parse_jobs(items: Sequence[Any], malformed: Malformed) -> list[WorkflowJob]:
    """The jobs of a listing's items; `malformed` names what is not the documented shape."""
    jobs = [_job(item, index, malformed) for index, item in enumerate(items)]
    ids = [job.id for job in jobs]
    duplicate = next((i for i in ids if ids.count(i) > 1), None)
    if duplicate is not None:
        raise malformed(f"two jobs with the id {foreign(duplicate, 80)!r}")
    known = set(ids)
    for job in jobs:
        unknown = next((d for d in job.dependencies if d not in known), None)
        if unknown is not None:
            raise malformed(f"job {safe_text(job.name)!r} depends on a job that is not in the "
                            f"workflow ({foreign(unknown, 80)!r})")
    return jobs


def _job(item: Any, index: int, malformed: Malformed) -> WorkflowJob:
    if not isinstance(item, dict):
        raise malformed(f"job {index + 1} is not a JSON object")
    where = f"job {index + 1}"
    dependencies = item.get("dependencies")
    if not isinstance(dependencies, list) or not all(isinstance(d, str) for d in dependencies):
        raise malformed(f"{where} has no `dependencies` list of job ids")
    number = item.get("job_number")
    if number is not None and (not isinstance(number, int) or isinstance(number, bool)):
        raise malformed(f"{where} has a `job_number` that is not a number")
    return WorkflowJob(
        id=_text(item, "id", where, malformed),
        name=_text(item, "name", where, malformed),
        type=_text(item, "type", where, malformed),
        status=_text(item, "status", where, malformed),
        dependencies=tuple(dependencies),
        job_number=number,
        approved_by=_optional_text(item, "approved_by", where, malformed),
        approval_request_id=_optional_text(item, "approval_request_id", where, malformed),
    )


def parse_user(data: Any, malformed: Malformed) -> User:
    """A user answer: a non-empty `login` without spaces, and a `name` (may be null)."""
    if not isinstance(data, dict):
        raise malformed("a user that is not a JSON object")
    login = safe_text(_text(data, "login", "the user", malformed))
    if not login or " " in login:
        raise malformed("a user `login` that is empty or holds spaces")
    name = _optional_text(data, "name", "the user", malformed)
    return User(_text(data, "id", "the user", malformed), login, safe_text(name) if name else None)


def _text(item: Mapping[str, Any], key: str, where: str, malformed: Malformed) -> str:
    value = item.get(key)
    if not isinstance(value, str) or not value.strip():
        raise malformed(f"{where} has no `{key}` text")
    return value


def _optional_text(item: Mapping[str, Any], key: str, where: str,
                   malformed: Malformed) -> str | None:
    value = item.get(key)
    if value is not None and not isinstance(value, str):
        raise malformed(f"{where} has a `{key}` that is not text")
    return value or None


# --------------------------------------------------------------------------- the graph


def find_job(jobs: Sequence[WorkflowJob], name: str | None,
             number: int | None) -> WorkflowJob | None:
    """This job: the one with its job number, else the only one with its name."""
    if number is not None:
        numbered = [job for job in jobs if job.job_number == number]
        if len(numbered) == 1:
            return numbered[0]
    named = [job for job in jobs if name is not None and job.name == name]
    return named[0] if len(named) == 1 else None


def upstream_approvals(jobs: Sequence[WorkflowJob], job: WorkflowJob) -> list[WorkflowJob]:
    """Every approval job that `job` requires, directly or through other jobs, nearest first
    (breadth first along `dependencies`; among equals, in the order of the listing)."""
    by_id = {each.id: each for each in jobs}
    order = {each.id: index for index, each in enumerate(jobs)}
    seen = {job.id}
    queue = deque(sorted(job.dependencies, key=lambda d: order.get(d, 0)))
    found: list[WorkflowJob] = []
    while queue:
        current = by_id.get(queue.popleft())
        if current is None or current.id in seen:
            continue
        seen.add(current.id)
        if current.is_approval:
            found.append(current)
        queue.extend(sorted(current.dependencies, key=lambda d: order.get(d, 0)))
    return found
