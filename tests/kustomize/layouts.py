"""A minimal kustomize layout for tests: base/ with manifests, overlays/staging/ on top of it."""

from __future__ import annotations

from pathlib import Path

DIGEST_A = "sha256:" + "a" * 64
DIGEST_B = "sha256:" + "b" * 64
OVERLAY = "overlays/staging"
"""Where write_layout puts the overlay, relative to its root."""


def write_layout(root: Path, manifests: str, kustomization: str) -> Path:
    """root/base with the manifests, root/overlays/staging with `kustomization`: the overlay."""
    base = root / "base"
    base.mkdir(parents=True)
    (base / "manifests.yaml").write_text(manifests)
    (base / "kustomization.yaml").write_text("resources:\n- manifests.yaml\n")
    overlay = root / OVERLAY
    overlay.mkdir(parents=True)
    (overlay / "kustomization.yaml").write_text(kustomization)
    return overlay
