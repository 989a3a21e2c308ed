"""Steps → what a job runs: walk a job's steps, expanding reusable commands and `when`/`unless`,
and collect the promoter calls of each `run` step, the promoter orb's jobs and commands, and the
steps this lint cannot see into (with their line in the config)."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.scalarstring import LiteralScalarString

from promoter.circleci_lint.model import (
    HINT,
    PARAM,
    Definitions,
    Source,
    parameters,
    substitute,
    text,
)
from promoter.circleci_lint.orb import is_promoter_orb, orb_calls
from promoter.circleci_lint.shell import PromoterCall, scan_script
from promoter.errors import ContentError

_MAX_DEPTH = 25


@dataclass(frozen=True)
class Unseen:
    """A step that could run promoter and that this lint cannot see into."""

    reason: str  # "runs the script ./deploy.sh", "runs orb job x/y, whose steps ..."
    text: str  # the command as written
    line: int | None  # 1-based line of the config where it is written
    step_line: int | None  # line of the step (or workflow entry) holding it


@dataclass
class Found:
    """What one job runs: promoter calls, unseen steps, and the values of its environment
    variables (an environment's name there is a sign the job deploys it)."""

    calls: list[PromoterCall] = field(default_factory=list)
    unseen: list[Unseen] = field(default_factory=list)
    mentions: list[str] = field(default_factory=list)

    def add(self, other: Found) -> None:
        self.calls.extend(other.calls)
        self.unseen.extend(other.unseen)
        self.mentions.extend(other.mentions)


class Steps:
    """Walk steps, expanding reusable commands, collecting what they run."""

    def __init__(self, defs: Definitions, environments: Collection[str], reader: Source) -> None:
        self.defs = defs
        self.environments = environments
        self.reader = reader

    def job(self, job: str, args: Mapping[str, Any], line: int | None) -> Found:
        """What job `job` runs when a workflow entry at `line` invokes it with `args`."""
        found = Found()
        definition = self.defs.jobs.get(job)
        if isinstance(definition, Mapping):
            params = parameters(definition, args)
            found.mentions.extend(_values(substitute(definition.get("environment"), params)))
            self._walk(definition.get("steps"), params, 0, line, found)
        elif (orb := self.defs.orb_of(job)) is not None:
            self._orb("job", job, orb[1], args, line, found)
        return found

    def steps(self, steps: Any, line: int | None) -> Found:
        """What a list of steps runs (`pre-steps`, `post-steps` of a workflow entry)."""
        found = Found()
        self._walk(steps, {}, 0, line, found)
        return found

    def _walk(self, steps: Any, params: Mapping[str, Any], depth: int, line: int | None,
              found: Found) -> None:
        if depth > _MAX_DEPTH:
            raise ContentError(f"{self.reader.label}: reusable commands call each other in a "
                               "loop (or nest deeper than 25)", hint=HINT)
        if isinstance(steps, str):  # `steps: << parameters.steps >>`
            steps, params = substitute(steps, params), {}
        for step, step_line in _flatten(steps, self.reader, line):
            self._step(step, params, depth, step_line, found)

    def _step(self, step: Any, params: Mapping[str, Any], depth: int, line: int | None,
              found: Found) -> None:
        if isinstance(step, str):
            whole = PARAM.fullmatch(step.strip())
            if whole and whole.group(1) in params:  # a `steps` parameter: the caller's steps
                self._walk(params[whole.group(1)], {}, depth + 1, line, found)
            else:
                self._command(substitute(step, params).strip(), {}, depth, line, found)
            return
        if not isinstance(step, Mapping) or len(step) != 1:
            return
        key, value = next(iter(step.items()))
        if key == "run":
            self._run(value, params, line, found)
        elif key in ("when", "unless") and isinstance(value, Mapping):
            self._walk(value.get("steps"), params, depth + 1, line, found)
        else:
            args = substitute(value, params) if isinstance(value, Mapping) else {}
            self._command(substitute(str(key), params), args, depth, line, found)

    def _run(self, value: Any, params: Mapping[str, Any], line: int | None,
             found: Found) -> None:
        holder, key = (value, "command") if isinstance(value, Mapping) else (None, None)
        original = value.get("command") if isinstance(value, Mapping) else value
        if not isinstance(original, str):
            return
        if isinstance(value, Mapping):
            found.mentions.extend(_values(substitute(value.get("environment"), params)))
        start = self.reader.line(holder, key) if holder is not None else line
        start = start if start is not None else line
        block = isinstance(original, LiteralScalarString) and start is not None
        scan = scan_script(substitute(original, params), self.environments)
        found.calls.extend(scan.calls)
        for doubt in scan.doubts:
            at = start + 1 + doubt.line if block and start is not None else start
            found.unseen.append(Unseen(doubt.reason, doubt.text, at, line))

    def _command(self, name: str, args: Mapping[str, Any], depth: int, line: int | None,
                 found: Found) -> None:
        definition = self.defs.commands.get(name)
        if isinstance(definition, Mapping):
            params = parameters(definition, args)
            self._walk(definition.get("steps"), params, depth + 1, line, found)
        elif (orb := self.defs.orb_of(name)) is not None:
            self._orb("command", name, orb[1], args, line, found)
        # else a built-in step (checkout, add_ssh_keys, ...)

    def _orb(self, kind: str, name: str, reference: str, args: Mapping[str, Any],
             line: int | None, found: Found) -> None:
        found.mentions.extend(_values(args))
        own = name.split("/", 1)[1]
        calls = orb_calls(kind, own, args) if is_promoter_orb(reference) else None
        if calls is not None:
            found.calls.extend(calls)
            return
        what = f"the promoter orb has no {kind} {own}" if is_promoter_orb(reference) else (
            f"runs {kind} {name} of orb {reference}, whose steps this check cannot see")
        found.unseen.append(Unseen(what, name, line, line))


def _flatten(steps: Any, reader: Source, line: int | None) -> Iterator[tuple[Any, int | None]]:
    """Steps with their lines, nested lists (anchors, `steps` parameters) flattened in place."""
    if not isinstance(steps, list):
        return
    for index, step in enumerate(steps):
        at = reader.line(steps, index)
        if isinstance(step, list):
            yield from _flatten(step, reader, at if at is not None else line)
        else:
            yield step, at if at is not None else line


def _values(value: Any) -> Iterator[str]:
    """Every scalar in value, as text (environment variables, orb parameters)."""
    if isinstance(value, Mapping):
        for item in value.values():
            yield from _values(item)
    elif isinstance(value, list):
        for item in value:
            yield from _values(item)
    elif value is not None:
        yield text(value)
