"""Jobs that reach a guarded environment (one with a source), and the steps in them this lint
cannot see into: those fail the check unless a `# promoter: reviewed` pragma covers them.

A job reaches a guarded environment when it runs promoter on it, or, for a job with steps this
lint cannot see into, when the environment's name appears in one of those commands, in the
job's name, its environment variables or an orb job's parameters, or when the job runs in a
context that a job changing that environment uses (the context holds its credentials).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from promoter.circleci_lint.model import Source
from promoter.circleci_lint.pragmas import Pragma
from promoter.circleci_lint.report import Finding, GuardedJob, UnverifiedStep
from promoter.circleci_lint.workflows import Node, Workflow, upstream


def names(environment: str, text: str) -> bool:
    """Whether `text` names `environment` as a word (`deploy.sh production`, `ENV=production`,
    `deploy-production`), not inside a longer word (`productions`, `preproduction`)."""
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(environment)}(?![A-Za-z0-9])", text) is not None


@dataclass
class Guarded:
    """The guarded-job table and the unseen steps of a config, with their findings."""

    sources: Mapping[str, str | None]
    reader: Source
    pragmas: Mapping[int, Pragma]
    findings: list[Finding] = field(default_factory=list)
    unverified: list[UnverifiedStep] = field(default_factory=list)
    jobs: list[GuardedJob] = field(default_factory=list)

    @property
    def environments(self) -> list[str]:
        return sorted(env for env, source in self.sources.items() if source is not None)

    def check(self, workflows: Mapping[str, Workflow]) -> None:
        contexts = self._contexts(workflows)
        for workflow in workflows.values():
            for node in workflow.nodes.values():
                reached = self._reached(node, contexts)
                self._unseen(workflow, node, reached)
                if reached:
                    self.jobs.append(self._row(workflow, node, reached))

    def _contexts(self, workflows: Mapping[str, Workflow]) -> dict[str, set[str]]:
        """Context → the guarded environments a job using it changes with promoter."""
        found: dict[str, set[str]] = {}
        for workflow in workflows.values():
            for node in workflow.nodes.values():
                for context in node.contexts:
                    found.setdefault(context, set()).update(self._changed(node))
        return found

    def _changed(self, node: Node) -> set[str]:
        return {c.environment for c in node.calls if c.environment in self.environments}

    def _reached(self, node: Node, contexts: Mapping[str, set[str]]) -> dict[str, str]:
        """Guarded environment → why this job reaches it."""
        reached = {env: "it runs promoter on it" for env in self._changed(node)}
        if not node.unseen:  # everything it runs was read: the signs below do not matter
            return reached
        signs = [(f"its step `{u.text}` names it", u.text) for u in node.unseen] + [
            (f"its name {node.name} names it", node.name)] + [
            ("its environment variables or orb parameters name it", m) for m in node.mentions]
        for env in self.environments:
            why = [reason for reason, text in signs if names(env, text)] + [
                f"it runs in context {c}, which a job changing {env} uses"
                for c in node.contexts if env in contexts.get(c, ())]
            if why and env not in reached:
                reached[env] = why[0]
        return reached

    def _unseen(self, workflow: Workflow, node: Node, reached: Mapping[str, str]) -> None:
        for unseen in dict.fromkeys(node.unseen):  # once each, however often a command runs it
            pragma = self.pragmas.get(unseen.line or 0) or self.pragmas.get(unseen.step_line or 0)
            reviewed = None if pragma is None else (
                f"{self.reader.at(pragma.line)}: {pragma.note or '(no reason given)'}")
            step = UnverifiedStep(workflow.name, node.name, self.reader.at(unseen.line),
                                  unseen.reason, unseen.text, sorted(reached), reviewed)
            self.unverified.append(step)
            if step.fails:
                self.findings.append(Finding(node.name, workflow.name, _message(step, reached)))

    def _row(self, workflow: Workflow, node: Node, reached: Mapping[str, str]) -> GuardedJob:
        strict = upstream(workflow, node.name, success_only=True)
        approvals = sorted(n for n in strict if workflow.nodes[n].approval)
        sources = {self.sources[env] for env in reached}
        after = sorted({n for a in approvals for n in upstream(workflow, a, success_only=True)
                        if any(c.environment in sources and c.action != "rollback"
                               for c in workflow.nodes[n].calls)})
        how = "promoter" if self._changed(node) else "unverified"
        return GuardedJob(workflow.name, node.name, sorted(reached), how, approvals, after,
                          node.serial_group)


def _message(step: UnverifiedStep, reached: Mapping[str, str]) -> str:
    why = "; ".join(f"{env}: {reason}" for env, reason in sorted(reached.items()))
    return (f"{step.reason} (`{step.command}`, {step.location}), which this check cannot see "
            f"into, in a job that reaches {', '.join(step.reaches)} ({why}); run promoter "
            "in the step itself so that it can be checked, or have a person review what it "
            "runs and mark it with a `# promoter: reviewed REASON` comment")

