"""The promoter orb's source (orb/, CircleCI's packed-source layout) as tests read it: packing it
the way `circleci orb pack` does, and expanding a command or job call into the run steps and
environments CircleCI would give them."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ORB = Path(__file__).resolve().parents[2] / "orb"
SECTIONS = ("commands", "executors", "jobs", "examples")
INCLUDE = re.compile(r"<<include\(([^()]+)\)>>")
PARAMETER = re.compile(r"<<\s*parameters\.([A-Za-z][\w-]*)\s*>>")


def load(path: Path) -> Any:
    return YAML(typ="safe").load(path.read_text(encoding="utf-8"))


def files() -> list[Path]:
    """Every YAML file of the orb source: @orb.yml, then one file per command, job..."""
    return [ORB / "@orb.yml", *(path for section in SECTIONS
                                for path in sorted((ORB / section).glob("*.yml")))]


def example_usage(name: str) -> str:
    """The text of example `name`'s usage: the CircleCI config it shows, comments kept."""
    text = (ORB / "examples" / f"{name}.yml").read_text(encoding="utf-8")
    return textwrap.dedent(text[text.index("usage:\n") + len("usage:\n"):])


def _included(value: Any) -> Any:
    """`<<include(scripts/x.sh)>>` as a whole value replaced by that file, as the packer does."""
    if isinstance(value, dict):
        return {key: _included(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_included(item) for item in value]
    if isinstance(value, str) and (found := INCLUDE.fullmatch(value.strip())):
        return (ORB / found[1]).read_text(encoding="utf-8")
    return value


def packed() -> dict[str, Any]:
    """The orb as `circleci orb pack orb/` gives it: @orb.yml, each section's files keyed by
    their names without .yml, includes resolved."""
    orb: dict[str, Any] = dict(load(ORB / "@orb.yml"))
    for section in SECTIONS:
        entries = {path.stem: load(path) for path in sorted((ORB / section).glob("*.yml"))}
        if entries:
            orb[section] = entries
    return dict(_included(orb))


def dump(data: Any) -> str:
    out = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 4096
    yaml.dump(data, out)
    return out.getvalue()


@dataclass
class RunStep:
    """A run step of the orb as a job executes it: its name, environment and script."""

    name: str
    environment: dict[str, str]
    command: str


def _value(value: Any) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


def substitute(value: Any, arguments: dict[str, Any]) -> Any:
    """`<< parameters.x >>` replaced by the argument; a whole-value reference keeps its type."""
    if isinstance(value, dict):
        return {key: substitute(item, arguments) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, arguments) for item in value]
    if not isinstance(value, str):
        return value
    if (whole := PARAMETER.fullmatch(value.strip())) is not None:
        return arguments[whole[1]]
    return PARAMETER.sub(lambda found: _value(arguments[found[1]]), value)


def arguments_of(definition: dict[str, Any], given: dict[str, Any]) -> dict[str, Any]:
    """The parameters' defaults, overridden by what the caller gives; an unknown or a missing
    required parameter is an error, as CircleCI's compiler makes it."""
    declared = definition.get("parameters") or {}
    unknown = set(given) - set(declared)
    assert not unknown, f"no such parameters: {sorted(unknown)}"
    values = {name: spec["default"] for name, spec in declared.items() if "default" in spec}
    values.update(given)
    missing = set(declared) - set(values)
    assert not missing, f"missing required parameters: {sorted(missing)}"
    return values


def _condition(value: Any) -> bool:
    return value not in (False, "", None, 0, "false")


def _steps(steps: list[Any], orb: dict[str, Any]) -> list[RunStep]:
    runs: list[RunStep] = []
    for step in steps:
        (kind, body), = step.items() if isinstance(step, dict) else ((step, {}),)
        if kind == "run":
            runs.append(RunStep(body.get("name", ""), {k: _value(v) for k, v in
                                                       body.get("environment", {}).items()},
                                body["command"]))
        elif kind in ("when", "unless"):
            if _condition(body["condition"]) == (kind == "when"):
                runs += _steps(body["steps"], orb)
        elif kind in orb["commands"]:
            runs += command_steps(kind, body or {}, orb)
    return runs


def command_steps(name: str, given: dict[str, Any], orb: dict[str, Any]) -> list[RunStep]:
    """The run steps of the orb's command `name` called with `given`."""
    definition = orb["commands"][name]
    return _steps(substitute(definition["steps"], arguments_of(definition, given)), orb)


def job_steps(name: str, given: dict[str, Any],
              orb: dict[str, Any]) -> tuple[dict[str, str], list[RunStep]]:
    """The job's environment and its run steps, when a workflow invokes it with `given`."""
    definition = orb["jobs"][name]
    resolved = substitute(definition, arguments_of(definition, given))
    environment = {k: _value(v) for k, v in resolved.get("environment", {}).items()}
    return environment, _steps(resolved["steps"], orb)
