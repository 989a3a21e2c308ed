"""Post-edit verification (promoter.kustomize.check): the edited text must hold what was asked
and nothing else, compared as data built from the bounded, composed documents."""

from __future__ import annotations

import pytest

from promoter.errors import ExitCode, KustomizationError
from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.check import verify_edit
from promoter.kustomize.document import load_document
from promoter.kustomize.entries import ImageEntry
from promoter.kustomize.splice import set_image_text
from tests.hostile_yaml import billion_laughs, self_containing

SHARED = (
    "labels:\n- pairs: &pairs {app: web, tier: front}\n  includeSelectors: true\n"
    "- pairs: *pairs\n"
    "patches:\n- target: &target {kind: Deployment}\n  patch: |-\n    - op: remove\n"
    "- target:\n    <<: *target\n    name: web\n  path: p.yaml\n"
    "images:\n- name: web\n  newTag: v1\n"
)


def test_an_edit_beside_ordinary_anchors_and_merge_keys_verifies() -> None:
    after = set_image_text(SHARED, parse_image_arg("web=v2"))
    assert after == SHARED.replace("newTag: v1", "newTag: v2")


def test_a_change_outside_images_is_caught_with_aliases_expanded() -> None:
    doc = load_document(SHARED, "k.yaml", strict=False)
    tampered = SHARED.replace("newTag: v1", "newTag: v2").replace("tier: front", "tier: back")
    with pytest.raises(KustomizationError, match="keys outside `images` changed"):
        verify_edit(doc, tampered, 0, ImageEntry("web", new_tag="v2"))


@pytest.mark.parametrize("extra", [billion_laughs(), self_containing()],
                         ids=["billion-laughs", "self-containing"])
def test_an_alias_bomb_is_refused_before_any_data_is_built(extra: str) -> None:
    with pytest.raises(KustomizationError, match="aliases would expand") as caught:
        set_image_text(extra + "images:\n- name: web\n  newTag: v1\n", parse_image_arg("web=v2"),
                       source="overlays/staging/kustomization.yaml")
    assert caught.value.exit_code == ExitCode.INVALID
