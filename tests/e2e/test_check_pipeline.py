"""`promoter check-pipeline` through the installed command, on our own CircleCI config."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import PROJECT, PROMOTER


def check(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PROMOTER), "check-pipeline", *args], cwd=cwd,
                          env=dict(os.environ, CI="true"), capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False, timeout=120)


def test_our_config_passes() -> None:
    done = check(PROJECT)
    assert done.returncode == 0, done.stderr
    assert "promote-production" in done.stdout


def test_production_without_approval_fails_naming_the_job(tmp_path: Path) -> None:
    config = (PROJECT / ".circleci" / "config.yml").read_text()
    assert "- request_prod\n" in config
    broken = tmp_path / "config.yml"
    broken.write_text(config.replace("- request_prod\n", "- promote-staging\n"))
    done = check(PROJECT, str(broken))
    assert done.returncode == 4
    assert "promote-production" in done.stderr


def test_missing_config_is_a_usage_error(tmp_path: Path) -> None:
    done = check(PROJECT, str(tmp_path / "nope.yml"))
    assert done.returncode == 2
    assert "not found" in done.stderr


def test_json_report() -> None:
    done = check(PROJECT, "--json")
    assert done.returncode == 0, done.stderr
    doc = json.loads(done.stdout)
    assert doc["ok"] is True and doc["findings"] == []
    assert any("promote-production" in line for line in doc["checked"])


def test_in_a_service_repository_without_environments(tmp_path: Path) -> None:
    """The README runs it in the service's own CI: no promoter.yaml there, not even git."""
    service = tmp_path / "service"
    (service / ".circleci").mkdir(parents=True)
    config = (PROJECT / ".circleci" / "config.yml").read_text()
    (service / ".circleci" / "config.yml").write_text(config)
    done = check(service)
    assert done.returncode == 0, done.stderr
    assert "convention" in done.stdout
    broken = config.replace("- request_prod\n", "- promote-staging\n")
    (service / ".circleci" / "config.yml").write_text(broken)
    done = check(service, "--json")
    assert done.returncode == 4
    assert any(f["job"] == "promote-production" for f in json.loads(done.stdout)["findings"])


# ----------------------------------------------------------------------------- what it cannot see

PROMOTE = "promoter promote production \\\n"
INDIRECT = {
    "script": "./scripts/deploy.sh production \\\n",
    "variable as command": "P=promoter; $P promote production \\\n",
    "eval": "eval \"$DEPLOY\" \\\n",
    "bash -c": "bash -c \"$X\" \\\n",
}


def template() -> str:
    config = (PROJECT / ".circleci" / "config.yml").read_text()
    assert config.count(PROMOTE) == 1
    return config


@pytest.mark.parametrize("command", INDIRECT.values(), ids=INDIRECT.keys())
def test_each_indirect_pattern_is_exit_4_with_its_line(tmp_path: Path, command: str) -> None:
    config = template().replace(PROMOTE, command)
    broken = tmp_path / "config.yml"
    broken.write_text(config)
    done = check(PROJECT, str(broken))
    assert done.returncode == 4, done.stdout + done.stderr
    [line] = [n for n, text in enumerate(config.splitlines(), 1)
              if text.strip() == command.strip("\n")]
    assert f"{broken}:{line}" in done.stderr and "promote-production" in done.stderr
    assert "# promoter: reviewed" in done.stderr


def test_an_orb_command_it_cannot_see_into_is_exit_4(tmp_path: Path) -> None:
    step = "      - run:\n          name: Promote the approved"
    config = template().replace("orbs:\n", "orbs:\n  acme: acme/deploy@1.0.0\n").replace(
        "      - install-promoter\n" + step, "      - install-promoter\n      - acme/ship\n" + step)
    assert "acme/ship" in config
    broken = tmp_path / "config.yml"
    broken.write_text(config)
    done = check(PROJECT, str(broken), "--json")
    assert done.returncode == 4
    [finding] = json.loads(done.stdout)["findings"]
    assert finding["job"] == "promote-production" and "orb acme/deploy@1.0.0" in finding["message"]


def test_a_reviewed_step_passes_and_the_report_lists_it(tmp_path: Path) -> None:
    config = template().replace(
        PROMOTE, "# promoter: reviewed by ops 2026-11: deploy.sh only runs promoter promote\n"
                 "            ./scripts/deploy.sh production \\\n")
    reviewed = tmp_path / "config.yml"
    reviewed.write_text(config)
    done = check(PROJECT, str(reviewed))
    assert done.returncode == 0, done.stderr
    assert "reviewed:" in done.stdout and "by ops 2026-11" in done.stdout
    doc = json.loads(check(PROJECT, str(reviewed), "--json").stdout)
    [step] = [u for u in doc["unverifiable"] if u["reviewed"]]
    assert step["job"] == "promote-production" and step["reaches"] == ["production"]


def test_the_guarded_table_in_text_and_json() -> None:
    done = check(PROJECT)
    assert "Jobs that reach a guarded environment" in done.stdout
    assert "request_prod" in done.stdout and "promote-production" in done.stdout
    doc = json.loads(check(PROJECT, "--json").stdout)
    [row] = doc["guarded"]
    assert row == {
        "workflow": "release", "job": "promote-production", "environments": ["production"],
        "how": "promoter", "approvals": ["request_prod"], "after": ["promote-staging"],
        "serial_group": "<< pipeline.project.slug >>/promote-production",
        "approval_path": "promote-staging → request_prod",
    }
    assert {u["job"] for u in doc["unverifiable"]} == {"test", "build-web-image"}
