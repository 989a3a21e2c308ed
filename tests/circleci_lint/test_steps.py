"""promoter.circleci_lint.steps: promoter calls in parameterised jobs, reusable commands,
inline orbs and pre-steps."""

from __future__ import annotations

import pytest

from promoter.errors import ContentError
from tests.circleci_lint.configs import GUARDED, check, config


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


def test_command_loop_is_a_content_error() -> None:
    extra = "commands:\n  a: {steps: [b]}\n  b: {steps: [a]}\n"
    jobs = "  j:\n    docker: [{image: x}]\n    steps: [a]\n"
    with pytest.raises(ContentError, match="loop"):
        check(config(jobs, "      - j\n", extra))
