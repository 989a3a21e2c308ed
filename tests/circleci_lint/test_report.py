"""promoter.circleci_lint: the entry point and its report, on configs of any shape."""

from __future__ import annotations

import io
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from promoter.circleci_lint import Finding, PipelineReport
from promoter.errors import ContentError
from tests.circleci_lint.configs import check


def test_finding_text_names_workflow_and_job() -> None:
    finding = Finding(job="promote-production", workflow="release", message="no approval")
    assert str(finding) == "workflow release, job promote-production: no approval"
    assert not PipelineReport("x", [], [finding]).ok
    assert PipelineReport("x", ["checked"], []).ok


def test_report_as_json() -> None:
    finding = Finding(job="deploy", workflow="release", message="no approval")
    assert PipelineReport("c.yml", ["one"], [finding]).to_json() == {
        "path": "c.yml", "ok": False, "checked": ["one"],
        "findings": [{"workflow": "release", "job": "deploy", "message": "no approval"}],
        "unverifiable": [], "guarded": [],
    }


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
_WORKFLOW = st.fixed_dictionaries({"jobs": st.lists(_ENTRY, max_size=6)})


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
