"""Reading a render: every container image of every workload kind, in document order; the
corpus overlays list exactly their recorded images."""

from __future__ import annotations

import json
import shutil
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from promoter.errors import ExitCode, RenderError
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.rendered import ImageUse, image_uses, list_images, rendered_images
from promoter.yamlbounds import MAX_DEPTH
from tests.hostile_yaml import nested
from tests.kustomize.layouts import DIGEST_A

KUBECTL = shutil.which("kubectl")
needs_kubectl = pytest.mark.skipif(KUBECTL is None, reason="kubectl is not installed")


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
        images = list_images(corpus_dir, str(case["overlay"]))
        return str(case["overlay"]), [
            {"name": i.name, "tag": i.tag, "digest": i.digest} for i in images
        ]

    with ThreadPoolExecutor(max_workers=4) as pool:
        actual = dict(pool.map(check, cases))
    expected = {case["overlay"]: case["images"] for case in cases}
    assert actual == expected


def test_a_render_nested_too_deep_is_a_render_error_not_a_crash() -> None:
    rendered = ("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
                "spec:\n  containers: [{name: c, image: web}]\n  " + nested(2_000, "extra"))
    with pytest.raises(RenderError) as caught:
        image_uses(rendered)
    assert caught.value.exit_code == ExitCode.INVALID
    assert str(caught.value).startswith(
        f"the render output nests lists and mappings more than {MAX_DEPTH} levels deep")
