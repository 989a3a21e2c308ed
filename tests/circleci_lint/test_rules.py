"""promoter.circleci_lint.rules: the checks, on our own config and on mutated copies of it."""

from __future__ import annotations

from typing import Any

from promoter.circleci_lint import check_pipeline
from tests.circleci_lint.configs import (
    CONFIG,
    GUARDED,
    check,
    config,
    entry,
    mutated,
    only_finding,
)

# ----------------------------------------------------------------------------- our own config


def test_our_circleci_config_passes() -> None:
    report = check(CONFIG.read_text(encoding="utf-8"))
    assert report.ok, report.findings
    assert report.path == ".circleci/config.yml"
    production = [line for line in report.checked if "promote-production" in line]
    assert len(production) == 1
    assert "approval request_prod upstream ✓" in production[0]
    assert "after promote-staging (staging) ✓" in production[0]
    assert "serial-group << pipeline.project.slug >>/promote-production ✓" in production[0]
    assert any("promote-staging sets an image in staging (no source)" in c for c in report.checked)
    assert any(c.startswith("workflow check: no job runs promoter") for c in report.checked)


# ----------------------------------------------------------------------------- mutations


def test_removed_approval_job_is_caught() -> None:
    def change(data: Any) -> None:
        jobs = data["workflows"]["release"]["jobs"]
        jobs[:] = [j for j in jobs if not (isinstance(j, dict) and "request_prod" in j)]
        entry(data, "promote-production")["requires"] = ["promote-staging"]

    only_finding(check(mutated(change)), "promote-production", "no approval job upstream")


def test_production_no_longer_requiring_the_approval_is_caught() -> None:
    def change(data: Any) -> None:
        del entry(data, "promote-production")["requires"]

    finding = only_finding(check(mutated(change)), "promote-production", "no approval")
    assert finding.workflow == "release"
    assert ".circleci/config.yml:" in finding.message  # says where


def test_misspelt_requires_is_caught() -> None:
    def change(data: Any) -> None:
        entry(data, "promote-production")["requires"] = ["request-prod"]

    report = check(mutated(change))
    assert {f.job for f in report.findings} == {"promote-production"}
    messages = " | ".join(f.message for f in report.findings)
    assert "requires 'request-prod', which is not a job of workflow release" in messages
    assert "no approval job upstream" in messages


def test_removed_serial_group_is_caught() -> None:
    def change(data: Any) -> None:
        del entry(data, "promote-production")["serial-group"]

    only_finding(check(mutated(change)), "promote-production", "without a `serial-group`")


def test_serial_group_on_the_job_definition_is_not_enough() -> None:
    def change(data: Any) -> None:
        group = entry(data, "promote-production").pop("serial-group")
        data["jobs"]["promote-production"]["serial-group"] = group

    only_finding(check(mutated(change)), "promote-production", "on the job definition is ignored")


def test_approval_not_after_staging_promotion_is_caught() -> None:
    def change(data: Any) -> None:
        entry(data, "request_prod")["requires"] = ["build-web-image"]

    only_finding(check(mutated(change)), "promote-production",
                 "no approval comes after a job that deploys staging")


def test_set_image_on_production_is_caught() -> None:
    def change(data: Any) -> None:
        run = data["jobs"]["promote-production"]["steps"][-1]["run"]
        run["command"] = "promoter set-image production web=$CIRCLE_SHA1 --skip-ci"

    finding = only_finding(check(mutated(change)), "promote-production", "set-image")
    assert "use `promoter promote production --tag TAG`" in finding.message


def test_requirement_that_accepts_failure_does_not_guard() -> None:
    def change(data: Any) -> None:
        entry(data, "request_prod")["requires"] = [{"promote-staging": ["success", "failed"]}]

    only_finding(check(mutated(change)), "promote-production", "no approval comes after")


def test_requirement_with_explicit_success_status_counts() -> None:
    def change(data: Any) -> None:
        entry(data, "promote-production")["requires"] = [{"request_prod": "success"}]

    assert check(mutated(change)).ok


def test_approval_reached_only_through_terminal_status_is_reported_as_such() -> None:
    def change(data: Any) -> None:
        entry(data, "promote-production")["requires"] = [{"request_prod": "terminal"}]

    only_finding(check(mutated(change)), "promote-production", "also accepts failure")


def test_production_staging_promotion_in_another_workflow_is_caught() -> None:
    """The approval must follow the staging promotion of the same workflow."""

    def change(data: Any) -> None:
        jobs = data["workflows"]["release"]["jobs"]
        staging = [j for j in jobs if isinstance(j, dict) and "promote-staging" in j]
        jobs[:] = [j for j in jobs if j not in staging]
        entry(data, "request_prod")["requires"] = ["build-web-image"]
        data["workflows"]["staging-only"] = {"jobs": ["promote-staging"]}

    report = check(mutated(change))
    jobs = {(f.workflow, f.job) for f in report.findings}
    assert ("release", "promote-production") in jobs
    assert any("no approval comes after" in f.message for f in report.findings)


# ----------------------------------------------------------------------------- small configs


def test_rollback_needs_approval_but_not_a_source_deployment() -> None:
    jobs = """
  undo:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter rollback production --to "$TAG"
"""
    workflow = """
      - ok: {type: approval}
      - undo: {requires: [ok], serial-group: g}
"""
    report = check(config(jobs, workflow))
    assert report.ok, report.findings
    assert any("rolls back production" in c and "approval ok upstream ✓" in c
               for c in report.checked)


def test_non_literal_and_unknown_environments_are_findings() -> None:
    jobs = """
  a:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote "$TARGET_ENV" --tag x
  b:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote prod --tag x
"""
    report = check(config(jobs, "      - a\n      - b\n"))
    messages = {f.job: f.message for f in report.findings}
    assert "is not literal" in messages["a"]
    assert "unknown environment 'prod'" in messages["b"]


def test_promotion_pull_request_job_is_checked_for_its_environment() -> None:
    """`--pr` is a flag: the environment after it is the one the job changes."""
    jobs = """
  deploy:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote --pr prod-eu --tag $CIRCLE_SHA1
  deploy-json:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter --json promote --pr prod-eu
"""
    workflow = "      - deploy: {serial-group: g}\n      - deploy-json: {serial-group: g}\n"
    report = check_pipeline(config(jobs, workflow), {"staging": None, "prod-eu": "staging"})
    assert [(f.job, "changes prod-eu with no approval" in f.message)
            for f in report.findings] == [("deploy", True), ("deploy-json", True)]


def test_different_serial_groups_for_production_are_caught() -> None:
    jobs = """
  deploy:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote production --tag $CIRCLE_SHA1
"""
    text = config(jobs, GUARDED + "      - deploy: {requires: [hold], serial-group: one}\n")
    text += "  again:\n    jobs:\n" + GUARDED
    text += "      - deploy: {requires: [hold], serial-group: two}\n"
    report = check(text)
    assert [(f.workflow, f.job) for f in report.findings] == [("again", "deploy")]
    assert "different serial groups" in report.findings[0].message


def test_config_without_promoter_jobs_is_ok_and_says_so() -> None:
    report = check(config("", "      - build\n"))
    assert report.ok
    assert report.checked == ["workflow release: no job runs promoter promote/rollback/set-image"]
