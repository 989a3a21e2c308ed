"""Steps → promoter calls: walk a job's steps, expanding reusable commands and `when`/`unless`,
and find the promoter calls of each `run` step."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import Any

from promoter.circleci_lint.model import HINT, Definitions, Source, parameters, substitute
from promoter.circleci_lint.shell import PromoterCall, find_promoter_calls
from promoter.errors import ContentError

_MAX_DEPTH = 25


class Steps:
    """Walk steps, expanding reusable commands, collecting the promoter calls of `run` steps."""

    def __init__(self, defs: Definitions, environments: Collection[str], reader: Source) -> None:
        self.defs = defs
        self.environments = environments
        self.reader = reader

    def job_calls(self, job: str, args: Mapping[str, Any]) -> list[PromoterCall]:
        """The calls of job `job` invoked with `args` (its parameters filled in)."""
        definition = self.defs.jobs.get(job)
        if not isinstance(definition, Mapping):
            return []
        body = substitute(dict(definition), parameters(definition, args))
        return self.calls(body.get("steps"), 0)

    def calls(self, steps: Any, depth: int) -> list[PromoterCall]:
        if depth > _MAX_DEPTH:
            raise ContentError(f"{self.reader.label}: reusable commands call each other in a "
                               "loop (or nest deeper than 25)", hint=HINT)
        found: list[PromoterCall] = []
        for step in _flatten(steps):
            found.extend(self._step(step, depth))
        return found

    def _step(self, step: Any, depth: int) -> list[PromoterCall]:
        if isinstance(step, str):
            return self._command(step.strip(), {}, depth)
        if not isinstance(step, Mapping) or len(step) != 1:
            return []
        key, value = next(iter(step.items()))
        if key == "run":
            command = value.get("command") if isinstance(value, Mapping) else value
            if isinstance(command, str):
                return find_promoter_calls(command, self.environments)
            return []
        if key in ("when", "unless") and isinstance(value, Mapping):
            return self.calls(value.get("steps"), depth + 1)
        return self._command(str(key), value if isinstance(value, Mapping) else {}, depth)

    def _command(self, name: str, args: Mapping[str, Any], depth: int) -> list[PromoterCall]:
        definition = self.defs.commands.get(name)
        if not isinstance(definition, Mapping):
            return []  # a built-in step (checkout, ...) or a command of an orb we cannot see
        body = substitute(dict(definition), parameters(definition, args))
        return self.calls(body.get("steps"), depth + 1)


def _flatten(steps: Any) -> Iterator[Any]:
    """Steps, with nested lists (anchors, `steps` parameters) flattened into their place."""
    if not isinstance(steps, list):
        return
    for step in steps:
        if isinstance(step, list):
            yield from _flatten(step)
        else:
            yield step
