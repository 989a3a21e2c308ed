"""orb/: every file of the orb source and the packed orb are valid against CircleCI's config
schema (offline, the copy check-jsonschema vendors as `vendor.circle-ci`); the parameters, the
scripts and the step environments agree; the names are the ones check-pipeline knows."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import promoter
from tests.orb.source import (
    INCLUDE,
    ORB,
    PARAMETER,
    SECTIONS,
    dump,
    files,
    load,
    packed,
)

ENV_READ = re.compile(r"\b(ORB_(?:VAL|BOOL)_[A-Z0-9_]+)\b")


def check_jsonschema(*paths: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.circle-ci",
         *map(str, paths)],
        capture_output=True, text=True, timeout=120, check=False,
    )


def as_config(path: Path) -> Any:
    """A file of the orb source as the config the schema describes: @orb.yml as it is, a
    command, job, executor or example under its section and name."""
    data = load(path)
    if path.parent == ORB:
        return data
    return {"version": 2.1, path.parent.name: {path.stem: data}}


def test_the_source_has_the_packed_layout_and_the_agreed_names() -> None:
    assert {p.name for p in ORB.iterdir()} == {"@orb.yml", "scripts", *SECTIONS}
    orb = packed()
    assert set(orb["commands"]) == {"install", "git-access", "set-image", "promote",
                                    "check-pipeline"}
    assert set(orb["jobs"]) == {"promote-staging", "promote-production"}
    assert set(orb["executors"]) == {"default"}
    jobs = orb["jobs"]
    assert jobs["promote-staging"]["parameters"]["environment"]["default"] == "staging"
    assert jobs["promote-production"]["parameters"]["environment"]["default"] == "production"
    for name in ("set-image", "promote"):  # a command always says which environment it changes
        assert "default" not in orb["commands"][name]["parameters"]["environment"]


def test_every_orb_file_is_valid_against_circleci_schema(tmp_path: Path) -> None:
    wrapped = []
    for path in files():
        out = tmp_path / f"{path.parent.name}-{path.name}"
        out.write_text(dump(as_config(path)), encoding="utf-8")
        wrapped.append(out)
    assert len(wrapped) >= 11
    done = check_jsonschema(*wrapped)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_the_packed_orb_and_the_examples_are_valid_against_circleci_schema(
    tmp_path: Path,
) -> None:
    orb = packed()
    assert not INCLUDE.search(dump(orb)), "every include is resolved"
    targets = [tmp_path / "orb.yml"]
    targets[0].write_text(dump(orb), encoding="utf-8")
    for name, example in orb["examples"].items():
        targets.append(tmp_path / f"example-{name}.yml")
        targets[-1].write_text(dump(example["usage"]), encoding="utf-8")
    done = check_jsonschema(*targets)
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_schema_check_really_looks(tmp_path: Path) -> None:
    """A command without steps, a parameter of an unknown type: both refused."""
    command = load(ORB / "commands" / "promote.yml")
    del command["steps"]
    job = load(ORB / "jobs" / "promote-production.yml")
    job["parameters"]["tag"]["type"] = "text"
    broken = [tmp_path / "command.yml", tmp_path / "job.yml"]
    broken[0].write_text(dump({"version": 2.1, "commands": {"promote": command}}))
    broken[1].write_text(dump({"version": 2.1, "jobs": {"promote-production": job}}))
    for path in broken:
        done = check_jsonschema(path)
        assert done.returncode == 1, done.stdout + done.stderr


def used_parameters(value: Any) -> set[str]:
    return set(PARAMETER.findall(dump(value)))


@pytest.mark.parametrize("section", ["commands", "jobs", "executors"])
def test_parameters_are_declared_used_and_described(section: str) -> None:
    for name, definition in packed()[section].items():
        declared = definition.get("parameters") or {}
        body = {k: v for k, v in definition.items() if k not in ("parameters", "description")}
        assert used_parameters(body) == set(declared), f"{section}/{name}"
        assert definition["description"].strip(), f"{section}/{name}"
        for parameter, spec in declared.items():
            assert spec.get("description", "").strip(), f"{section}/{name}: {parameter}"


def test_jobs_pass_every_command_parameter_through() -> None:
    """Each job offers the parameters of the commands it runs (except the few it fixes)."""
    orb = packed()
    fixed = {"kubectl"}  # the jobs always install kubectl: set-image and promote need it
    for job in orb["jobs"].values():
        offered = set(job["parameters"])
        for step in job["steps"]:
            (command, _), = step.items()
            assert set(orb["commands"][command]["parameters"]) - fixed <= offered, command


def run_steps(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if isinstance(value.get("run"), dict):
            found.append(value["run"])
        for item in value.values():
            found += run_steps(item)
    elif isinstance(value, list):
        for item in value:
            found += run_steps(item)
    return found


def test_each_script_reads_exactly_what_its_steps_set() -> None:
    """Parameters reach the scripts only as ORB_VAL_*/ORB_BOOL_* variables of the step (never
    pasted into shell code); a step sets only variables its script reads, and a script reads
    only variables that the steps running it set."""
    scripts: dict[str, tuple[str, set[str]]] = {}  # script: its text, what its steps set
    for name in packed()["commands"]:
        for index, run in enumerate(run_steps(load(ORB / "commands" / f"{name}.yml")["steps"])):
            assert not PARAMETER.search(run["command"]), f"{name}: a parameter in shell code"
            include = INCLUDE.fullmatch(run["command"].strip())
            key = include[1] if include else f"{name} step {index}"
            text = (ORB / key).read_text(encoding="utf-8") if include else run["command"]
            given = set(run.get("environment", {}))
            assert given <= set(ENV_READ.findall(text)), f"{name}: set but never read"
            scripts.setdefault(key, (text, set()))[1].update(given)
    for key, (text, given) in scripts.items():
        assert set(ENV_READ.findall(text)) == given, f"{key}: reads what no step sets"
    on_disk = {f"scripts/{p.name}" for p in (ORB / "scripts").iterdir()}
    assert {key for key in scripts if key.startswith("scripts/")} == on_disk


def test_the_script_of_every_command_is_strict_bash() -> None:
    for script in (ORB / "scripts").glob("*.sh"):
        lines = script.read_text(encoding="utf-8").splitlines()
        assert lines[0] == "#!/usr/bin/env bash", script.name
        assert "set -euo pipefail" in lines, script.name
        assert "eval " not in script.read_text(encoding="utf-8"), script.name
        done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True,
                              check=False, timeout=30)
        assert done.returncode == 0, done.stderr


def test_install_defaults_to_this_version_of_promoter() -> None:
    orb = packed()
    assert orb["commands"]["install"]["parameters"]["version"]["default"] == promoter.__version__
    for job in orb["jobs"].values():
        assert job["parameters"]["version"]["default"] == promoter.__version__
    for example in orb["examples"].values():
        reference = example["usage"]["orbs"]["promoter"]
        assert reference == f"example-org/promoter@{promoter.__version__}"
