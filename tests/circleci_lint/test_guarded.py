"""promoter.circleci_lint.guarded: steps the lint cannot see into fail the check in a job that
reaches a guarded environment, unless reviewed; the table of guarded jobs; the promoter orb."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from promoter.circleci_lint import PipelineReport
from tests.circleci_lint.configs import CONFIG, GUARDED, PROJECT, check, config

ORBS = """
orbs:
  acme: acme/deploy@1.2.3
  promoter: example-org/promoter@0.1.0
"""

# Each way a job can run promoter where the lint cannot see, in a job that deploys production.
INDIRECT = {
    "script": "      - run: ./scripts/deploy.sh production\n",
    "variable as command": "      - run: P=promoter; $P promote production\n",
    "eval": "      - run:\n          command: eval \"$DEPLOY\"\n"
            "          environment: {TARGET: production}\n",
    "bash -c": "      - run: bash -c \"$X\" -- production\n",
    "orb command": "      - acme/ship: {env: production}\n",
    "promoter with a run-time command": "      - run: promoter \"$WHAT\" production\n",
}


def deploy_job(steps: str, extra: str = "") -> str:
    return "  deploy:\n    docker: [{image: cimg/base:current}]\n" + extra + "    steps:\n" + steps


def with_approval(job: str = "deploy") -> str:
    return GUARDED + f"      - {job}: {{requires: [hold], serial-group: prod}}\n"


@pytest.mark.parametrize("steps", INDIRECT.values(), ids=INDIRECT.keys())
def test_each_indirect_pattern_fails_even_after_an_approval(steps: str) -> None:
    text = config(deploy_job(steps), with_approval(), ORBS)
    report = check(text)
    assert not report.ok
    [finding] = report.findings
    assert finding.job == "deploy" and "cannot see into" in finding.message
    assert "reaches production" in finding.message and "# promoter: reviewed" in finding.message
    [step] = [u for u in report.unverified if u.fails]
    line = int(step.location.rsplit(":", 1)[1])
    written = text.splitlines()[line - 1]
    assert step.command.split()[0] in written, (step, written)
    assert [g.job for g in report.guarded] == ["deploy"]
    assert report.guarded[0].how == "unverified"


def test_an_orb_job_it_cannot_see_into_fails_where_it_reaches_production() -> None:
    workflow = GUARDED + "      - acme/release: {requires: [hold], target: production}\n"
    report = check(config("", workflow, ORBS))
    [finding] = report.findings
    assert finding.job == "acme/release"
    assert "runs job acme/release of orb acme/deploy@1.2.3" in finding.message


def test_the_line_inside_a_block_script_is_reported() -> None:
    steps = "      - run:\n          command: |\n            set -eu\n" \
            "            ./scripts/deploy.sh production\n"
    text = config(deploy_job(steps), with_approval())
    [step] = check(text).unverified
    assert text.splitlines()[int(step.location.rsplit(":", 1)[1]) - 1].strip() == (
        "./scripts/deploy.sh production")


@pytest.mark.parametrize("steps", [
    "      - run: ./scripts/deploy.sh production  # promoter: reviewed by ops, runs kubectl diff\n",
    "      # promoter: reviewed by ops, runs kubectl diff\n"
    "      - run:\n          name: deploy\n          command: ./scripts/deploy.sh production\n",
    "      - run:\n          command: |\n            set -eu\n"
    "            # promoter: reviewed by ops, runs kubectl diff\n"
    "            ./scripts/deploy.sh production\n",
])
def test_a_reviewed_step_passes_and_is_listed(steps: str) -> None:
    report = check(config(deploy_job(steps), with_approval()))
    assert report.ok, report.findings
    [step] = report.reviewed
    assert step.reviewed is not None and step.reviewed.endswith(": by ops, runs kubectl diff")
    assert step.reviewed.startswith(".circleci/config.yml:")
    assert report.to_json()["unverifiable"][0]["reviewed"] == step.reviewed  # type: ignore[index]


def test_unseen_steps_in_jobs_that_reach_nothing_guarded_are_listed_not_counted() -> None:
    jobs = "  lint:\n    docker: [{image: x}]\n    steps:\n      - run: make lint\n"
    workflow = GUARDED + "      - lint\n      - acme/build: {requires: [build]}\n"
    report = check(config(jobs, workflow, ORBS))
    assert report.ok, report.findings
    assert sorted((u.job, u.reaches) for u in report.unverified) == [
        ("acme/build", []), ("lint", [])]


def test_a_shared_restricted_context_reaches_the_environment() -> None:
    jobs = deploy_job("      - run: promoter promote production --tag t\n") + (
        "  notify:\n    docker: [{image: x}]\n    steps:\n      - run: ./notify.sh\n")
    workflow = GUARDED + (
        "      - deploy: {requires: [hold], serial-group: prod, context: prod-deploy}\n"
        "      - notify: {requires: [deploy], context: [slack, prod-deploy]}\n")
    report = check(config(jobs, workflow))
    [finding] = report.findings
    assert finding.job == "notify" and "context prod-deploy" in finding.message


def test_the_guarded_table() -> None:
    report = check(CONFIG.read_text(encoding="utf-8"))
    [row] = report.guarded
    assert (row.workflow, row.job, row.environments, row.how) == (
        "release", "promote-production", ["production"], "promoter")
    assert row.approval_path == "promote-staging → request_prod"
    assert row.serial_group == "<< pipeline.project.slug >>/promote-production"
    assert {u.job for u in report.unverified} == {"test", "build-web-image"}
    assert not any(u.fails for u in report.unverified)


# ----------------------------------------------------------------------------- the promoter orb

ORB_EXAMPLE = """
version: 2.1
orbs:
  deploy: example-org/promoter@0.1.0
workflows:
  release:
    jobs:
      - build
      - deploy/promote-staging: {requires: [build], serial-group: staging, images: web=x}
      - request_prod: {type: approval, requires: [deploy/promote-staging]}
      - deploy/promote-production:
          requires: [request_prod]
          context: production-deploy
          serial-group: prod
jobs:
  build:
    docker: [{image: x}]
    steps: [checkout, deploy/install, deploy/check-pipeline]
"""


def test_the_orb_pipeline_passes() -> None:
    report = check(ORB_EXAMPLE)
    assert report.ok, report.findings
    [row] = report.guarded
    assert (row.job, row.how, row.approval_path) == (
        "deploy/promote-production", "promoter", "deploy/promote-staging → request_prod")
    assert report.unverified == []


def test_an_approval_less_path_to_the_orb_production_job_is_found() -> None:
    report = check(ORB_EXAMPLE.replace("requires: [request_prod]",
                                       "requires: [deploy/promote-staging]"))
    assert [f.job for f in report.findings] == ["deploy/promote-production"]
    assert "no approval job upstream" in report.findings[0].message


def test_the_orb_jobs_environment_parameter_is_what_they_change() -> None:
    text = ORB_EXAMPLE.replace("images: web=x", "images: web=x, environment: production")
    messages = [f.message for f in check(text).findings]
    assert any("writes production with `promoter set-image`" in m for m in messages), messages


def test_the_orb_commands_in_a_job() -> None:
    jobs = deploy_job("      - promoter/install\n      - promoter/git-access\n"
                      "      - promoter/promote: {environment: production}\n"
                      "      - promoter/frobnicate\n")
    report = check(config(jobs, GUARDED + "      - deploy: {requires: [to-staging]}\n", ORBS))
    messages = [f.message for f in report.findings]
    assert any("no approval job upstream" in m for m in messages), messages
    assert any("the promoter orb has no command frobnicate" in m for m in messages), messages


def _orb_examples() -> list[Path]:
    return sorted((PROJECT / "orb" / "examples").glob("*.yml"))


@pytest.mark.skipif(not _orb_examples(), reason="orb/examples not in this checkout")
@pytest.mark.parametrize("example", _orb_examples(), ids=lambda p: p.name)
def test_the_shipped_orb_examples_pass(example: Path) -> None:
    usage = YAML(typ="rt").load(example.read_text(encoding="utf-8"))["usage"]
    out = io.StringIO()
    YAML(typ="rt").dump(usage, out)
    report: PipelineReport = check(out.getvalue())
    assert report.ok, report.findings


def test_a_command_used_twice_is_listed_once_per_job() -> None:
    extra = "commands:\n  ship:\n    steps:\n      - run: ./scripts/deploy.sh production\n"
    text = config(deploy_job("      - ship\n      - ship\n"), with_approval(), extra)
    report = check(text)
    line = text.splitlines().index("      - run: ./scripts/deploy.sh production") + 1
    assert [(u.job, u.location) for u in report.unverified] == [
        ("deploy", f".circleci/config.yml:{line}")]
    assert len(report.findings) == 1


def test_a_name_alone_reaches_nothing_when_every_step_was_read() -> None:
    jobs = "  smoke-production:\n    docker: [{image: x}]\n    steps:\n      - run: curl -f x\n"
    workflow = GUARDED + "      - smoke-production\n      - approve-production: {type: approval}\n"
    report = check(config(jobs, workflow))
    assert report.ok and report.guarded == [] and report.unverified == []
