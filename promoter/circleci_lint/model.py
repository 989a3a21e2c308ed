"""The CircleCI config as the lint sees it: loading, the definitions (jobs, commands, orbs) and
parameters (`<< parameters.X >>`, `<< pipeline.parameters.X >>` filled with their values)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml.comments import CommentedMap

from promoter.errors import ContentError
from promoter.yamlsource import YamlSource

HINT = "see https://circleci.com/docs/reference/configuration-reference/"
PARAM = re.compile(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>")
_PIPELINE_PARAM = re.compile(r"<<\s*pipeline\.parameters\.([A-Za-z0-9_-]+)\s*>>")

Source = YamlSource[ContentError]


def source(path: str) -> Source:
    """The CircleCI config at `path` (its label in messages): errors are ContentError."""
    return YamlSource(path, ContentError, hint=HINT, syntax_hint="fix the YAML syntax")


@dataclass
class Definitions:
    """Jobs and reusable commands by the name a workflow or a step calls them."""

    jobs: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, Any] = field(default_factory=dict)
    orbs: dict[str, str | None] = field(default_factory=dict)  # alias: reference, None inline

    def defines(self, job: str) -> bool:
        return job in self.jobs or job.split("/", 1)[0] in self.orbs

    def orb_of(self, name: str) -> tuple[str, str] | None:
        """(alias, reference) when `name` is `alias/x` of an orb this config cannot see into."""
        alias, slash, _ = name.partition("/")
        reference = self.orbs.get(alias) if slash else None
        return (alias, reference) if reference is not None else None


def load(config_text: str, reader: Source) -> CommentedMap:
    """The config's top-level mapping, its pipeline parameters filled with their defaults."""
    data = reader.load(config_text)
    if not isinstance(data, CommentedMap) or "version" not in data:
        raise ContentError(
            f"{reader.label}: not a CircleCI config (the top level must be a mapping with "
            "'version', 'jobs' and 'workflows')", hint=HINT)
    return _substitute_pipeline(data)


def mapping(reader: Source, parent: Any, key: str, what: str) -> Mapping[str, Any]:
    """parent[key] when it is a mapping, {} when absent; anything else is an error."""
    value = parent.get(key) if isinstance(parent, Mapping) else None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise reader.fail(parent, key, f"{what} must be a mapping")
    return value


def definitions(data: CommentedMap, reader: Source) -> Definitions:
    defs = Definitions()
    defs.jobs.update(mapping(reader, data, "jobs", "'jobs'"))
    defs.commands.update(mapping(reader, data, "commands", "'commands'"))
    for orb, body in mapping(reader, data, "orbs", "'orbs'").items():
        defs.orbs[str(orb)] = None if isinstance(body, Mapping) else text(body or "")
        if isinstance(body, Mapping):  # an inline orb: its jobs and commands are visible
            for kind, target in (("jobs", defs.jobs), ("commands", defs.commands)):
                for name, value in mapping(reader, body, kind, f"orb {orb} {kind}").items():
                    target[f"{orb}/{name}"] = value
    return defs


# ----------------------------------------------------------------------------- parameters


def text(value: Any) -> str:
    """A parameter value as CircleCI writes it into a string."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def substitute(value: Any, params: Mapping[str, Any], pattern: re.Pattern[str] = PARAM) -> Any:
    """Replace `<< parameters.X >>` everywhere in value; a lone placeholder keeps the type."""
    if isinstance(value, str):
        whole = pattern.fullmatch(value.strip())
        if whole and whole.group(1) in params:
            return params[whole.group(1)]
        return pattern.sub(
            lambda m: text(params[m.group(1)]) if m.group(1) in params else m.group(0), value)
    if isinstance(value, Mapping):
        return {k: substitute(v, params, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, params, pattern) for v in value]
    return value


def parameters(definition: Any, args: Mapping[str, Any]) -> dict[str, Any]:
    """A job's or command's parameters: their defaults, overridden by the call's arguments."""
    params: dict[str, Any] = {}
    specs = definition.get("parameters") if isinstance(definition, Mapping) else None
    if isinstance(specs, Mapping):
        for name, spec in specs.items():
            if isinstance(spec, Mapping) and "default" in spec:
                params[str(name)] = spec["default"]
    params.update({str(k): v for k, v in args.items()})
    return params


def _substitute_pipeline(data: CommentedMap) -> CommentedMap:
    """Fill `<< pipeline.parameters.X >>` with defaults, keeping the YAML nodes (for lines)."""
    params = data.get("parameters")
    defaults = {str(k): v["default"] for k, v in params.items()
                if isinstance(v, Mapping) and "default" in v} if isinstance(params, Mapping) else {}
    if defaults:
        _fill_in_place(data, defaults)
    return data


def _fill_in_place(node: Any, defaults: Mapping[str, Any]) -> None:
    items: Iterable[tuple[Any, Any]]
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, value in items:
        if isinstance(value, str) and _PIPELINE_PARAM.search(value):
            node[key] = substitute(value, defaults, _PIPELINE_PARAM)
        else:
            _fill_in_place(value, defaults)
