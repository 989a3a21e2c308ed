"""The sample GitOps layout in overlays/: both environments render with real `kubectl kustomize`,
and what they render is what their `images:` entries pin."""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
OVERLAYS = PROJECT / "overlays"
ECR_WEB = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web"
ENVIRONMENTS = {"staging": "web-staging", "production": "web-production"}


def kustomize(overlay: Path) -> list[dict[str, Any]]:
    """Render overlay with kubectl kustomize; return the objects."""
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed (it provides `kubectl kustomize`)")
    done = subprocess.run(
        ["kubectl", "kustomize", str(overlay)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"kubectl kustomize {overlay} failed: {done.stderr}"
    return [d for d in YAML(typ="safe").load_all(done.stdout) if d]


@cache
def rendered(env: str) -> tuple[dict[str, Any], ...]:
    return tuple(kustomize(OVERLAYS / env))


def pinned(env: str) -> tuple[str, str]:
    """(newName, newTag) of the `web` images entry of the overlay's kustomization.yaml."""
    data = YAML(typ="safe").load((OVERLAYS / env / "kustomization.yaml").read_text())
    entries = [e for e in data["images"] if e["name"] == "web"]
    assert len(entries) == 1, f"{env}: expected one images entry named web, got {entries}"
    return entries[0]["newName"], str(entries[0]["newTag"])


def by_kind(objects: tuple[dict[str, Any], ...], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


def images(obj: dict[str, Any]) -> list[str]:
    spec = obj["spec"]["template"]["spec"]
    return [c["image"] for c in spec.get("initContainers", []) + spec["containers"]]


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_overlay_renders_pinned_image_in_deployment_and_migration_job(env: str) -> None:
    name, tag = pinned(env)
    assert name == ECR_WEB
    objects = rendered(env)
    deployments = by_kind(objects, "Deployment")
    jobs = by_kind(objects, "Job")
    assert [d["metadata"]["name"] for d in deployments] == ["web"]
    assert [j["metadata"]["name"] for j in jobs] == ["web-migrate"]
    assert images(deployments[0]) == [f"{ECR_WEB}:{tag}"]
    assert images(jobs[0]) == [f"{ECR_WEB}:{tag}"]


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_overlay_puts_everything_in_its_own_namespace(env: str) -> None:
    namespace = ENVIRONMENTS[env]
    objects = rendered(env)
    assert [o["metadata"]["name"] for o in by_kind(objects, "Namespace")] == [namespace]
    namespaced = [o for o in objects if o["kind"] != "Namespace"]
    assert {o["kind"] for o in namespaced} == {"Deployment", "Service", "Job"}
    assert {o["metadata"]["namespace"] for o in namespaced} == {namespace}


@pytest.mark.parametrize("env", sorted(ENVIRONMENTS))
def test_pinned_tags_are_commit_shas(env: str) -> None:
    assert re.fullmatch(r"[0-9a-f]{7,40}", pinned(env)[1])


def test_staging_and_production_differ_in_replicas_and_tag() -> None:
    replicas = {
        env: by_kind(rendered(env), "Deployment")[0]["spec"]["replicas"] for env in ENVIRONMENTS
    }
    assert replicas == {"staging": 1, "production": 3}
    assert pinned("staging")[1] != pinned("production")[1]


def test_migration_job_is_an_argo_presync_hook() -> None:
    for env in ENVIRONMENTS:
        job = by_kind(rendered(env), "Job")[0]
        annotations = job["metadata"]["annotations"]
        assert annotations["argocd.argoproj.io/hook"] == "PreSync"
        assert annotations["argocd.argoproj.io/hook-delete-policy"] == "BeforeHookCreation"
        assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_service_selects_the_deployment_pods() -> None:
    for env in ENVIRONMENTS:
        objects = rendered(env)
        selector = by_kind(objects, "Service")[0]["spec"]["selector"]
        pod_labels = by_kind(objects, "Deployment")[0]["spec"]["template"]["metadata"]["labels"]
        assert selector.items() <= pod_labels.items()
        job_labels = by_kind(objects, "Job")[0]["spec"]["template"]["metadata"]["labels"]
        assert not selector.items() <= job_labels.items(), "the Service must not select the Job"


def test_overlays_are_self_contained(tmp_path: Path) -> None:
    """The demo copies overlays/ alone into a throwaway repo: it must render there too."""
    copy = tmp_path / "gitops" / "overlays"
    shutil.copytree(OVERLAYS, copy)
    for env in ENVIRONMENTS:
        assert kustomize(copy / env) == list(rendered(env))


def test_base_hardens_the_web_container() -> None:
    deployment = by_kind(rendered("production"), "Deployment")[0]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"readinessProbe", "livenessProbe", "resources"} <= container.keys()
    assert container["resources"]["requests"]["cpu"] == "250m"  # production's patch merged
