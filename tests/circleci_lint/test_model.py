"""promoter.circleci_lint.model: loading the config, anchors, pipeline parameters."""

from __future__ import annotations

import pytest

from promoter.errors import ContentError, ExitCode
from tests.circleci_lint.configs import check


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


@pytest.mark.parametrize(("text", "words"), [
    ("version: 2.1\nworkflows: {a: {jobs: [x]}\n", ["config.yml:", "malformed YAML"]),
    ("- just\n- a list\n", ["not a CircleCI config"]),
    ("jobs: {}\n", ["not a CircleCI config"]),
    ("version: 2.1\njobs: [a]\n", ["config.yml:2", "'jobs' must be a mapping"]),
    ("version: 2.1\norbs: {o: {commands: 3}}\n", ["config.yml:2", "orb o commands"]),
])
def test_malformed_config_is_a_content_error_with_location(text: str, words: list[str]) -> None:
    with pytest.raises(ContentError) as caught:
        check(text)
    assert caught.value.exit_code == ExitCode.INVALID
    for word in words:
        assert word in str(caught.value)


def test_malformed_yaml_says_how_to_fix_it() -> None:
    with pytest.raises(ContentError) as caught:
        check("version: 2.1\nworkflows: {a: {jobs: [x]}\n")
    assert caught.value.message.startswith(".circleci/config.yml:3: malformed YAML")
    assert caught.value.hint == "fix the YAML syntax"
