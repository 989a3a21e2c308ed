"""promoter.circleci_api.approvers: the approval jobs upstream of this job and their approvers."""

from __future__ import annotations

from promoter.circleci_api.approvers import Lookup, lookup_approvals
from promoter.circleci_api.http import CircleCIAPI
from promoter.circleci_api.settings import JobContext
from promoter.trailers import Approver

from .standin import (
    ALICE,
    BOB,
    TOKEN,
    WORKFLOW,
    CircleCIStandin,
    approval_job,
    build_job,
    production_workflow,
)

THIS_JOB = JobContext(WORKFLOW, "promote-production", 7)


def lookup(standin: CircleCIStandin, context: JobContext = THIS_JOB) -> Lookup:
    with CircleCIAPI(TOKEN, api_url=standin.url) as api:
        return lookup_approvals(api, context)


def test_the_approver_upstream_is_found(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.users["u-alice"] = ALICE
    found = lookup(circleci)
    assert found.job_found and found.jobs_read == 4
    assert found.approvers == (Approver("alice", "Alice Liddell", "hold-production"),)
    assert found.unapproved == ()


def test_two_approvals_upstream_are_both_recorded_nearest_first(
        circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = [
        approval_job("hold-staging", approved_by="u-bob"),
        build_job("deploy-staging", 4, requires=("hold-staging",)),
        approval_job("hold-production", requires=("deploy-staging",), approved_by="u-alice"),
        build_job("promote-production", 7, requires=("hold-production",), status="running"),
        approval_job("hold-elsewhere", approved_by="u-carol"),  # not upstream: not asked
    ]
    circleci.users.update({"u-alice": ALICE, "u-bob": BOB})
    found = lookup(circleci)
    assert found.approvers == (Approver("alice", "Alice Liddell", "hold-production"),
                               Approver("bob", None, "hold-staging"))
    assert not any("u-carol" in request for request in circleci.requests)


def test_one_user_approving_twice_is_asked_once(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = [
        approval_job("hold-a", approved_by="u-alice"),
        approval_job("hold-b", approved_by="u-alice"),
        build_job("promote-production", 7, requires=("hold-a", "hold-b")),
    ]
    circleci.users["u-alice"] = ALICE
    assert [a.job for a in lookup(circleci).approvers] == ["hold-a", "hold-b"]
    assert sum("/user/" in request for request in circleci.requests) == 1


def test_a_rejected_approval_is_reported_unapproved(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow(approver=None, status="canceled")
    found = lookup(circleci)
    assert found.approvers == ()
    assert [u.describe() for u in found.unapproved] == [
        "hold-production (status canceled, nobody recorded as approver)"]


def test_this_job_found_by_name_when_the_number_is_unknown(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.users["u-alice"] = ALICE
    found = lookup(circleci, JobContext(WORKFLOW, "promote-production", None))
    assert [a.login for a in found.approvers] == ["alice"]


def test_a_job_not_in_the_workflow_is_not_found(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    found = lookup(circleci, JobContext(WORKFLOW, "deploy-elsewhere", 99))
    assert not found.job_found
    assert "job deploy-elsewhere (#99) of CircleCI workflow" in found.where
