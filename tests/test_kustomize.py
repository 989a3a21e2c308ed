"""kustomize wrapper: real `kubectl kustomize` on small overlays; fake commands for failures."""

from __future__ import annotations

import json
import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.errors import ExitCode, RenderError
from promoter.kustomize import (
    ImageRef,
    ImageUse,
    image_uses,
    kustomize_command,
    kustomize_message,
    list_images,
    parse_image_ref,
    render,
    rendered_images,
)
from tests.layouts import DIGEST_A, DIGEST_B, write_layout

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


# --- parse_image_ref ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("nginx", ImageRef("nginx", None, None)),
        ("nginx:1.27", ImageRef("nginx", "1.27", None)),
        ("library/nginx:latest", ImageRef("library/nginx", "latest", None)),
        ("localhost:5000/app", ImageRef("localhost:5000/app", None, None)),
        ("localhost:5000/app:v2", ImageRef("localhost:5000/app", "v2", None)),
        (f"nginx@{DIGEST_A}", ImageRef("nginx", None, DIGEST_A)),
        (f"nginx:1.2@{DIGEST_A}", ImageRef("nginx", "1.2", DIGEST_A)),
        (
            f"registry.example.com:443/team/app@{DIGEST_B}",
            ImageRef("registry.example.com:443/team/app", None, DIGEST_B),
        ),
        (
            "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0",
            ImageRef("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web", "1.0.0", None),
        ),
        ("[::1]:5000/app:tag", ImageRef("[::1]:5000/app", "tag", None)),
    ],
)
def test_parse_image_ref(ref: str, expected: ImageRef) -> None:
    assert parse_image_ref(ref) == expected
    assert str(expected) == ref


def test_parse_image_ref_rejects_empty() -> None:
    with pytest.raises(RenderError):
        parse_image_ref("  ")


_component = st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)*", fullmatch=True)
_host = st.builds(
    lambda host, port: host + (f":{port}" if port is not None else ""),
    st.from_regex(r"[a-z0-9]+(\.[a-z0-9]+)*", fullmatch=True),
    st.none() | st.integers(1, 65535),
)
_name = st.builds(
    lambda host, parts: "/".join(([host] if host else []) + parts),
    st.none() | _host,
    st.lists(_component, min_size=1, max_size=3),
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_digest = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(name=_name, tag=st.none() | _tag, digest=st.none() | _digest)
def test_parse_image_ref_round_trips(name: str, tag: str | None, digest: str | None) -> None:
    ref = ImageRef(name, tag, digest)
    assert parse_image_ref(str(ref)) == ref


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
    overlay = write_overlay(tmp_path)
    with pytest.raises(RenderError) as info:
        render(overlay, environ={"PATH": str(tmp_path / "empty")})
    assert "neither kustomize nor kubectl" in info.value.message
    assert info.value.hint is not None and "PROMOTER_KUSTOMIZE" in info.value.hint


def test_render_override_pointing_at_nonexistent_path(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    missing = tmp_path / "no" / "kustomize"
    with pytest.raises(RenderError) as info:
        render(overlay, environ={"PROMOTER_KUSTOMIZE": f"{missing} build", "PATH": ""})
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
    rendered = render(overlay, environ={"PROMOTER_KUSTOMIZE": f"{script} build", "PATH": ""})
    assert rendered_images(rendered) == [ImageRef("fake/app", "9", None)]
    assert args_file.read_text().splitlines() == ["build", str(overlay)]


def test_render_non_executable_override(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    script = tmp_path / "not-executable"
    script.write_text("#!/bin/sh\n")
    with pytest.raises(RenderError, match="cannot be executed"):
        render(overlay, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})


def test_render_timeout_stops_the_command_and_its_children(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    overlay = write_overlay(tmp_path)
    # sleep runs as a child holding stdout open: only killing the process group ends it.
    script = write_script(tmp_path / "slow-kustomize", "sleep 30\necho done\n")
    monkeypatch.setenv("PROMOTER_KUSTOMIZE", str(script))
    with pytest.raises(RenderError) as info:
        render(overlay, timeout=0.5)
    assert "0.5 seconds" in info.value.message


def test_render_rejects_a_missing_overlay_directory(tmp_path: Path) -> None:
    with pytest.raises(RenderError, match="not a directory"):
        render(tmp_path / "nope")


def test_render_failure_quotes_the_script_stderr(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    script = write_script(
        tmp_path / "failing",
        "echo '# Warning: commonLabels is deprecated' >&2\n"
        "echo 'Error: accumulating resources: missing.yaml: no such file' >&2\nexit 3\n",
    )
    with pytest.raises(RenderError) as info:
        render(overlay, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})
    message = info.value.message
    assert "exited 3" in message
    assert "Error: accumulating resources: missing.yaml: no such file" in message
    assert "Warning" not in message
    assert str(overlay) in message


def test_render_output_that_is_not_yaml(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    script = write_script(tmp_path / "garbage", "printf 'containers: [unclosed\\n'\n")
    rendered = render(overlay, environ={"PROMOTER_KUSTOMIZE": str(script), "PATH": ""})
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
    overlay = write_overlay(
        tmp_path,
        "images:\n"
        "- name: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web\n"
        "  newTag: 2.0.0\n"
        "- name: busybox\n"
        f"  digest: {DIGEST_B}\n",
    )
    assert list_images(overlay) == [
        ImageRef("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web", "2.0.0", None),
        ImageRef("localhost:5000/envoy", None, None),
        ImageRef("busybox", None, DIGEST_B),
    ]


@needs_kubectl
def test_render_real_failure_quotes_kustomize(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    (overlay / "kustomization.yaml").write_text("resources:\n- ../../base\n- missing.yaml\n")
    with pytest.raises(RenderError) as info:
        render(overlay)
    message = info.value.message
    assert str(overlay) in message
    assert "missing.yaml" in message
    assert " run.go:" not in message  # klog prefix stripped


@needs_kubectl
def test_render_real_through_override(tmp_path: Path) -> None:
    overlay = write_overlay(tmp_path)
    environ = {**os.environ, "PROMOTER_KUSTOMIZE": f"{KUBECTL} kustomize"}
    assert "kind: CronJob" in render(overlay, environ=environ)


# --- image_uses --------------------------------------------------------------------------------

ALL_KINDS = f"""\
apiVersion: apps/v1
kind: Deployment
metadata: {{name: dep, namespace: prod}}
spec:
  template:
    spec:
      containers: [{{name: app, image: "reg:5000/app:1"}}]
      initContainers: [{{name: init, image: "busybox:1"}}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {{name: sts}}
spec:
  template:
    spec:
      containers: [{{name: db, image: "postgres:16"}}]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {{name: ds}}
spec:
  template:
    spec:
      containers: [{{name: agent, image: "agent:2"}}]
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: rs}}
spec:
  template:
    spec:
      containers: [{{name: rs, image: "rs:3"}}]
---
apiVersion: v1
kind: ReplicationController
metadata: {{name: rc}}
spec:
  template:
    spec:
      containers: [{{name: rc, image: "rc:4"}}]
---
apiVersion: batch/v1
kind: Job
metadata: {{name: job}}
spec:
  template:
    spec:
      containers: [{{name: job, image: "job:5"}}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: cron}}
spec:
  jobTemplate:
    spec:
      template:
        spec:
          initContainers: [{{name: wait, image: "busybox:1"}}]
          containers: [{{name: cron, image: "cron:6"}}]
---
apiVersion: v1
kind: Pod
metadata: {{name: pod}}
spec:
  containers: [{{name: main, image: "nginx@{DIGEST_A}"}}]
  ephemeralContainers: [{{name: dbg, image: "debug:7"}}]
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {{name: ro}}
spec:
  template:
    spec:
      containers: [{{name: canary, image: "app:8"}}]
---
apiVersion: v1
kind: PodTemplate
metadata: {{name: tpl}}
template:
  spec:
    containers: [{{name: t, image: "tpl:9"}}]
---
apiVersion: v1
kind: ConfigMap
metadata: {{name: cm}}
data:
  note: "containers: [{{image: not-an-image}}]"
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {{name: things.example.com}}
spec:
  containers: [{{name: schema, image: "never:read"}}]
---
---
apiVersion: v1
kind: Pod
metadata: {{name: no-image}}
spec:
  containers: [{{name: empty}}, "not-a-mapping"]
"""


def test_image_uses_covers_every_workload_kind() -> None:
    uses = image_uses(ALL_KINDS)
    summary = [(u.kind, u.workload, u.container, str(u.image), u.init, u.ephemeral) for u in uses]
    assert summary == [
        ("Deployment", "dep", "app", "reg:5000/app:1", False, False),
        ("Deployment", "dep", "init", "busybox:1", True, False),
        ("StatefulSet", "sts", "db", "postgres:16", False, False),
        ("DaemonSet", "ds", "agent", "agent:2", False, False),
        ("ReplicaSet", "rs", "rs", "rs:3", False, False),
        ("ReplicationController", "rc", "rc", "rc:4", False, False),
        ("Job", "job", "job", "job:5", False, False),
        ("CronJob", "cron", "wait", "busybox:1", True, False),
        ("CronJob", "cron", "cron", "cron:6", False, False),
        ("Pod", "pod", "main", f"nginx@{DIGEST_A}", False, False),
        ("Pod", "pod", "dbg", "debug:7", False, True),
        ("Rollout", "ro", "canary", "app:8", False, False),
        ("PodTemplate", "tpl", "t", "tpl:9", False, False),
    ]
    assert uses[0] == ImageUse(
        image=ImageRef("reg:5000/app", "1", None),
        kind="Deployment",
        namespace="prod",
        workload="dep",
        container="app",
        init=False,
    )
    assert uses[2].namespace is None


def test_rendered_images_deduplicates_in_order_of_first_appearance() -> None:
    assert [str(i) for i in rendered_images(ALL_KINDS)] == [
        "reg:5000/app:1",
        "busybox:1",
        "postgres:16",
        "agent:2",
        "rs:3",
        "rc:4",
        "job:5",
        "cron:6",
        f"nginx@{DIGEST_A}",
        "debug:7",
        "app:8",
        "tpl:9",
    ]


def test_image_uses_of_empty_render() -> None:
    assert image_uses("") == []
    assert image_uses("---\n# nothing\n---\n") == []


# --- the shared corpus -------------------------------------------------------------------------


@needs_kubectl
def test_corpus_overlays_list_their_images(corpus_dir: Path) -> None:
    """Every corpus overlay, rendered once each (in parallel), lists exactly the recorded images."""
    cases = json.loads((corpus_dir / "overlays.json").read_text())
    assert len(cases) >= 10

    def check(case: dict[str, object]) -> tuple[str, list[dict[str, str | None]]]:
        images = list_images(corpus_dir / str(case["overlay"]))
        return str(case["overlay"]), [
            {"name": i.name, "tag": i.tag, "digest": i.digest} for i in images
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        actual = dict(pool.map(check, cases))
    expected = {case["overlay"]: case["images"] for case in cases}
    assert actual == expected
