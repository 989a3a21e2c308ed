"""Edit-and-verify: real `kubectl kustomize` renders after each edit; failures restore the file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from promoter.errors import RenderError, VerificationError
from promoter.kustomize.entries import ImageChange, ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.rendered import list_images
from promoter.kustomize.session import edit_session
from promoter.kustomize.verify import set_images_verified, verify_overlay
from tests.kustomize.layouts import DIGEST_A, DIGEST_B, OVERLAY, write_layout

pytestmark = pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl is not installed")

WEB = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web"
MANIFESTS = f"""\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  selector: {{matchLabels: {{app: web}}}}
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      initContainers:
      - name: migrate
        image: {WEB}:1.0.0
      containers:
      - name: web
        image: {WEB}:1.0.0
      - name: proxy
        image: localhost:5000/envoy
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - name: report
            image: {WEB}:1.0.0
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
  - name: shell
    image: busybox:1.36@{DIGEST_A}
  ephemeralContainers:
  - name: probe
    image: {WEB}:0.9.0
"""

STAGING = f"""\
# staging pins the web image
resources:
- ../../base

images:
- name: {WEB}
  newTag: 1.0.0
"""


def make_overlay(root: Path, kustomization: str = STAGING) -> Path:
    return write_layout(root, MANIFESTS, kustomization)


@pytest.fixture
def no_render(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Any render attempt fails loudly: proves the code under test rendered nothing."""
    monkeypatch.setenv("PROMOTER_KUSTOMIZE", str(tmp_path / "render-must-not-run"))


def entry(name: str, **fields: str | None) -> ImageEntry:
    values: dict[str, str | None] = {"new_name": None, "new_tag": None, "digest": None}
    values.update(fields)
    return ImageEntry(name=name, tag_suffix=None, **values)


# --- success -----------------------------------------------------------------------------------


def test_new_tag_is_written_and_deployed(tmp_path: Path) -> None:
    overlay = make_overlay(tmp_path)
    edit = set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="1.1.0")])
    assert edit.changed
    assert edit.path == overlay / "kustomization.yaml"
    assert edit.label == f"{OVERLAY}/kustomization.yaml"
    assert (overlay / "kustomization.yaml").read_text() == edit.after
    assert "newTag: 1.1.0" in edit.after
    assert edit.after.startswith("# staging pins the web image\n")
    assert ImageRef(WEB, "1.1.0", None) in list_images(tmp_path, OVERLAY)
    assert ImageRef(WEB, "1.0.0", None) not in list_images(tmp_path, OVERLAY)


def test_digest_and_new_entry_are_verified(tmp_path: Path) -> None:
    overlay = make_overlay(tmp_path, "resources:\n- ../../base\n")
    edit = set_images_verified(tmp_path, OVERLAY, [ImageChange(name="busybox", digest=DIGEST_B)])
    assert edit.changed
    assert "busybox" in (overlay / "kustomization.yaml").read_text()
    assert ImageRef("busybox", None, DIGEST_B) in list_images(tmp_path, OVERLAY)


def test_rename_is_verified_against_the_new_name(tmp_path: Path) -> None:
    make_overlay(tmp_path)
    mirror = "registry.example.com:5000/mirror/envoy"
    change = ImageChange(name="localhost:5000/envoy", new_name=mirror, new_tag="v1.31")
    set_images_verified(tmp_path, OVERLAY, [change])
    assert ImageRef(mirror, "v1.31", None) in list_images(tmp_path, OVERLAY)


def test_dry_run_writes_and_renders_nothing(tmp_path: Path, no_render: None) -> None:
    overlay = make_overlay(tmp_path)
    before = (overlay / "kustomization.yaml").read_bytes()
    change = ImageChange(name=WEB, new_tag="2.0.0")
    edit = set_images_verified(tmp_path, OVERLAY, [change], dry_run=True)
    assert edit.changed
    assert "newTag: 2.0.0" in edit.after
    assert (overlay / "kustomization.yaml").read_bytes() == before


def test_unchanged_file_is_not_rendered(tmp_path: Path, no_render: None) -> None:
    overlay = make_overlay(tmp_path)
    edit = set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="1.0.0")])
    assert not edit.changed
    assert (overlay / "kustomization.yaml").read_text() == STAGING


# --- failures restore the original bytes -------------------------------------------------------


def test_name_matching_nothing_is_refused_and_restored(tmp_path: Path) -> None:
    overlay = make_overlay(tmp_path)
    path = overlay / "kustomization.yaml"
    path.write_bytes(STAGING.replace("\n", "\r\n").encode())  # restore must be byte-exact
    before = path.read_bytes()
    typo = WEB.replace("/web", "/wbe")
    with pytest.raises(VerificationError) as info:
        set_images_verified(tmp_path, OVERLAY, [ImageChange(name=typo, new_tag="2.0.0")])
    assert path.read_bytes() == before
    message = str(info.value)
    assert typo in message
    assert f"in {OVERLAY} matches no container" in message
    assert str(tmp_path) not in message  # the repository's own path names nothing
    for deployed in (f"{WEB}:1.0.0", "localhost:5000/envoy", f"busybox:1.36@{DIGEST_A}"):
        assert deployed in message
    assert f"{WEB}:0.9.0" not in message  # ephemeral containers are not kustomize's to change


def test_containers_left_on_other_versions_are_refused_and_restored(tmp_path: Path) -> None:
    overlay = make_overlay(tmp_path)
    before = (overlay / "kustomization.yaml").read_bytes()
    # name is a typo but newName exists already: kustomize ignores the entry, envoy keeps no tag
    change = ImageChange(name="envoy", new_name="localhost:5000/envoy", new_tag="v2")
    with pytest.raises(VerificationError) as info:
        set_images_verified(tmp_path, OVERLAY, [change])
    assert (overlay / "kustomization.yaml").read_bytes() == before
    assert "Deployment shop/web container proxy runs localhost:5000/envoy" in str(info.value)


def test_render_failure_after_edit_is_restored(tmp_path: Path) -> None:
    broken = STAGING.replace("- ../../base\n", "- ../../base\n- missing.yaml\n")
    overlay = make_overlay(tmp_path, broken)
    before = (overlay / "kustomization.yaml").read_bytes()
    with pytest.raises(RenderError) as info:
        set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="2.0.0")])
    assert (overlay / "kustomization.yaml").read_bytes() == before
    assert f"{OVERLAY}/missing.yaml" in str(info.value)
    assert str(tmp_path) not in str(info.value)


def test_render_timeout_after_edit_is_restored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = make_overlay(tmp_path)
    before = (overlay / "kustomization.yaml").read_bytes()
    slow = tmp_path / "slow"
    slow.write_text("#!/bin/sh\nsleep 30\n")
    slow.chmod(0o755)
    monkeypatch.setenv("PROMOTER_KUSTOMIZE", str(slow))
    with pytest.raises(RenderError, match="did not finish"):
        set_images_verified(
            tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="2.0.0")], timeout=0.5
        )
    assert (overlay / "kustomization.yaml").read_bytes() == before


def test_interrupt_during_the_render_restores(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = make_overlay(tmp_path)
    before = (overlay / "kustomization.yaml").read_bytes()

    def interrupted(*_args: object, **_kwargs: object) -> str:
        assert b"2.0.0" in (overlay / "kustomization.yaml").read_bytes()  # edited by now
        raise KeyboardInterrupt

    monkeypatch.setattr("promoter.kustomize.verify.render", interrupted)
    with pytest.raises(KeyboardInterrupt):
        set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="2.0.0")])
    assert (overlay / "kustomization.yaml").read_bytes() == before


def test_a_failing_commit_after_verification_restores_through_an_outer_session(
    tmp_path: Path,
) -> None:
    """How a caller commits: the verified edit is kept by set_images_verified; the caller's own
    session around it restores the file when the commit fails, and keeps it once committed."""
    overlay = make_overlay(tmp_path)
    path = overlay / "kustomization.yaml"
    before = path.read_bytes()
    label = f"{OVERLAY}/kustomization.yaml"
    with pytest.raises(OSError, match="commit failed"), edit_session(path, label=label):
        edit = set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="2.0.0")])
        assert edit.label == label and path.read_text() == edit.after
        raise OSError("commit failed")
    assert path.read_bytes() == before
    with edit_session(path, label=label) as session:
        edit = set_images_verified(tmp_path, OVERLAY, [ImageChange(name=WEB, new_tag="2.0.0")])
        session.keep()  # committed
    assert path.read_text() == edit.after


# --- verify_overlay ----------------------------------------------------------------------------


def test_verify_overlay_returns_deployed_images(tmp_path: Path) -> None:
    make_overlay(tmp_path)
    deployed = verify_overlay(tmp_path, OVERLAY, [entry(WEB, new_tag="1.0.0")])
    assert deployed == [
        ImageRef(WEB, "1.0.0", None),
        ImageRef("localhost:5000/envoy", None, None),
        ImageRef("busybox", "1.36", DIGEST_A),
    ]


def test_verify_overlay_checks_tag_and_digest(tmp_path: Path) -> None:
    make_overlay(tmp_path)
    with pytest.raises(VerificationError, match=r"CronJob nightly container report runs"):
        verify_overlay(tmp_path, OVERLAY, [entry(WEB, new_tag="9.9.9")])
    with pytest.raises(VerificationError, match="still run other versions of busybox"):
        verify_overlay(tmp_path, OVERLAY, [entry("busybox", digest=DIGEST_B)])
    assert verify_overlay(tmp_path, OVERLAY, [entry("busybox", digest=DIGEST_A)])


def test_verify_overlay_on_corpus_renamed_image(corpus_dir: Path) -> None:
    overlay = "argocd-image-updater/config/manager"
    renamed = entry(
        "argocd-image-updater-controller",
        new_name="quay.io/argoprojlabs/argocd-image-updater",
        new_tag="latest",
    )
    assert verify_overlay(corpus_dir, overlay, [renamed]) == [
        ImageRef("quay.io/argoprojlabs/argocd-image-updater", "latest", None)
    ]
    with pytest.raises(VerificationError, match="matches no container"):
        verify_overlay(corpus_dir, overlay, [entry("argocd-image-updater-controller")])
