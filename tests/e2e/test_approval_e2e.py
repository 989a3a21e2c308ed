"""The approver, recorded, through the installed command: the production job asks the CircleCI
API stand-in who approved, records it in the commit, and `history` shows it; a rejected approval
is exit 3, a rejected token exit 5, a person at a terminal is refused unless they override with a
reason; the token is never printed."""

from __future__ import annotations

import json

from tests.circleci_api.standin import (
    ALICE,
    NO_CIRCLECI,
    TOKEN,
    WORKFLOW,
    CircleCIStandin,
    circleci,
    job_environ,
    production_workflow,
)
from tests.e2e.conftest import GitOps

__all__ = ["circleci"]


def staging(gitops: GitOps, tag: str) -> None:
    done = gitops.run("set-image", "staging", f"web={tag}")
    assert done.returncode == 0, done.stderr


def no_token_shown(*outputs: str) -> None:
    assert not any(TOKEN in output for output in outputs)


def test_the_production_job_records_its_approver(gitops: GitOps,
                                                 circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.users["u-alice"] = ALICE
    staging(gitops, "abc1234")
    done = gitops.run("promote", "production", "--require-approval", env=job_environ(circleci))
    assert done.returncode == 0, done.stderr
    assert "approved by alice (Alice Liddell) (approval job hold-production)" in done.stdout
    message = gitops.message()
    assert "Promoter-Approved-By: alice (Alice Liddell)\n" in message
    assert "Promoter-Approval-Job: hold-production\n" in message
    assert "Promoter-Triggered-By: ci-bot\n" in message

    entry = gitops.json("history", "production", "--limit", "1")["entries"][0]
    assert entry["triggered_by"] == "ci-bot"
    assert entry["approved_by"] == [{"login": "alice", "name": "Alice Liddell",
                                     "job": "hold-production"}]
    table = gitops.run("history", "production", env={"COLUMNS": "200"})
    assert "✔ alice (Alice Liddell)" in table.stdout
    assert "▸ ci-bot" in table.stdout
    no_token_shown(done.stdout, done.stderr, message, table.stdout)


def test_a_rejected_approval_changes_nothing(gitops: GitOps, circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow(approver=None, status="canceled")
    staging(gitops, "abc1234")
    head = gitops.head()
    done = gitops.run("promote", "production", env={**job_environ(circleci),
                                                    "PROMOTER_REQUIRE_APPROVAL": "1"})
    assert done.returncode == 3, done.stderr
    assert "hold-production (status canceled, nobody recorded as approver)" in done.stderr
    assert gitops.head() == head
    no_token_shown(done.stdout, done.stderr)


def test_a_rejected_token_is_exit_5_and_not_shown(gitops: GitOps,
                                                  circleci: CircleCIStandin) -> None:
    staging(gitops, "abc1234")
    wrong = "CCIPAT_FAKEwrongOne_0123456789"
    done = gitops.run("promote", "production", "--require-approval", "--json",
                      env={**job_environ(circleci), "CIRCLECI_TOKEN": wrong})
    assert done.returncode == 5, done.stderr
    error = json.loads(done.stdout)["error"]
    assert error["type"] == "CircleCIError"
    assert "CircleCI rejected the token (401" in error["message"]
    assert wrong not in done.stdout + done.stderr


def test_at_a_terminal_a_requirement_is_refused_unless_overridden(gitops: GitOps) -> None:
    staging(gitops, "abc1234")
    refused = gitops.run("promote", "production", "--require-approval", env=NO_CIRCLECI)
    assert refused.returncode == 3, refused.stderr
    assert "this is not a CircleCI job (CIRCLE_WORKFLOW_ID is not set)" in refused.stderr
    assert "--override-approval --reason TEXT" in refused.stderr

    done = gitops.run("promote", "production", "--require-approval", "--override-approval",
                      "--reason", "hotfix for INC-42, approved by alice on the call",
                      env=NO_CIRCLECI)
    assert done.returncode == 0, done.stderr
    assert "approval requirement overridden" in done.stdout
    assert ("Promoter-Override: approval: hotfix for INC-42, approved by alice on the call"
            in gitops.message())
    entry = gitops.json("history", "production", "--limit", "1")["entries"][0]
    assert entry["overrides"] == ["approval: hotfix for INC-42, approved by alice on the call"]
    assert entry["approved_by"] == []
