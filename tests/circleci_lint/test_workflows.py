"""promoter.circleci_lint.workflows: the workflow graph (names, matrix, requires) and its shape."""

from __future__ import annotations

import pytest

from promoter.errors import ContentError, ExitCode
from tests.circleci_lint.configs import GUARDED, check, config


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


def test_undefined_job_and_duplicate_names_are_findings() -> None:
    workflow = "      - build\n      - build\n      - nothing-here\n"
    report = check(config("", workflow))
    messages = sorted(f.message for f in report.findings)
    assert any("used twice" in m for m in messages)
    assert any("'nothing-here', which neither `jobs:` nor an orb defines" in m for m in messages)


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


@pytest.mark.parametrize(("text", "words"), [
    ("version: 2.1\nworkflows:\n  w:\n    jobs: build\n", ["config.yml:4", "'jobs' list"]),
    ("version: 2.1\nworkflows:\n  w: 3\n", ["config.yml:3", "must be a mapping"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - {a: {}, b: {}}\n",
     ["config.yml:5", "one-key mapping"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - a: {requires: b}\n",
     ["config.yml:5", "'requires' must be a list"]),
    ("version: 2.1\nworkflows:\n  w:\n    jobs:\n      - a: {requires: [[b]]}\n",
     ["config.yml:5", "job name or {job: status}"]),
])
def test_malformed_workflow_is_a_content_error_with_location(text: str,
                                                             words: list[str]) -> None:
    with pytest.raises(ContentError) as caught:
        check(text)
    assert caught.value.exit_code == ExitCode.INVALID
    for word in words:
        assert word in str(caught.value)
