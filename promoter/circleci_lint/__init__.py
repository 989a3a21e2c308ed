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

(f) a step that could run promoter unseen (a script, a command named by a variable, `eval` or
    `sh -c` of run-time text, another orb's job or command) in a job that reaches a guarded
    environment is a finding, unless a `# promoter: reviewed` comment covers it; every such
    step is reported with file:line either way.

Only `requires` that wait for success count as "upstream" for (a) and (b): a job that also runs
when its requirement failed is not guarded by it. The promoter orb's jobs and commands are
promoter calls (orb).

Modules: shellwords (splitting shell scripts), shell (promoter calls and unseen commands in
them), programs (what other commands run), model (loading, definitions, parameters), orb (the
promoter orb), steps (steps → calls and unseen steps), workflows (the graph), rules (the checks),
guarded (jobs reaching guarded environments, unseen steps), pragmas (`# promoter: reviewed`),
report, sources (reading the file and the environments' sources for the CLI).
"""

from __future__ import annotations

from collections.abc import Mapping

from promoter.circleci_lint import model
from promoter.circleci_lint.guarded import Guarded
from promoter.circleci_lint.pragmas import pragmas
from promoter.circleci_lint.report import Finding, GuardedJob, PipelineReport, UnverifiedStep
from promoter.circleci_lint.rules import Check
from promoter.circleci_lint.shell import ACTIONS, PromoterCall, find_promoter_calls
from promoter.circleci_lint.steps import Steps
from promoter.circleci_lint.workflows import read_workflows

__all__ = [
    "ACTIONS",
    "Finding",
    "GuardedJob",
    "PipelineReport",
    "PromoterCall",
    "UnverifiedStep",
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
    guarded = Guarded(sources, reader, pragmas(config_text))
    guarded.check(workflows)
    return PipelineReport(path=path, checked=check.checked,
                          findings=check.findings + guarded.findings,
                          unverified=guarded.unverified, guarded=guarded.jobs)
