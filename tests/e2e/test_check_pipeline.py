"""`promoter check-pipeline` through the installed command, on our own CircleCI config."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

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
