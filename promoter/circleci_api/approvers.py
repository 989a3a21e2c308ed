"""Who approved this CircleCI job: the approval jobs upstream of it in its workflow
(`GET /workflow/{id}/job`), and for each approved one its approver (`GET /user/{id}`).

Every approval job upstream counts, not only the nearest: a workflow with two approvals on the
way (staging, then production) records both, nearest first.
"""

from __future__ import annotations

from dataclasses import dataclass

from promoter.circleci_api.http import CircleCIAPI, segment
from promoter.circleci_api.jobs import (
    User,
    WorkflowJob,
    find_job,
    parse_jobs,
    parse_user,
    safe_text,
    upstream_approvals,
)
from promoter.circleci_api.settings import JobContext
from promoter.errors import CircleCIError
from promoter.sanitize import foreign
from promoter.trailers import Approver

_NOT_FOUND_HINT = ("check CIRCLE_WORKFLOW_ID, that the token belongs to a user who can see the "
                   "project, and PROMOTER_CIRCLECI_API_URL (CircleCI server: https://HOST/api/v2)")


@dataclass(frozen=True)
class Unapproved:
    """An approval job upstream that nobody approved (rejected, cancelled, still on hold)."""

    job: str
    status: str
    approved_by: bool  # whether it names an approver at all

    def describe(self) -> str:
        missing = "" if self.approved_by else ", nobody recorded as approver"
        return f"{self.job} (status {safe_text(self.status)}{missing})"


@dataclass(frozen=True)
class Lookup:
    """What CircleCI says about the approvals upstream of this job."""

    where: str  # this job, its workflow, and the API asked, for messages
    jobs_read: int
    job_found: bool
    approvers: tuple[Approver, ...] = ()
    unapproved: tuple[Unapproved, ...] = ()


def lookup_approvals(api: CircleCIAPI, context: JobContext) -> Lookup:
    """The approvers of every approval job upstream of this job, and the approval jobs upstream
    that were not approved. CircleCIError when the API fails or answers in another shape."""
    where = f"{context.describe()} at {api.api_url}"
    jobs = workflow_jobs(api, context.workflow_id)
    this = find_job(jobs, context.job_name, context.job_number)
    if this is None:
        return Lookup(where, len(jobs), job_found=False)
    upstream = upstream_approvals(jobs, this)
    users: dict[str, User] = {}
    approvers = tuple(_approver(api, job, users) for job in upstream if job.approved)
    unapproved = tuple(Unapproved(safe_text(job.name), job.status, bool(job.approved_by))
                       for job in upstream if not job.approved)
    return Lookup(where, len(jobs), True, approvers, unapproved)


def workflow_jobs(api: CircleCIAPI, workflow_id: str) -> list[WorkflowJob]:
    """Every job of the workflow, all pages read."""
    action = f"read the jobs of CircleCI workflow {foreign(workflow_id, 200)}"

    def not_found(message: str) -> CircleCIError:
        return CircleCIError(
            api.mask(f"CircleCI workflow {foreign(workflow_id, 200)} not found at "
                     f"{api.api_url}, or the token cannot see it (404 {message})"),
            hint=_NOT_FOUND_HINT)

    items = api.pages(f"/workflow/{segment(workflow_id)}/job", action=action,
                      not_found=not_found)
    return parse_jobs(items, lambda what: api.unexpected(action, what))


def user(api: CircleCIAPI, user_id: str) -> User:
    """The user with this id: login and name."""
    action = f"read the CircleCI user {foreign(user_id, 80)} who approved"

    def not_found(message: str) -> CircleCIError:
        return CircleCIError(
            api.mask(f"CircleCI user {foreign(user_id, 80)} (an approver) not found at "
                     f"{api.api_url} (404 {message})"),
            hint="the token's user must be able to see the approver; re-run the job")

    data = api.get(f"/user/{segment(user_id)}", action=action, not_found=not_found)
    return parse_user(data, lambda what: api.unexpected(action, what))


def _approver(api: CircleCIAPI, job: WorkflowJob, users: dict[str, User]) -> Approver:
    assert job.approved_by is not None
    if job.approved_by not in users:
        users[job.approved_by] = user(api, job.approved_by)
    found = users[job.approved_by]
    return Approver(found.login, found.name, safe_text(job.name))
