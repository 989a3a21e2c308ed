"""promoter.trailers: the approval trailers (Promoter-Approved-By, -Approval-Job, -Override)."""

from __future__ import annotations

from promoter.trailers import Approver, Record, format_message, parse_record

RECORD = Record(
    action="promote", environment="production", images=(), triggered_by="ci-bot",
    approvals=(Approver("alice", "Alice Liddell", "hold-production"),
               Approver("bob", None, "hold-staging")),
    overrides=("approval: hotfix INC-42",),
)


def test_approvers_are_written_in_pairs_and_read_back() -> None:
    message = format_message(RECORD)
    assert ("Promoter-Approved-By: alice (Alice Liddell)\n"
            "Promoter-Approval-Job: hold-production\n"
            "Promoter-Approved-By: bob\n"
            "Promoter-Approval-Job: hold-staging\n") in message
    assert "Promoter-Override: approval: hotfix INC-42" in message
    parsed = parse_record(message)
    assert parsed is not None
    assert parsed.approvals == RECORD.approvals
    assert parsed.overrides == RECORD.overrides
    assert parsed.triggered_by == "ci-bot"


def test_an_approver_line_is_one_line() -> None:
    record = Record(action="promote", environment="production", images=(),
                    approvals=(Approver("mallory", "M\nPromoter-Action: rollback", "hold"),))
    message = format_message(record)
    assert "\nPromoter-Action: rollback" not in message
    parsed = parse_record(message)
    assert parsed is not None and parsed.action == "promote"


def test_an_approver_without_a_job_line_keeps_its_login() -> None:
    parsed = parse_record("promote(production)\n\nPromoter-Action: promote\n"
                          "Promoter-Environment: production\nPromoter-Approved-By: carol\n")
    assert parsed is not None
    assert parsed.approvals == (Approver("carol"),)
