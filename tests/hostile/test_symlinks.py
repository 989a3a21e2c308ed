"""Family 4: symlinks. promoter reads and writes only regular files inside the repository.

A kustomization file, an overlay folder or promoter.yaml that is, or passes through, a symlink
leaving the repository is refused (exit 4, naming the link and its target) before anything is
written or rendered, also with --dry-run; a kustomization file that is a symlink to another file
inside the repository is refused too (promoter never writes through a symlink). Each case runs in
the local clone and through the URL (git carries the symlink to the temporary clone). The outside
folder holds a renderable copy of the overlays, so a run that follows the link would succeed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.hostile.conftest import PRODUCTION, SHA, STAGING, Link, Scene


@dataclass(frozen=True)
class Case:
    files: dict[str, bytes | str | Link | None]
    link: str  # the repository-relative path of the link, as the message must name it
    target: str  # a part of the target the message must name
    args: tuple[str, ...] = ("set-image", "staging", f"web={SHA}")


def kustomization_outside(scene: Scene) -> Case:
    target = str(scene.outside / "overlays/staging/kustomization.yaml")
    return Case({STAGING: Link(target)}, STAGING, target)


def kustomization_outside_relative(scene: Scene) -> Case:
    target = "../../../outside/overlays/staging/kustomization.yaml"
    return Case({STAGING: Link(target)}, STAGING, target)


def overlay_folder_outside(scene: Scene) -> Case:
    target = str(scene.outside / "overlays/staging")
    return Case({"overlays/staging": Link(target)}, "overlays/staging", target)


def overlays_parent_outside(scene: Scene) -> Case:
    target = str(scene.outside / "overlays")
    return Case({"overlays": Link(target)}, "overlays", target)


def config_outside(scene: Scene) -> Case:
    target = str(scene.outside / "promoter.yaml")
    return Case({"promoter.yaml": Link(target)}, "promoter.yaml", target)


def production_outside_on_promote(scene: Scene) -> Case:
    target = str(scene.outside / "overlays/production/kustomization.yaml")
    return Case({PRODUCTION: Link(target)}, PRODUCTION, target, ("promote", "production"))


def kustomization_to_sibling_inside(scene: Scene) -> Case:
    real = scene.text(STAGING)
    return Case({"overlays/staging/kustomization.real.yaml": real,
                 STAGING: Link("kustomization.real.yaml")}, STAGING, "kustomization.real.yaml")


def kustomization_to_production_inside(scene: Scene) -> Case:
    return Case({STAGING: Link("../production/kustomization.yaml")}, STAGING,
                "production/kustomization.yaml")


KINDS: dict[str, Callable[[Scene], Case]] = {
    "kustomization-to-outside": kustomization_outside,
    "kustomization-to-outside-relative": kustomization_outside_relative,
    "overlay-folder-to-outside": overlay_folder_outside,
    "overlays-parent-to-outside": overlays_parent_outside,
    "config-to-outside": config_outside,
    "production-kustomization-to-outside-on-promote": production_outside_on_promote,
    "kustomization-to-a-sibling-inside": kustomization_to_sibling_inside,
    "kustomization-to-production-inside": kustomization_to_production_inside,
}
MODES = {
    "local": ("local", ()),
    "local-dry-run": ("local", ("--dry-run",)),
    "url-json": ("url", ("--json",)),
    "url-dry-run": ("url", ("--dry-run",)),
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("kind", list(KINDS))
def test_symlink_is_refused(scene: Scene, kind: str, mode: str) -> None:
    case = KINDS[kind](scene)
    scene.commit(case.files)
    repo, flags = MODES[mode]
    done = scene.expect(4, *case.args, *flags, repo=repo)
    assert case.link in done.error
    assert case.target in done.error
