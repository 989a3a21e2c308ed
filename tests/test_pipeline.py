"""promoter.pipeline: the CircleCI safety lint, on our own config and on mutated copies of it."""

from __future__ import annotations

import io
import itertools
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from promoter.config import parse_config
from promoter.errors import ContentError, ExitCode
from promoter.pipeline import Finding, PipelineReport, check_pipeline, find_promoter_calls

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / ".circleci" / "config.yml"
SOURCES = {
    e.name: e.source for e in parse_config((PROJECT / "promoter.yaml").read_text()).environments
}
ENVS = tuple(SOURCES)


def release_jobs(data: Any) -> list[Any]:
    return list(data["workflows"]["release"]["jobs"])


def entry(data: Any, job: str) -> Any:
    """The mapping of a workflow job entry in the release workflow."""
    for item in data["workflows"]["release"]["jobs"]:
        if isinstance(item, dict) and job in item:
            return item[job]
    raise AssertionError(f"{job} not in the release workflow")


def mutated(change: Callable[[Any], None]) -> str:
    yaml = YAML(typ="rt")
    data = yaml.load(CONFIG.read_text(encoding="utf-8"))
    change(data)
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def check(text: str) -> PipelineReport:
    return check_pipeline(text, SOURCES)


def only_finding(report: PipelineReport, job: str, *words: str) -> Finding:
    assert not report.ok
    assert [f.job for f in report.findings] == [job], report.findings
    finding = report.findings[0]
    for word in words:
        assert word in finding.message, finding.message
    return finding


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


# ----------------------------------------------------------------------------- config shapes


BASE = """
version: 2.1
jobs:
  build:
    docker: [{image: cimg/base:current}]
    steps: [checkout]
  to-staging:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter set-image staging web=$CIRCLE_SHA1 --repo "$R"
"""


def config(jobs: str = "", workflow: str = "", extra: str = "") -> str:
    return BASE + jobs + extra + "workflows:\n  release:\n    jobs:\n" + workflow


GUARDED = """
      - build
      - to-staging: {requires: [build]}
      - hold: {type: approval, requires: [to-staging]}
"""


def test_workflow_name_override_is_what_requires_uses() -> None:
    jobs = """
  deploy:
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote production --tag $CIRCLE_SHA1
"""
    workflow = GUARDED + """
      - deploy: {name: ship-it, requires: [hold], serial-group: g/prod}
"""
    report = check(config(jobs, workflow))
    assert report.ok, report.findings
    assert any("job ship-it promotes production" in c for c in report.checked)
    broken = workflow.replace("requires: [hold]", "requires: [deploy]")
    messages = [f.message for f in check(config(jobs, broken)).findings]
    assert any("requires 'deploy', which is not a job" in m for m in messages)


def test_parameterised_job_is_checked_per_invocation() -> None:
    jobs = """
  promote:
    parameters:
      env: {type: string, default: staging}
    docker: [{image: cimg/base:current}]
    steps:
      - run:
          name: promote
          command: |
            promoter promote << parameters.env >> \\
              --tag "$CIRCLE_SHA1" --skip-ci
"""
    workflow = GUARDED + """
      - promote: {name: prod-a, env: production, requires: [hold], serial-group: p}
      - promote: {name: prod-b, env: production, requires: [to-staging], serial-group: p}
"""
    report = check(config(jobs, workflow))
    assert [(f.job, "no approval" in f.message) for f in report.findings] == [("prod-b", True)]


def test_matrix_instances_are_checked_each() -> None:
    jobs = """
  promote:
    parameters:
      env: {type: string}
    docker: [{image: cimg/base:current}]
    steps:
      - run: promoter promote << parameters.env >> --tag $CIRCLE_SHA1
"""
    workflow = GUARDED + """
      - promote:
          name: promote-<< matrix.env >>
          matrix: {parameters: {env: [staging, production]}}
          requires: [to-staging]
          serial-group: g
"""
    report = check(config(jobs, workflow))
    assert [f.job for f in report.findings] == ["promote-production"]


def test_promoter_inside_a_reusable_command_is_found() -> None:
    extra = """
commands:
  ship:
    parameters:
      target: {type: string}
      after: {type: steps, default: []}
    steps:
      - when:
          condition: true
          steps:
            - run: {command: "python -m promoter rollback << parameters.target >>"}
      - << parameters.after >>
"""
    jobs = """
  undo:
    docker: [{image: cimg/base:current}]
    steps:
      - ship:
          target: staging
          after:
            - run: promoter rollback production
"""
    workflow = GUARDED + "      - undo\n"
    report = check(config(jobs, workflow, extra))
    messages = [(f.job, f.message) for f in report.findings]
    assert [job for job, _ in messages] == ["undo", "undo"]
    assert "changes production with no approval" in messages[0][1]
    assert any("job undo rolls back staging" in c for c in report.checked)


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


def test_inline_orb_job_and_pre_steps_are_checked() -> None:
    extra = """
orbs:
  ship:
    jobs:
      prod:
        docker: [{image: cimg/base:current}]
        steps:
          - run: promoter promote production --tag $CIRCLE_SHA1
  aws-ecr: circleci/aws-ecr@9.3.7
"""
    workflow = GUARDED + """
      - ship/prod: {requires: [hold]}
      - aws-ecr/build_and_push_image:
          requires: [hold]
          serial-group: g
          pre-steps:
            - run: promoter set-image production web=abc1234
"""
    report = check(config("", workflow, extra))
    found = {(f.job, f.message.split(";")[0]) for f in report.findings}
    assert ("ship/prod", "changes production without a `serial-group`") in found
    assert any(job == "aws-ecr/build_and_push_image" and "set-image" in m for job, m in found)


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


def test_undefined_job_and_duplicate_names_are_findings() -> None:
    workflow = "      - build\n      - build\n      - nothing-here\n"
    report = check(config("", workflow))
    messages = sorted(f.message for f in report.findings)
    assert any("used twice" in m for m in messages)
    assert any("'nothing-here', which neither `jobs:` nor an orb defines" in m for m in messages)


def test_anchors_and_pipeline_parameters_are_resolved() -> None:
    text = """
version: 2.1
parameters:
  target: {type: string, default: production}
defaults: &defaults
  docker: [{image: cimg/base:current}]
jobs:
  to-staging:
    <<: *defaults
    steps: [{run: promoter set-image staging web=1234567}]
  deploy:
    <<: *defaults
    steps: [{run: "promoter promote << pipeline.parameters.target >> --tag 1234567"}]
workflows:
  release:
    when: << pipeline.parameters.target >>
    jobs:
      - to-staging
      - hold: {type: approval, requires: [to-staging]}
      - deploy: {requires: [hold], serial-group: g}
"""
    report = check(text)
    assert report.ok, report.findings
    assert any("job deploy promotes production" in c for c in report.checked)


def test_config_without_promoter_jobs_is_ok_and_says_so() -> None:
    report = check(config("", "      - build\n"))
    assert report.ok
    assert report.checked == ["workflow release: no job runs promoter promote/rollback/set-image"]


# ----------------------------------------------------------------------------- malformed input


@pytest.mark.parametrize(("text", "words"), [
    ("version: 2.1\nworkflows: {a: {jobs: [x]}\n", ["config.yml:", "malformed YAML"]),
    ("- just\n- a list\n", ["not a CircleCI config"]),
    ("jobs: {}\n", ["not a CircleCI config"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs: build\n", ["config.yml:4", "'jobs' list"]),
    ("version: 2.1\nworkflows:\n  w: 3\n", ["config.yml:3", "must be a mapping"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - {a: {}, b: {}}\n",
     ["config.yml:5", "one-key mapping"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - a: {requires: b}\n",
     ["config.yml:5", "'requires' must be a list"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - a: {requires: [[b]]}\n",
     ["config.yml:5", "job name or {job: status}"]),
])
def test_malformed_config_is_a_content_error_with_location(text: str, words: list[str]) -> None:
    with pytest.raises(ContentError) as caught:
        check(text)
    assert caught.value.exit_code == ExitCode.INVALID
    for word in words:
        assert word in str(caught.value)


def test_command_loop_is_a_content_error() -> None:
    extra = "commands:\n  a: {steps: [b]}\n  b: {steps: [a]}\n"
    jobs = "  j:\n    docker: [{image: x}]\n    steps: [a]\n"
    with pytest.raises(ContentError, match="loop"):
        check(config(jobs, "      - j\n", extra))


# ----------------------------------------------------------------------------- shell parsing


@pytest.mark.parametrize(("command", "expected"), [
    ("promoter promote production --tag abc", [("promote", "production")]),
    ("promoter promote --tag abc --repo \"$R\" production", [("promote", "production")]),
    ("promoter --config p.yaml set-image staging web=abc", [("set-image", "staging")]),
    ("promoter rollback \\\n  production \\\n  --to abc", [("rollback", "production")]),
    ("cd x && ~/venv/bin/promoter promote production; echo done", [("promote", "production")]),
    ("PROMOTER_JSON=1 python -m promoter promote production", [("promote", "production")]),
    ("promoter promote --frobnicate production", [("promote", "production")]),
    ("promoter promote --json -- production", [("promote", "production")]),
    ("promoter promote staging\npromoter promote production", [("promote", "staging"),
                                                               ("promote", "production")]),
    ("if promoter promote production; then echo ok; fi", [("promote", "production")]),
    ("timeout 5m promoter promote production", [("promote", "production")]),
    ("uv run promoter promote production", [("promote", "production")]),
    ("docker run --rm img:1 promoter rollback production", [("rollback", "production")]),
    ("bash -ec 'promoter promote production'", [("promote", "production")]),
    ("bash -c 'cd x && promoter promote production'", [("promote", "production")]),
    ("eval \"promoter rollback production\"", [("rollback", "production")]),
    ("promoter promote $ENV", [("promote", None)]),
    ("promoter promote", [("promote", None)]),
    ("pip install promoter", []),
    ("pip install --quiet promoter && promoter --version", []),
    ("echo 'promoter promote production'", []),
    ("promoter status production", []),
    ("# promoter promote production", []),
    ("promoter check-pipeline .circleci/config.yml", []),
])
def test_find_promoter_calls(command: str, expected: list[tuple[str, str | None]]) -> None:
    calls = find_promoter_calls(command, ENVS)
    assert [(c.action, c.environment) for c in calls] == expected


def test_unbalanced_quotes_fall_back_to_words() -> None:
    calls = find_promoter_calls("promoter promote production -m \"multi\nline\"", ENVS)
    assert [(c.action, c.environment) for c in calls] == [("promote", "production")]


_OPTIONS = st.lists(st.sampled_from([
    ["--tag", "abc1234"], ["--repo", "git@github.com:o/r.git"], ["--skip-ci"], ["--dry-run"],
    ["--message", "why not"], ["--tag=abc1234"], ["--max-attempts", "3"], ["--no-push"],
]), max_size=4)


@settings(max_examples=60, deadline=None)
@given(before=_OPTIONS, after=_OPTIONS, action=st.sampled_from(["promote", "rollback"]),
       env=st.sampled_from(ENVS))
def test_options_anywhere_never_hide_the_environment(
    before: list[list[str]], after: list[list[str]], action: str, env: str
) -> None:
    words = ["promoter", action, *itertools.chain(*before), env, *itertools.chain(*after)]
    calls = find_promoter_calls(shlex.join(words), ENVS)
    assert [(c.action, c.environment) for c in calls] == [(action, env)]


def test_finding_text_names_workflow_and_job() -> None:
    finding = Finding(job="promote-production", workflow="release", message="no approval")
    assert str(finding) == "workflow release, job promote-production: no approval"
    assert not PipelineReport("x", [], [finding]).ok
    assert PipelineReport("x", ["checked"], []).ok


def test_steps_merged_from_an_anchor_are_seen_and_workflows_version_is_skipped() -> None:
    text = """
version: 2.1
x: &common
  docker: [{image: a}]
  steps: [{run: promoter promote production --tag abc1234}]
jobs:
  deploy:
    <<: *common
workflows:
  version: 2
  w:
    jobs: [deploy]
"""
    report = check(text)
    assert [(f.workflow, f.job) for f in report.findings] == [("w", "deploy"), ("w", "deploy")]


_NAMES = st.sampled_from(["build", "hold", "deploy", "to-staging", "o/job", "undefined"])
_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), _NAMES,
                     st.sampled_from(["success", "terminal", "approval", "production", "<< x"]))
_RUNS = st.sampled_from([
    "promoter promote production --tag abc1234", "promoter set-image staging web=abc1234",
    "promoter rollback << parameters.env >>", "promoter promote << matrix.env >>",
    "echo hi", "promoter set-image production web=1 'unbalanced",
])
_STEP = st.one_of(
    _RUNS.map(lambda r: {"run": r}), _RUNS.map(lambda r: {"run": {"command": r}}),
    st.just("checkout"), st.just("cmd"), _SCALARS, st.just({"cmd": {"env": "production"}}),
    st.just({"when": {"condition": True, "steps": [{"run": "promoter rollback production"}]}}),
)
_JOB = st.fixed_dictionaries({"steps": st.one_of(st.lists(_STEP, max_size=3), _SCALARS)},
                             optional={"parameters": st.just({"env": {"default": "staging"}}),
                                       "type": st.sampled_from(["approval", "build"]),
                                       "serial-group": st.just("g")})
_REQUIRE = st.one_of(_NAMES, st.dictionaries(_NAMES, st.one_of(
    st.sampled_from(["success", "failed", "terminal"]), st.lists(st.just("success"))),
    min_size=1, max_size=1), _SCALARS)
_ENTRY_BODY = st.fixed_dictionaries({}, optional={
    "requires": st.one_of(st.lists(_REQUIRE, max_size=3), _SCALARS),
    "type": st.sampled_from(["approval", "x"]), "serial-group": _NAMES, "name": _NAMES,
    "env": st.sampled_from(["staging", "production", "$E"]),
    "matrix": st.one_of(st.just({"parameters": {"env": ["staging", "production"]}}), _SCALARS),
    "pre-steps": st.lists(_STEP, max_size=2),
})
_ONE_ENTRY = st.dictionaries(_NAMES, _ENTRY_BODY, min_size=1, max_size=1)
_ENTRY = st.one_of(_NAMES, _ONE_ENTRY, _ONE_ENTRY, _ONE_ENTRY, _ONE_ENTRY, st.integers(0, 1))
_JOBS_LIST = st.fixed_dictionaries({"jobs": st.lists(_ENTRY, max_size=6)})
_WORKFLOW = _JOBS_LIST


@settings(max_examples=150, deadline=None)
@given(jobs=st.dictionaries(_NAMES, st.one_of(_JOB, _SCALARS), max_size=4),
       workflows=st.dictionaries(st.sampled_from(["a", "b"]), _WORKFLOW, max_size=2),
       commands=st.sampled_from([None, {"cmd": {
           "parameters": {"env": {"default": "staging"}},
           "steps": [{"run": "promoter promote << parameters.env >>"}]}}]))
def test_any_shape_is_a_report_or_a_content_error(
    jobs: Any, workflows: Any, commands: Any
) -> None:
    """Whatever the YAML holds, check_pipeline reports or raises ContentError, never crashes."""
    data = {"version": 2.1, "jobs": jobs, "workflows": workflows, "commands": commands}
    out = io.StringIO()
    YAML(typ="safe").dump(data, out)
    try:
        report = check(out.getvalue())
    except ContentError as exc:
        assert exc.message.startswith(".circleci/config.yml")
    else:
        assert report.ok == (not report.findings)
