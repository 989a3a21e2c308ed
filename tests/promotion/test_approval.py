"""promoter.promotion.approval: the approval gate (required, overridden, optional) and its
record."""

from __future__ import annotations

import pytest

from promoter.config import Environment, parse_config
from promoter.errors import CircleCIError, ConfigError, ExitCode, PolicyError, UsageError
from promoter.promotion.approval import ApprovalGate, approval_line
from promoter.promotion.options import CommitOptions
from promoter.promotion.results import Approval
from promoter.trailers import Approver
from tests.circleci_api.standin import (
    ALICE,
    TOKEN,
    WORKFLOW,
    CircleCIStandin,
    circleci,
    job_environ,
    production_workflow,
)

__all__ = ["circleci"]

PRODUCTION = Environment("production", "overlays/production", "staging")
REQUIRED = Environment("production", "overlays/production", "staging", approval_required=True)
ALICE_APPROVED = Approver("alice", "Alice Liddell", "hold-production")


def gate(environ: dict[str, str], **options: object) -> ApprovalGate:
    return ApprovalGate(CommitOptions(environ=environ, sleep=lambda _: None,
                                      **options))  # type: ignore[arg-type]


def approved_workflow(standin: CircleCIStandin, **kwargs: object) -> dict[str, str]:
    standin.workflows[WORKFLOW] = production_workflow(**kwargs)  # type: ignore[arg-type]
    standin.users["u-alice"] = ALICE
    return job_environ(standin)


def test_a_required_approval_found_is_recorded(circleci: CircleCIStandin) -> None:
    found = gate(approved_workflow(circleci))(REQUIRED)
    assert found == Approval((ALICE_APPROVED,))


def test_the_flag_requires_it_too(circleci: CircleCIStandin) -> None:
    environ = approved_workflow(circleci, approver=None)
    with pytest.raises(PolicyError) as caught:
        gate(environ, require_approval=True)(PRODUCTION)
    assert caught.value.exit_code == ExitCode.POLICY


def test_a_rejected_approval_is_exit_3(circleci: CircleCIStandin) -> None:
    environ = approved_workflow(circleci, approver=None, status="canceled")
    with pytest.raises(PolicyError) as caught:
        gate(environ)(REQUIRED)
    assert ("production requires an approval, and an approval job upstream of job "
            "promote-production (#7)") in caught.value.message
    assert "hold-production (status canceled, nobody recorded as approver)" in caught.value.message


def test_no_approval_job_upstream_is_exit_3(circleci: CircleCIStandin) -> None:
    environ = approved_workflow(circleci)
    circleci.workflows[WORKFLOW] = [job for job in circleci.workflows[WORKFLOW]
                                    if job["type"] == "build"]
    circleci.workflows[WORKFLOW][-1]["dependencies"] = []
    with pytest.raises(PolicyError, match="no approval job runs before job promote-production"):
        gate(environ)(REQUIRED)


def test_a_job_missing_from_its_workflow_is_exit_3(circleci: CircleCIStandin) -> None:
    environ = {**approved_workflow(circleci), "CIRCLE_JOB": "other", "CIRCLE_BUILD_NUM": "99"}
    with pytest.raises(PolicyError, match="CircleCI does not list job other"):
        gate(environ)(REQUIRED)


def test_an_unknown_workflow_is_exit_5(circleci: CircleCIStandin) -> None:
    with pytest.raises(CircleCIError) as caught:
        gate(job_environ(circleci))(REQUIRED)
    assert caught.value.exit_code == ExitCode.REMOTE
    assert "not found" in caught.value.message and TOKEN not in str(caught.value)


def test_a_person_at_a_terminal_is_refused_clearly() -> None:
    with pytest.raises(PolicyError) as caught:
        gate({})(REQUIRED)
    assert "this is not a CircleCI job (CIRCLE_WORKFLOW_ID is not set)" in caught.value.message
    assert caught.value.hint is not None
    assert "--override-approval --reason TEXT" in caught.value.hint


def test_a_required_approval_without_a_token_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no CircleCI token is set"):
        gate({"CIRCLE_WORKFLOW_ID": WORKFLOW, "CIRCLE_JOB": "promote-production"})(REQUIRED)


def test_an_override_needs_a_reason() -> None:
    with pytest.raises(UsageError, match="--override-approval needs --reason TEXT"):
        gate({}, override_approval=True, reason="  ")


def test_an_override_records_its_reason() -> None:
    found = gate({}, override_approval=True, reason="CircleCI is down; ok'd by alice")(REQUIRED)
    assert found == Approval((), override="CircleCI is down; ok'd by alice")
    assert found.overrides() == ("approval: CircleCI is down; ok'd by alice",)


def test_an_override_of_nothing_is_not_recorded() -> None:
    check = gate({}, override_approval=True, reason="just in case")
    assert check(PRODUCTION) is None
    assert check.notes == ["--override-approval: nothing requires an approval for production, "
                           "so no override is recorded"]


def test_without_a_requirement_a_failed_lookup_is_a_note(circleci: CircleCIStandin) -> None:
    check = gate(job_environ(circleci))  # the workflow is unknown: 404
    assert check(PRODUCTION) is None
    assert len(check.notes) == 1 and check.notes[0].startswith("the approver is not recorded")


def test_without_a_requirement_the_approver_is_still_recorded(
        circleci: CircleCIStandin) -> None:
    check = gate(approved_workflow(circleci))
    assert check(PRODUCTION) == Approval((ALICE_APPROVED,))
    assert check(PRODUCTION) == Approval((ALICE_APPROVED,))
    assert len(circleci.requests) == 3  # looked up once: two pages of jobs, one user


def test_outside_circleci_nothing_is_asked() -> None:
    assert gate({"CIRCLECI_TOKEN": TOKEN})(PRODUCTION) is None


def test_the_pull_request_line() -> None:
    two = Approval((ALICE_APPROVED, Approver("bob", None, "hold-staging")))
    assert approval_line(two) == ("Approved in CircleCI by `alice (Alice Liddell)` (approval "
                                  "job `hold-production`), then `bob` (approval job "
                                  "`hold-staging`).")
    assert approval_line(Approval(override="a `quick` fix")) == (
        "Approval requirement overridden: `a 'quick' fix`.")
    assert approval_line(None) is None


def test_promoter_yaml_can_require_an_approval() -> None:
    config = parse_config("environments:\n  - name: staging\n  - name: production\n"
                          "    from: staging\n    approval: required\n")
    assert [env.approval_required for env in config.environments] == [False, True]
    with pytest.raises(ConfigError, match="'approval' must be 'required' or 'optional'"):
        parse_config("environments:\n  - name: production\n    approval: yes-please\n")
