""".circleci/config.yml: valid against CircleCI's schema (offline, the copy check-jsonschema ships
as `vendor.circle-ci`), and shaped the way the comments promise."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from promoter import __version__

PROJECT = Path(__file__).resolve().parent.parent
CONFIG = PROJECT / ".circleci" / "config.yml"


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("check_jsonschema")
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.circle-ci",
         str(path)],
        capture_output=True, text=True, timeout=120,
    )


def load() -> Any:
    return YAML(typ="safe").load(CONFIG.read_text(encoding="utf-8"))


def workflow_entry(data: Any, workflow: str, job: str) -> dict[str, Any]:
    for item in data["workflows"][workflow]["jobs"]:
        if isinstance(item, dict) and job in item:
            entry: dict[str, Any] = item[job]
            return entry
    raise AssertionError(f"{job} is not in workflow {workflow}")


def run_commands(job: dict[str, Any]) -> list[str]:
    runs = [s["run"] for s in job["steps"] if isinstance(s, dict) and "run" in s]
    return [r["command"] if isinstance(r, dict) else r for r in runs]


def test_config_is_valid_against_circleci_schema() -> None:
    done = check_jsonschema(CONFIG)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok -- validation done" in done.stdout


def test_schema_check_rejects_a_broken_config(tmp_path: Path) -> None:
    """The schema check really looks: `requires` must be a list."""
    broken = tmp_path / "config.yml"
    text = CONFIG.read_text(encoding="utf-8")
    needle = "          requires:\n            - request_prod\n"
    assert needle in text
    broken.write_text(text.replace(needle, "          requires: request_prod\n"))
    done = check_jsonschema(broken)
    assert done.returncode == 1, done.stdout + done.stderr


def test_project_test_job_runs_every_check_and_stores_junit() -> None:
    data = load()
    job = data["jobs"]["test"]
    assert data["executors"][job["executor"]]["docker"][0]["image"] == "cimg/python:3.11"
    steps = [next(iter(s)) if isinstance(s, dict) else s for s in job["steps"]]
    assert steps[0] == "checkout"
    assert "install-kubectl" in steps
    assert steps[-1] == "store_test_results"
    commands = "\n".join(run_commands(job))
    assert "pip install --quiet -e '.[test]'" in commands
    assert "ruff check promoter tests" in commands
    assert ".venv/bin/mypy" in commands
    assert "pytest -q -n auto --junitxml=test-results/junit.xml" in commands
    assert job["steps"][-1]["store_test_results"]["path"] == "test-results"
    assert data["workflows"]["check"]["jobs"] == ["test"]


def test_orbs_are_pinned_to_exact_versions() -> None:
    orbs = load()["orbs"]
    assert orbs["aws-ecr"].startswith("circleci/aws-ecr@9.3.")
    for ref in orbs.values():
        version = ref.split("@", 1)[1]
        assert len(version.split(".")) == 3 and "volatile" not in version, ref


def test_release_template_builds_promotes_and_waits_for_approval() -> None:
    data = load()
    build = workflow_entry(data, "release", "aws-ecr/build_and_push_image")
    assert (build["repo"], build["tag"]) == ("web", "$CIRCLE_SHA1")
    assert build["filters"] == {"branches": {"only": "main"}}
    staging = workflow_entry(data, "release", "promote-staging")
    assert staging["requires"] == [build["name"]]
    approval = workflow_entry(data, "release", "request_prod")
    assert approval == {"type": "approval", "requires": ["promote-staging"],
                        "filters": {"branches": {"only": "main"}}}
    production = workflow_entry(data, "release", "promote-production")
    assert production["requires"] == ["request_prod"]
    assert production["context"] == "production-deploy"
    assert production["serial-group"] == "<< pipeline.project.slug >>/promote-production"


def test_release_jobs_run_promoter_with_the_commit_sha() -> None:
    jobs = load()["jobs"]
    staging = " ".join(run_commands(jobs["promote-staging"]))
    assert "promoter set-image staging web=$CIRCLE_SHA1" in staging
    assert '--repo "$GITOPS_REPO_URL" --skip-ci' in staging
    production = " ".join(" ".join(run_commands(jobs["promote-production"])).split())
    assert ('promoter promote production \\ --tag "$CIRCLE_SHA1" \\ '
            '--repo "$GITOPS_REPO_URL" \\ --skip-ci') in production
    for name in ("promote-staging", "promote-production"):
        steps = [next(iter(s)) if isinstance(s, dict) else s for s in jobs[name]["steps"]]
        assert steps[:3] == ["gitops-write-access", "install-kubectl", "install-promoter"]


def test_git_write_access_uses_a_deploy_key_placeholder_and_pinned_host_key() -> None:
    steps = load()["commands"]["gitops-write-access"]["steps"]
    fingerprints = steps[0]["add_ssh_keys"]["fingerprints"]
    assert fingerprints == ["SHA256:REPLACE_WITH_DEPLOY_KEY_FINGERPRINT"]
    script = [ln for ln in steps[1]["run"]["command"].splitlines() if not ln.startswith("#")]
    assert any("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5" in ln for ln in script)
    assert not any("ssh-keyscan" in ln for ln in script)


def test_release_image_name_matches_the_overlays() -> None:
    """CI runs `set-image staging web=...`: the overlays must have an images entry named web."""
    for env in ("staging", "production"):
        kustomization = YAML(typ="safe").load(
            (PROJECT / "overlays" / env / "kustomization.yaml").read_text())
        assert [i["name"] for i in kustomization["images"]] == ["web"]
        assert kustomization["images"][0]["newName"].endswith(".amazonaws.com/web")


def test_release_jobs_install_promoter_from_its_pinned_release_tag() -> None:
    """Not from a package index promoter does not publish to: the git tag of this version."""
    command = load()["commands"]["install-promoter"]
    spec = command["parameters"]["spec"]["default"]
    assert spec == f"promoter @ git+https://github.com/example-org/promoter@v{__version__}"
    [install] = run_commands(command)
    assert '~/promoter-venv/bin/pip install --quiet "<< parameters.spec >>"' in install
