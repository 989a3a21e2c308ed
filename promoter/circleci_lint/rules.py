"""The rules, workflow by workflow: approval upstream, after the source's deployment, one
serial group per environment, `requires` that exist, no `set-image` on a guarded environment.

Each rule adds a Finding when broken and a line to `checked` saying what it checked.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from promoter.circleci_lint.model import Source
from promoter.circleci_lint.report import Finding
from promoter.circleci_lint.shell import ACTIONS, PromoterCall
from promoter.circleci_lint.workflows import Node, Workflow, resolve, upstream

_VERBS = {"promote": "promotes", "rollback": "rolls back", "set-image": "sets an image in"}


@dataclass
class Check:
    """The findings and checked lines of one config, built up workflow by workflow."""

    sources: Mapping[str, str | None]
    reader: Source
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    groups: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)

    def finding(self, workflow: Workflow, node: Node, message: str) -> None:
        where = f" ({self.reader.at(node.line)})"
        self.findings.append(Finding(node.name, workflow.name, message + where))

    def workflow(self, workflow: Workflow) -> None:
        self.findings.extend(workflow.findings)
        for node in workflow.nodes.values():
            if not node.defined:
                self.finding(workflow, node, (
                    f"runs job {node.job!r}, which neither `jobs:` nor an orb defines"))
            self._requires_exist(workflow, node)
        changing = [n for n in workflow.nodes.values() if n.calls]
        if not changing:
            self.checked.append(f"workflow {workflow.name}: no job runs promoter "
                                f"{'/'.join(ACTIONS)}")
        for node in changing:
            for call in node.calls:
                self._call(workflow, node, call)

    def _requires_exist(self, workflow: Workflow, node: Node) -> None:
        for required, _ in node.requires:
            if not resolve(workflow, required):
                known = ", ".join(sorted(workflow.nodes)) or "none"
                self.finding(workflow, node, (
                    f"requires {required!r}, which is not a job of workflow {workflow.name} "
                    f"(its jobs: {known}); CircleCI rejects the config"))

    def _call(self, workflow: Workflow, node: Node, call: PromoterCall) -> None:
        env = call.environment
        verb = _VERBS[call.action]
        if env is None:
            self.finding(workflow, node, (
                f"runs `{call.command}` whose environment {call.argument or '(missing)'!r} is not "
                "literal, so this check cannot tell what it changes; name the environment"))
            return
        if env not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none"
            self.finding(workflow, node, (
                f"runs `{call.command}` for unknown environment {env!r} (promoter.yaml "
                f"declares: {known})"))
            return
        source = self.sources[env]
        head = f"workflow {workflow.name}: job {node.name} {verb} {env}"
        if source is None:
            self.checked.append(f"{head} (no source): no approval required")
            return
        marks = [self._approval(workflow, node, call, env, source), self._serial(workflow, node,
                                                                                   env)]
        if call.action == "set-image":
            self.finding(workflow, node, (
                f"writes {env} with `promoter set-image`; {env} takes its tags from {source}: use "
                f"`promoter promote {env} --tag TAG`, which refuses a tag {source} never had"))
            marks.append("set-image ✗")
        self.checked.append(f"{head} (source {source}): " + ", ".join(marks))

    def _approval(self, workflow: Workflow, node: Node, call: PromoterCall, env: str,
                  source: str) -> str:
        strict = upstream(workflow, node.name, success_only=True)
        approvals = sorted(n for n in strict if workflow.nodes[n].approval)
        if not approvals:
            loose = any(workflow.nodes[n].approval
                        for n in upstream(workflow, node.name, success_only=False))
            why = (" (the only approval upstream is reached through a `requires` that also "
                   "accepts failure)") if loose else ""
            self.finding(workflow, node, (
                f"changes {env} with no approval job upstream{why}; add a `type: approval` job "
                f"that requires the {source} deployment, and require it from {node.name}"))
            return "approval upstream ✗"
        if call.action == "rollback":
            return f"approval {', '.join(approvals)} upstream ✓"
        return self._after_source(workflow, node, approvals, env, source)

    def _after_source(self, workflow: Workflow, node: Node, approvals: list[str], env: str,
                      source: str) -> str:
        for approval in approvals:
            deployers = sorted(
                n for n in upstream(workflow, approval, success_only=True)
                if any(c.environment == source and c.action != "rollback"
                       for c in workflow.nodes[n].calls))
            if deployers:
                return (f"approval {approval} upstream ✓, after {', '.join(deployers)} "
                        f"({source}) ✓")
        self.finding(workflow, node, (
            f"promotes to {env} after approval {', '.join(approvals)}, but no approval comes "
            f"after a job that deploys {source}: the approver would not have seen {source} run "
            f"the tag; make the approval require the {source} promotion"))
        return f"approval {', '.join(approvals)} upstream ✓, after {source} deployment ✗"

    def _serial(self, workflow: Workflow, node: Node, env: str) -> str:
        if node.serial_group is None:
            where = (" (a serial-group on the job definition is ignored: CircleCI reads it on "
                     "the workflow's job entry)") if node.job_serial_group else ""
            self.finding(workflow, node, (
                f"changes {env} without a `serial-group`{where}; two pipelines could change {env} "
                "at once: add `serial-group: << pipeline.project.slug >>/promote-" + env + "`"))
            return "serial-group ✗"
        self.groups.setdefault(env, {}).setdefault(node.serial_group, []).append(
            (workflow.name, node.name))
        return f"serial-group {node.serial_group} ✓"

    def same_groups(self, workflows: Mapping[str, Workflow]) -> None:
        """Every job changing one environment, across workflows, uses one serial group."""
        for env, groups in self.groups.items():
            if len(groups) < 2:
                continue
            listing = "; ".join(f"{g}: {', '.join(j for _, j in jobs)}"
                                for g, jobs in sorted(groups.items()))
            for jobs in list(groups.values())[1:]:
                for workflow, job in jobs:
                    self.finding(workflows[workflow], workflows[workflow].nodes[job], (
                        f"jobs changing {env} use different serial groups ({listing}), so they "
                        "can still run at the same time; use one group"))
