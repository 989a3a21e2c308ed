"""The workflow graph: one node per job instance (matrix expanded, `name:` overrides), the
`requires` edges with the statuses they accept, and who is upstream of whom."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ruamel.yaml.comments import CommentedMap

from promoter.circleci_lint.model import Definitions, Source, mapping, substitute, text
from promoter.circleci_lint.report import Finding
from promoter.circleci_lint.shell import PromoterCall
from promoter.circleci_lint.steps import Found, Steps, Unseen

ALL_STATUSES = frozenset({"success", "failed", "canceled", "not_run", "unauthorized"})
_JOB_ENTRY_KEYS = frozenset({
    "name", "requires", "context", "filters", "type", "matrix", "serial-group", "pre-steps",
    "post-steps", "override-with",
})
_MATRIX = re.compile(r"<<\s*matrix\.([A-Za-z0-9_-]+)\s*>>")


@dataclass
class Node:
    """One job of a workflow, as the workflow names it."""

    name: str
    job: str
    line: int | None
    requires: list[tuple[str, frozenset[str]]]
    approval: bool
    serial_group: str | None
    job_serial_group: bool  # serial-group on the job definition, where CircleCI ignores it
    defined: bool  # an approval, a job of `jobs:`, or an orb's job
    calls: list[PromoterCall]
    unseen: list[Unseen]  # steps that could run promoter, which this lint cannot see into
    mentions: list[str]  # environment variables and orb parameters (names of environments?)
    contexts: tuple[str, ...]


@dataclass
class Workflow:
    name: str
    nodes: dict[str, Node]
    aliases: dict[str, list[str]]
    findings: list[Finding]


def read_workflows(data: CommentedMap, defs: Definitions, steps: Steps,
                   reader: Source) -> dict[str, Workflow]:
    """Every workflow of the config by name (`version:` inside `workflows:` skipped)."""
    workflow_reader = _WorkflowReader(defs, steps, reader)
    workflows: dict[str, Workflow] = {}
    section = mapping(reader, data, "workflows", "'workflows'")
    for name, body in section.items():
        if name == "version" and not isinstance(body, Mapping):
            continue  # `version: 2` inside workflows, from config 2.0
        if not isinstance(body, Mapping):
            raise reader.fail(section, name, f"workflow {name!r} must be a mapping with 'jobs'")
        workflows[str(name)] = workflow_reader.read(str(name), body)
    return workflows


def resolve(workflow: Workflow, required: str) -> list[str]:
    """The nodes a `requires` entry names: a node's name, or every instance of a matrix."""
    if required in workflow.nodes:
        return [required]
    return workflow.aliases.get(required, [])


def upstream(workflow: Workflow, start: str, *, success_only: bool) -> set[str]:
    """Every job `start` waits for, transitively (only success edges when success_only)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for required, statuses in workflow.nodes[todo.pop()].requires:
            if success_only and statuses != frozenset({"success"}):
                continue
            for name in resolve(workflow, required):
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
    return seen


class _WorkflowReader:
    def __init__(self, defs: Definitions, steps: Steps, reader: Source) -> None:
        self.defs = defs
        self.steps = steps
        self.reader = reader

    def read(self, name: str, body: Mapping[str, Any]) -> Workflow:
        workflow = Workflow(name, {}, {}, [])
        jobs = body.get("jobs")
        if not isinstance(jobs, list):
            key = "jobs" if "jobs" in body else None
            raise self.reader.fail(body, key, f"workflow {name!r} must have a 'jobs' list")
        for index, item in enumerate(jobs):
            self._entry(workflow, jobs, index, item)
        return workflow

    def _entry(self, workflow: Workflow, jobs: list[Any], index: int, item: Any) -> None:
        line = self.reader.line(jobs, index)
        entry: Mapping[str, Any] = {}
        if isinstance(item, str):
            job = item
        elif isinstance(item, Mapping) and len(item) == 1:
            key, value = next(iter(item.items()))
            job = str(key)
            entry = value if isinstance(value, Mapping) else {}
        else:
            raise self.reader.fail(jobs, index, f"workflow {workflow.name!r}: each job must be a "
                                   "name or a one-key mapping {job: {requires: ...}}")
        combos, alias = _matrix_instances(job, entry)
        for combo in combos:
            node = self._node(job, entry, combo, line)
            if node.name in workflow.nodes:
                workflow.findings.append(Finding(node.name, workflow.name, (
                    f"the name {node.name!r} is used twice in this workflow "
                    f"({self.reader.at(line)}); give each entry its own `name:`")))
            workflow.nodes[node.name] = node
            workflow.aliases.setdefault(alias, []).append(node.name)

    def _node(self, job: str, origin: Mapping[str, Any], combo: Mapping[str, Any],
              line: int | None) -> Node:
        entry: dict[str, Any] = substitute(dict(origin), combo, _MATRIX)
        args = {k: v for k, v in entry.items() if k not in _JOB_ENTRY_KEYS}
        args.update(combo)
        definition = self.defs.jobs.get(job)
        approval = entry.get("type") == "approval" or (
            isinstance(definition, Mapping) and definition.get("type") == "approval")
        steps = entry if combo else origin  # the YAML nodes (their lines) unless matrix-filled
        found = Found()
        found.add(self.steps.steps(steps.get("pre-steps"), line))
        if not approval:
            found.add(self.steps.job(job, args, line))
        found.add(self.steps.steps(steps.get("post-steps"), line))
        group = entry.get("serial-group")
        return Node(
            name=_instance_name(job, entry, combo), job=job, line=line,
            requires=_requires(self.reader, entry, origin), approval=approval,
            serial_group=str(group) if group else None,
            job_serial_group=isinstance(definition, Mapping) and "serial-group" in definition,
            defined=approval or self.defs.defines(job),
            calls=found.calls, unseen=found.unseen, mentions=found.mentions,
            contexts=_contexts(entry.get("context")),
        )


def _requires(reader: Source, entry: Mapping[str, Any],
              origin: Any) -> list[tuple[str, frozenset[str]]]:
    """entry: the workflow job entry (matrix values filled in); origin: the YAML node."""
    value = entry.get("requires")
    if value is None:
        return []
    if not isinstance(value, list):
        raise reader.fail(origin, "requires", "'requires' must be a list of job names")
    found: list[tuple[str, frozenset[str]]] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            found.append((item, frozenset({"success"})))
        elif isinstance(item, Mapping) and len(item) == 1:
            name, statuses = next(iter(item.items()))
            found.append((str(name), _statuses(statuses)))
        else:
            raise reader.fail(origin.get("requires"), index,
                              "each 'requires' entry must be a job name or {job: status}")
    return found


def _contexts(value: Any) -> tuple[str, ...]:
    items = value if isinstance(value, list) else [value] if value is not None else []
    return tuple(text(item) for item in items)


def _statuses(value: Any) -> frozenset[str]:
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    if "terminal" in items:
        return ALL_STATUSES
    return frozenset(str(i) for i in items) or frozenset({"success"})


def _matrix_instances(job: str, entry: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """(parameter sets, alias). No matrix: one empty set, alias the job's own name."""
    matrix = entry.get("matrix")
    name = entry.get("name")
    if not isinstance(matrix, Mapping) or not isinstance(matrix.get("parameters"), Mapping):
        return [{}], str(name) if name else job
    params = matrix["parameters"]
    keys = [str(k) for k in params]
    values = [v if isinstance(v, list) else [v] for v in params.values()]
    excluded = [dict(e) for e in matrix.get("exclude") or [] if isinstance(e, Mapping)]
    combos = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    combos = [c for c in combos if c not in excluded]
    alias = matrix.get("alias") or (name if name and not _MATRIX.search(str(name)) else job)
    return combos, str(alias)


def _instance_name(job: str, entry: Mapping[str, Any], combo: Mapping[str, Any]) -> str:
    name = entry.get("name")
    if name:
        return str(_MATRIX.sub(lambda m: text(combo.get(m.group(1), m.group(0))), str(name)))
    if combo:
        return "-".join([job, *(text(v) for v in combo.values())])
    return job
