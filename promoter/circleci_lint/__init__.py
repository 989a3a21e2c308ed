"""Safety lint for a CircleCI config that runs promoter: `promoter check-pipeline`.

promoter refuses, at run time, a production tag that staging never had. What it cannot see at run
time is the pipeline around it. This package reads `.circleci/config.yml` and finds every job that
changes an environment (`promoter promote|rollback|set-image ENV`, in `run:` steps, reusable
commands, inline orbs and `pre-steps`/`post-steps`), then checks each workflow:

(a) a job changing an environment that has a source (production) has an approval job
    (`type: approval`) upstream, through `requires`, in the same workflow;
(b) for `promote` (and `set-image`), that approval itself comes after a job deploying the source
    environment (a person approves what staging runs, not what it will run);
(c) that job has a `serial-group` on its workflow entry, where CircleCI reads it, and every job
    changing the same environment uses the same group (two promotions never race);
(d) every `requires` names a job of that workflow;
(e) `set-image` is never used on an environment with a source: it skips the source check.

Only `requires` that wait for success count as "upstream" for (a) and (b): a job that also runs
when its requirement failed is not guarded by it.

Modules: shell (promoter calls in shell scripts), model (loading, definitions, parameters), steps
(steps → calls), workflows (the graph), rules (the checks), sources (reading the file and the
environments' sources for the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping

from promoter.circleci_lint import model
from promoter.circleci_lint.report import Finding, PipelineReport
from promoter.circleci_lint.rules import Check
from promoter.circleci_lint.shell import ACTIONS, PromoterCall, find_promoter_calls
from promoter.circleci_lint.steps import Steps
from promoter.circleci_lint.workflows import read_workflows

__all__ = [
    "ACTIONS",
    "Finding",
    "PipelineReport",
    "PromoterCall",
    "check_pipeline",
    "find_promoter_calls",
]


def check_pipeline(config_text: str, sources: Mapping[str, str | None], *,
                   path: str = ".circleci/config.yml") -> PipelineReport:
    """Check every workflow of a CircleCI config against the rules in this package's docstring.

    `sources` maps each environment to its source (None when it has none), as promoter.yaml
    declares. Raises ContentError when the text is not YAML or not a CircleCI config.
    """
    reader = model.source(path)
    data = model.load(config_text, reader)
    defs = model.definitions(data, reader)
    steps = Steps(defs, tuple(sources), reader)
    workflows = read_workflows(data, defs, steps, reader)
    check = Check(sources, reader)
    for workflow in workflows.values():
        check.workflow(workflow)
    check.same_groups(workflows)
    return PipelineReport(path=path, checked=check.checked, findings=check.findings)
