"""promoter.circleci_lint.model: loading the config, anchors, pipeline parameters."""

from __future__ import annotations

import pytest

from promoter.errors import ContentError, ExitCode
from promoter.yamlbounds import MAX_DEPTH
from tests.circleci_lint.configs import check
from tests.hostile_yaml import billion_laughs, just_too_deep, self_containing


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


@pytest.mark.parametrize(("extra", "message"), [
    (billion_laughs(), ".circleci/config.yml: its YAML aliases would expand to more than "
     "100,000 nodes"),
    (self_containing(), ".circleci/config.yml: its YAML aliases would expand"),
    (just_too_deep(), f".circleci/config.yml:2: lists and mappings nested more than {MAX_DEPTH} "
     "levels deep"),
], ids=["billion-laughs", "self-containing", "too-deep"])
def test_a_config_past_the_bounds_is_a_content_error(extra: str, message: str) -> None:
    # with pipeline parameters: filling them in walks the whole document, aliases expanded
    text = "version: 2.1\n" + extra + "parameters:\n  p: {type: string, default: x}\n"
    with pytest.raises(ContentError) as caught:
        check(text)
    assert caught.value.exit_code == ExitCode.INVALID
    assert caught.value.message.startswith(message)


def test_ordinary_anchors_with_pipeline_parameters_still_work() -> None:
    text = ("version: 2.1\nparameters:\n  env: {type: string, default: staging}\n"
            "cmd: &cmd {run: promoter set-image << pipeline.parameters.env >> web=1234567}\n"
            "jobs:\n  a: {docker: [{image: x}], steps: [*cmd]}\n  b: {docker: [{image: x}], "
            "steps: [*cmd]}\nworkflows:\n  w: {jobs: [a, b]}\n")
    assert check(text).checked == [
        f"workflow w: job {job} sets an image in staging (no source): no approval required"
        for job in ("a", "b")]
