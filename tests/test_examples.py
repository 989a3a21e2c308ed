"""examples/: the Argo CD and Flux objects that close the loop parse, have the right kinds and API
versions, and point at overlays that exist and render."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
from ruamel.yaml import YAML

PROJECT = Path(__file__).resolve().parent.parent
EXAMPLES = PROJECT / "examples"
REPO_URL = "git@github.com:example-org/gitops.git"
ENVIRONMENTS = ("staging", "production")


def documents(path: Path) -> list[dict[str, Any]]:
    return [d for d in YAML(typ="safe").load_all(path.read_text(encoding="utf-8")) if d]


def all_objects(folder: str) -> list[dict[str, Any]]:
    return [d for p in sorted((EXAMPLES / folder).glob("*.yaml")) for d in documents(p)]


def kind(objects: list[dict[str, Any]], api_version: str, kind_: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["apiVersion"] == api_version and o["kind"] == kind_]


def render(path: Path) -> list[dict[str, Any]]:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not installed (it provides `kubectl kustomize`)")
    done = subprocess.run(
        ["kubectl", "kustomize", str(path)], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, f"kubectl kustomize {path} failed: {done.stderr}"
    return [d for d in YAML(typ="safe").load_all(done.stdout) if d]


def overlay_dir(repo_path: str) -> Path:
    """A repository-relative path from an example, checked to stay inside overlays/."""
    relative = PurePosixPath(repo_path.removeprefix("./"))
    assert relative.parts[0] == "overlays" and ".." not in relative.parts, repo_path
    return PROJECT.joinpath(*relative.parts)


def rendered_namespace(path: Path) -> str:
    namespaces = {o["metadata"]["namespace"] for o in render(path) if o["kind"] != "Namespace"}
    assert len(namespaces) == 1, namespaces
    return str(namespaces.pop())


def test_every_example_yaml_parses() -> None:
    files = sorted(EXAMPLES.rglob("*.yaml"))
    assert len(files) >= 6
    for path in files:
        docs = documents(path)
        assert docs, f"{path} holds no document"
        assert all({"apiVersion", "kind"} <= d.keys() for d in docs), path


def test_argo_cd_applications_sync_each_overlay_automatically() -> None:
    apps = kind(all_objects("argocd"), "argoproj.io/v1alpha1", "Application")
    assert sorted(a["metadata"]["name"] for a in apps) == ["web-production", "web-staging"]
    for app in apps:
        env = app["metadata"]["name"].removeprefix("web-")
        spec = app["spec"]
        assert spec["source"] == {
            "repoURL": REPO_URL, "targetRevision": "main", "path": f"overlays/{env}"
        }
        assert spec["syncPolicy"]["automated"] == {"prune": True, "selfHeal": True}
        assert "CreateNamespace=true" in spec["syncPolicy"]["syncOptions"]
        path = overlay_dir(spec["source"]["path"])
        assert spec["destination"]["namespace"] == rendered_namespace(path)


def test_flux_watches_the_repository_and_reconciles_each_overlay() -> None:
    objects = all_objects("flux")
    repos = kind(objects, "source.toolkit.fluxcd.io/v1", "GitRepository")
    assert [r["metadata"]["name"] for r in repos] == ["gitops"]
    assert repos[0]["spec"]["url"] == "ssh://git@github.com/example-org/gitops.git"
    assert repos[0]["spec"]["ref"] == {"branch": "main"}
    kustomizations = kind(objects, "kustomize.toolkit.fluxcd.io/v1", "Kustomization")
    assert sorted(k["spec"]["path"] for k in kustomizations) == [
        f"./overlays/{env}" for env in sorted(ENVIRONMENTS)
    ]
    for k in kustomizations:
        assert k["spec"]["sourceRef"] == {"kind": "GitRepository", "name": "gitops"}
        assert k["spec"]["prune"] is True
        assert k["metadata"]["namespace"] == repos[0]["metadata"]["namespace"]
        assert render(overlay_dir(k["spec"]["path"])), k["spec"]["path"]


def test_no_unexpected_kinds() -> None:
    expected = {
        ("argoproj.io/v1alpha1", "Application"),
        ("source.toolkit.fluxcd.io/v1", "GitRepository"),
        ("kustomize.toolkit.fluxcd.io/v1", "Kustomization"),
        ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
    }
    found = {(o["apiVersion"], o["kind"]) for f in ("argocd", "flux") for o in all_objects(f)}
    assert found == expected


@pytest.mark.parametrize("folder", ["argocd", "flux"])
def test_example_folder_applies_as_a_kustomization(folder: str) -> None:
    """`kubectl apply -k examples/<folder>` sees every example object of that folder."""
    rendered = {(o["kind"], o["metadata"]["name"]) for o in render(EXAMPLES / folder)}
    listed = {
        (o["kind"], o["metadata"]["name"])
        for o in all_objects(folder)
        if o["apiVersion"] != "kustomize.config.k8s.io/v1beta1"
    }
    assert rendered == listed


def test_readme_names_every_example_folder() -> None:
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    for folder in ("argocd/", "flux/", "promoter set-image staging", "promoter promote production"):
        assert folder in text
