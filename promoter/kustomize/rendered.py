"""Reading a render: which container of which workload runs which image (ImageUse), in document
order, and the distinct images an overlay deploys.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.error import YAMLError

from promoter.errors import RenderError
from promoter.kustomize.imageref import ImageRef, split_image_ref
from promoter.kustomize.render import ENV_VAR, render
from promoter.yamlbounds import MAX_DEPTH

_CONTAINER_KEYS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True)
class ImageUse:
    """One container of one workload and the image it runs."""

    image: ImageRef
    kind: str
    namespace: str | None
    workload: str
    container: str
    init: bool
    ephemeral: bool = False


def container_image(ref: str) -> ImageRef:
    """A rendered container's `image:` split into name, tag and digest (RenderError when it has
    no name)."""
    text = ref.strip()
    if not text:
        raise RenderError("empty container image reference", hint="every container needs an image")
    image = split_image_ref(text)
    if not image.name:
        raise RenderError(f"container image reference {ref!r} has no name")
    return image


_DOC_MARKER = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)
_CRD_KIND = re.compile(r"^kind:[ \t]*CustomResourceDefinition[ \t]*$", re.MULTILINE)


def _documents(rendered: str) -> Iterator[Any]:
    """Parse the documents that can hold containers, skipping the rest without parsing them.

    A line starting with `---` is always a document marker in YAML, so splitting there is
    exact; CRDs (often megabytes of schema) and documents that never say "ontainers" cannot
    hold a pod spec. Nesting is bounded (promoter.yamlbounds.MAX_DEPTH), as for every YAML file
    promoter reads: a deeper document is a RenderError, not an exhausted stack.
    """
    yaml = YAML(typ="safe", pure=True)  # pure: the C loader would not bound the depth
    yaml.max_depth = MAX_DEPTH
    for chunk in _split_documents(rendered):
        if "ontainers" not in chunk or _CRD_KIND.search(chunk):
            continue
        try:
            yield from yaml.load_all(chunk)
        except MaxDepthExceededError as exc:
            raise RenderError(
                f"the render output nests lists and mappings more than {MAX_DEPTH} levels deep",
                hint=f"promoter reads YAML nested at most {MAX_DEPTH} levels; flatten the "
                "resources of this overlay",
            ) from exc
        except YAMLError as exc:
            raise RenderError(
                f"the render output is not valid YAML: {exc}",
                hint=f"check that {ENV_VAR} (if set) prints what `kustomize build` prints",
            ) from exc


def _split_documents(rendered: str) -> list[str]:
    starts = [m.start() for m in _DOC_MARKER.finditer(rendered)]
    bounds = [0, *starts, len(rendered)]
    return [rendered[a:b] for a, b in itertools.pairwise(bounds) if b > a]


def _get(node: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(node, dict):
            return None
        node = node.get(key)
    return node


_POD_SPEC_PATHS: tuple[tuple[str, ...], ...] = (
    ("spec",),  # Pod (and any kind whose spec holds containers)
    ("spec", "template", "spec"),  # Deployment, StatefulSet, ..., Argo Rollout, Knative
    ("spec", "jobTemplate", "spec", "template", "spec"),  # CronJob
    ("template", "spec"),  # PodTemplate
)


def _pod_specs(doc: dict[Any, Any]) -> Iterator[dict[Any, Any]]:
    for path in _POD_SPEC_PATHS:
        spec = _get(doc, *path)
        if isinstance(spec, dict) and any(key in spec for key in _CONTAINER_KEYS):
            yield spec


def _uses_in_spec(doc: dict[Any, Any], spec: dict[Any, Any]) -> Iterator[ImageUse]:
    kind = str(doc.get("kind") or "")
    namespace = _get(doc, "metadata", "namespace")
    workload = str(_get(doc, "metadata", "name") or "")
    for key in spec:  # document order, so "first appearance" follows the render
        containers = spec[key] if key in _CONTAINER_KEYS else None
        if not isinstance(containers, list):
            continue
        for container in containers:
            image = container.get("image") if isinstance(container, dict) else None
            if not isinstance(image, str) or not image.strip():
                continue
            yield ImageUse(
                image=container_image(image),
                kind=kind,
                namespace=str(namespace) if namespace is not None else None,
                workload=workload,
                container=str(container.get("name") or ""),
                init=key == "initContainers",
                ephemeral=key == "ephemeralContainers",
            )


def image_uses(rendered: str) -> list[ImageUse]:
    """Every container image in the pod specs of a multi-document render, in document order."""
    uses: list[ImageUse] = []
    for doc in _documents(rendered):
        if not isinstance(doc, dict):
            continue
        for spec in _pod_specs(doc):
            uses.extend(_uses_in_spec(doc, spec))
    return uses


def rendered_images(rendered: str) -> list[ImageRef]:
    """The distinct images of a render, in order of first appearance."""
    return list(dict.fromkeys(use.image for use in image_uses(rendered)))


def list_images(
    root: Path,
    overlay: str,
    *,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[ImageRef]:
    """Render the overlay (relative to the repository root) and return the distinct images it
    deploys."""
    return rendered_images(render(root, overlay, timeout=timeout, environ=environ))
