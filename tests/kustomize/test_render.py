"""Running kustomize: real `kubectl kustomize` on small overlays; fake commands for failures."""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

import pytest

from promoter.errors import ExitCode, RenderError, UsageError
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.render import kustomize_command, kustomize_message, render, render_timeout
from promoter.kustomize.rendered import image_uses, list_images, rendered_images
from tests.kustomize.layouts import DIGEST_A, DIGEST_B, OVERLAY, write_layout

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")

BASE_MANIFESTS = f"""\
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
        image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0
      containers:
      - name: web
        image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0
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
            image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0
---
apiVersion: v1
kind: Pod
metadata:
  name: debug
spec:
  containers:
  - name: shell
    image: busybox:1.36@{DIGEST_A}
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  ports: [{{port: 80}}]
"""


def write_overlay(root: Path, images: str = "", manifests: str = BASE_MANIFESTS) -> Path:
    """base/ with the manifests, overlays/staging/ pointing at it with an optional images: block."""
    return write_layout(root, manifests, f"resources:\n- ../../base\n{images}")


def write_script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path

# --- kustomize_command -------------------------------------------------------------------------


def test_command_override_is_split_like_a_shell() -> None:
    environ = {"PROMOTER_KUSTOMIZE": "'/opt/my tools/kustomize' build --enable-helm", "PATH": ""}
    assert kustomize_command(environ) == ["/opt/my tools/kustomize", "build", "--enable-helm"]


def test_command_override_with_bad_quoting_is_a_render_error() -> None:
    with pytest.raises(RenderError, match="PROMOTER_KUSTOMIZE"):
        kustomize_command({"PROMOTER_KUSTOMIZE": "'kubectl kustomize", "PATH": ""})


def test_command_prefers_kustomize_then_kubectl(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    write_script(bin_dir / "kubectl", "exit 0\n")
    assert kustomize_command({"PATH": str(bin_dir)}) == ["kubectl", "kustomize"]
    write_script(bin_dir / "kustomize", "exit 0\n")
    assert kustomize_command({"PATH": str(bin_dir)}) == ["kustomize", "build"]
    assert kustomize_command({"PATH": str(bin_dir), "PROMOTER_KUSTOMIZE": "  "}) == [
        "kustomize",
        "build",
    ]


def test_command_missing_everywhere(tmp_path: Path) -> None:
    with pytest.raises(RenderError) as info:
        kustomize_command({"PATH": str(tmp_path)})
    assert "kustomize" in str(info.value)
    assert "PROMOTER_KUSTOMIZE" in str(info.value)
    assert info.value.exit_code is ExitCode.INVALID


def test_command_reads_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PROMOTER_KUSTOMIZE", "kubectl kustomize --load-restrictor=LoadRestrictionsNone"
    )
    assert kustomize_command() == ["kubectl", "kustomize", "--load-restrictor=LoadRestrictionsNone"]


# --- render: failure paths ---------------------------------------------------------------------


def test_render_missing_binary_says_which_and_how_to_fix(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY, environ={"PATH": str(tmp_path / "empty")})
    assert "neither kustomize nor kubectl" in info.value.message
    assert info.value.hint is not None and "PROMOTER_KUSTOMIZE" in info.value.hint


def test_render_override_pointing_at_nonexistent_path(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    missing = tmp_path / "no" / "kustomize"
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY, environ={"PROMOTER_KUSTOMIZE": f"{missing} build", "PATH": ""})
    assert str(missing) in str(info.value)
    assert "not found" in info.value.message
    assert "install kustomize or kubectl" in str(info.value)


def test_render_uses_the_override_and_passes_the_overlay(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    args_file = tmp_path / "args"
    script = write_script(
        tmp_path / "fake-kustomize",
        f"""printf '%s\\n' "$@" > '{args_file}'
printf 'kind: Pod\\nmetadata: {{name: fake}}\\nspec:\\n'
printf '  containers:\\n  - {{name: c, image: fake/app:9}}\\n'
""",
    )
    environ = {"PROMOTER_KUSTOMIZE": f"{script} build", "PATH": ""}
    rendered = render(tmp_path, OVERLAY, environ=environ)
    assert rendered_images(rendered) == [ImageRef("fake/app", "9", None)]
    assert args_file.read_text().splitlines() == ["build", str(overlay)]


def test_render_non_executable_override(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(RenderError, match="cannot be executed"):
        render(tmp_path, OVERLAY, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})


def test_render_timeout_stops_the_command_and_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_overlay(tmp_path)
    # sleep runs as a child holding stdout open: only killing the process group ends it.
    script = write_script(tmp_path / "slow-kustomize", "sleep 30\necho done\n")
    monkeypatch.setenv("PROMOTER_KUSTOMIZE", str(script))
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY, timeout=0.5)
    assert info.value.message == (
        f"`{script} {OVERLAY}` did not finish within 0.5 seconds and was stopped"
    )
    assert info.value.hint is not None and "PROMOTER_RENDER_TIMEOUT" in info.value.hint


def test_render_timeout_comes_from_the_environment(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    script = write_script(tmp_path / "slow-kustomize", "sleep 30\n")
    environ = {**os.environ, "PROMOTER_KUSTOMIZE": str(script), "PROMOTER_RENDER_TIMEOUT": "0.5"}
    with pytest.raises(RenderError, match=r"within 0\.5 seconds"):
        render(tmp_path, OVERLAY, environ=environ)


@pytest.mark.parametrize(("value", "seconds"), [("", 120.0), (" 2.5 ", 2.5), ("30", 30.0)])
def test_render_timeout_value(value: str, seconds: float) -> None:
    assert render_timeout({"PROMOTER_RENDER_TIMEOUT": value}) == seconds


@pytest.mark.parametrize("value", ["0", "-1", "soon", "nan"])
def test_render_timeout_must_be_positive(value: str) -> None:
    with pytest.raises(UsageError, match="PROMOTER_RENDER_TIMEOUT"):
        render_timeout({"PROMOTER_RENDER_TIMEOUT": value})


def test_render_rejects_a_missing_overlay_directory(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="not a directory"):
        render(tmp_path, "nope")


def test_render_failure_quotes_the_script_stderr(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    script = write_script(
        tmp_path / "failing",
        "echo '# Warning: commonLabels is deprecated' >&2\n"
        "echo 'Error: accumulating resources: missing.yaml: no such file' >&2\nexit 3\n",
    )
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})
    message = info.value.message
    assert "exited 3" in message
    assert "Error: accumulating resources: missing.yaml: no such file" in message
    assert "Warning" not in message
    assert f"kustomize failed to render {OVERLAY} (`{script} {OVERLAY}` exited 3)" in message


def test_render_output_that_is_not_yaml(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    script = write_script(tmp_path / "garbage", "printf 'containers: [unclosed\\n'\n")
    rendered = render(tmp_path, OVERLAY, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})
    with pytest.raises(RenderError, match="not valid YAML"):
        image_uses(rendered)


def test_kustomize_message_from_klog_line() -> None:
    stderr = (
        "# Warning: 'vars' is deprecated.\n"
        'E1126 05:33:24.882829    4596 run.go:72] "command failed" '
        'err="invalid Kustomization: yaml: line 1: did not find \\"expected\\" \',\'"\n'
    )
    assert kustomize_message(stderr) == (
        "invalid Kustomization: yaml: line 1: did not find \"expected\" ','"
    )


def test_kustomize_message_is_trimmed() -> None:
    message = kustomize_message("Error: " + "x" * 5000)
    assert len(message) <= 1500
    assert message.startswith("Error: xxx")
    assert message.endswith("...")
    assert kustomize_message("") == "(kustomize printed no message)"


# --- render: real kubectl kustomize ------------------------------------------------------------


@needs_kubectl
def test_render_real_overlay_applies_images(tmp_path: Path) -> None:
    write_overlay(
        tmp_path,
        "images:\n"
        "- name: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web\n"
        "  newTag: 2.0.0\n"
        "- name: busybox\n"
        f"  digest: {DIGEST_B}\n",
    )
    assert list_images(tmp_path, OVERLAY) == [
        ImageRef("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web", "2.0.0", None),
        ImageRef("localhost:5000/envoy", None, None),
        ImageRef("busybox", None, DIGEST_B),
    ]


@needs_kubectl
def test_render_real_failure_quotes_kustomize(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    (overlay / "kustomization.yaml").write_text("resources:\n- ../../base\n- missing.yaml\n")
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY)
    message = info.value.message
    shown = " ".join([*kustomize_command(), OVERLAY])
    assert f"kustomize failed to render {OVERLAY} (`{shown}` exited" in message
    assert f"{OVERLAY}/missing.yaml" in message  # kustomize's absolute paths, named from the root
    assert str(tmp_path) not in message
    assert " run.go:" not in message  # klog prefix stripped


@needs_kubectl
def test_render_real_through_override(tmp_path: Path) -> None:
    write_overlay(tmp_path)
    environ = {**os.environ, "PROMOTER_KUSTOMIZE": f"{KUBECTL} kustomize"}
    assert "kind: CronJob" in render(tmp_path, OVERLAY, environ=environ)


# --- the message -------------------------------------------------------------------------------


def test_render_failure_message_is_safe_to_show(tmp_path: Path) -> None:
    """kustomize's stderr is foreign text: no terminal control, no credentials."""
    write_overlay(tmp_path)
    script = write_script(
        tmp_path / "hostile",
        "printf 'Error: \\033[31mred\\033[0m \\033]0;title\\007from "
        "https://user:hunter2@example.com/repo\\r\\n' >&2\nexit 1\n",
    )
    with pytest.raises(RenderError) as info:
        render(tmp_path, OVERLAY, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})
    message = info.value.message
    assert "Error: red from https://example.com/repo" in message
    assert "\x1b" not in message and "\x07" not in message and "\r" not in message
    assert "hunter2" not in message


def test_kustomize_message_names_paths_from_the_root(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    link = tmp_path / "link"
    link.symlink_to(real)
    stderr = (
        f"Error: accumulating resources from 'missing.yaml': lstat {real}/overlays/x/missing.yaml"
        f": no such file or directory; also {link}/base\n"
    )
    assert kustomize_message(stderr, root=link) == (
        "Error: accumulating resources from 'missing.yaml': lstat overlays/x/missing.yaml"
        ": no such file or directory; also base"
    )
