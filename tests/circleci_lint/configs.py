"""Shared by the CircleCI lint tests: our own config, mutated copies of it, and small configs."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from promoter.circleci_lint import Finding, PipelineReport, check_pipeline
from promoter.config import parse_config

PROJECT = Path(__file__).resolve().parent.parent.parent
CONFIG = PROJECT / ".circleci" / "config.yml"
SOURCES = {
    e.name: e.source for e in parse_config((PROJECT / "promoter.yaml").read_text()).environments
}
ENVS = tuple(SOURCES)


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
