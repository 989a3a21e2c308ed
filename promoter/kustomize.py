"""kustomize as a subprocess: find the command, render an overlay, read the images it deploys.

promoter never edits rendered output; it renders only to prove what an overlay deploys.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import re
import shlex
import shutil
import signal
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError

from promoter.errors import RenderError, UsageError

ENV_VAR = "PROMOTER_KUSTOMIZE"
DEFAULT_TIMEOUT = 120.0
TIMEOUT_VAR = "PROMOTER_RENDER_TIMEOUT"
_MAX_MESSAGE = 1500
_CONTAINER_KEYS = ("containers", "initContainers", "ephemeralContainers")


@dataclass(frozen=True)
class ImageRef:
    """A container image reference split into name (with registry and port), tag and digest."""

    name: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def parse_image_ref(ref: str) -> ImageRef:
    """Split `registry:port/path/name:tag@sha256:...` into its parts; str() gives ref back.

    The tag is the part after the last ':' that follows the last '/', so a registry port is
    never mistaken for a tag.
    """
    text = ref.strip()
    if not text:
        raise RenderError("empty container image reference", hint="every container needs an image")
    rest, _, digest = text.partition("@")
    slash = rest.rfind("/")
    colon = rest.rfind(":")
    if colon > slash:
        name, tag = rest[:colon], rest[colon + 1 :]
    else:
        name, tag = rest, None
    if not name:
        raise RenderError(f"container image reference {ref!r} has no name")
    return ImageRef(name=name, tag=tag, digest=digest if "@" in text else None)


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


# --- the command -------------------------------------------------------------------------------


def kustomize_command(environ: Mapping[str, str] | None = None) -> list[str]:
    """The render command, without the overlay argument.

    PROMOTER_KUSTOMIZE (split like a shell would, e.g. "kubectl kustomize") wins; otherwise
    `kustomize build` when kustomize is on PATH; otherwise `kubectl kustomize`.
    """
    env = os.environ if environ is None else environ
    override = env.get(ENV_VAR, "")
    if override.strip():
        try:
            return shlex.split(override)
        except ValueError as exc:
            raise RenderError(
                f"{ENV_VAR}={override!r} cannot be split into a command: {exc}",
                hint=f'fix the quoting, e.g. {ENV_VAR}="kubectl kustomize"',
            ) from exc
    search_path = env.get("PATH", os.defpath)
    if shutil.which("kustomize", path=search_path):
        return ["kustomize", "build"]
    if shutil.which("kubectl", path=search_path):
        return ["kubectl", "kustomize"]
    raise RenderError(
        "neither kustomize nor kubectl is on PATH, so overlays cannot be rendered",
        hint=f"install kustomize or kubectl, or set {ENV_VAR} to the render command",
    )


def render_timeout(environ: Mapping[str, str] | None = None) -> float:
    """Seconds a render may take: PROMOTER_RENDER_TIMEOUT, else 120."""
    value = (os.environ if environ is None else environ).get(TIMEOUT_VAR, "").strip()
    if not value:
        return DEFAULT_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise UsageError(f"{TIMEOUT_VAR}={value!r} is not a positive number of seconds")
    return seconds


def render(
    overlay: Path,
    *,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Render overlay with kustomize and return the multi-document YAML it prints."""
    command = [*kustomize_command(environ), str(overlay)]
    timeout = render_timeout(environ) if timeout is None else timeout
    if not Path(overlay).is_dir():
        raise RenderError(
            f"overlay {overlay} is not a directory",
            hint="pass the directory that holds the kustomization file",
        )
    stdout, stderr, code = _run(command, timeout=timeout, environ=environ)
    if code != 0:
        raise RenderError(
            f"kustomize failed to render {overlay} (`{shlex.join(command)}` exited {code}): "
            f"{kustomize_message(stderr)}",
            hint=f"fix the overlay until `{shlex.join(command)}` succeeds",
        )
    return stdout


def _run(
    command: list[str], *, timeout: float, environ: Mapping[str, str] | None
) -> tuple[str, str, int]:
    """Run command in its own process group; on timeout kill the whole group."""
    try:
        proc = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            env=None if environ is None else dict(environ),
            start_new_session=True,
        )
    except FileNotFoundError as exc:
        raise RenderError(
            f"render command `{shlex.join(command[:-1])}` not found ({command[0]} is missing)",
            hint=f"install kustomize or kubectl, or set {ENV_VAR} to a command that exists",
        ) from exc
    except OSError as exc:
        raise RenderError(
            f"render command `{shlex.join(command[:-1])}` cannot be executed: {exc.strerror}",
            hint=f"make {command[0]} executable, or set {ENV_VAR} to another command",
        ) from exc
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        _kill_group(proc)
        raise RenderError(
            f"`{shlex.join(command)}` did not finish within {timeout:g} seconds and was stopped",
            hint=f"check the overlay for remote resources that hang, or raise {TIMEOUT_VAR}",
        ) from exc
    except BaseException:  # interrupted (Ctrl-C, SIGTERM): leave no kustomize running
        _kill_group(proc)
        raise
    return stdout, stderr, proc.returncode


def _kill_group(proc: subprocess.Popen[str]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()


_KLOG_ERR = re.compile(r'\berr="((?:[^"\\]|\\.)*)"')


def kustomize_message(stderr: str) -> str:
    """The useful part of kustomize's stderr: its error lines, without klog prefixes or warnings."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    found: list[str] = []
    for line in lines:
        match = _KLOG_ERR.search(line)
        if match:
            found.append(_unescape(match.group(1)))
        elif line.startswith(("Error:", "error:")):
            found.append(line)
    if not found:
        found = [line for line in lines if "warning" not in line.lower()][-5:] or lines[-5:]
    text = "; ".join(found) or "(kustomize printed no message)"
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), text)


# --- reading the render ------------------------------------------------------------------------

_DOC_MARKER = re.compile(r"^---(?=[ \t]|$)", re.MULTILINE)
_CRD_KIND = re.compile(r"^kind:[ \t]*CustomResourceDefinition[ \t]*$", re.MULTILINE)


def _documents(rendered: str) -> Iterator[Any]:
    """Parse the documents that can hold containers, skipping the rest without parsing them.

    A line starting with `---` is always a document marker in YAML, so splitting there is
    exact; CRDs (often megabytes of schema) and documents that never say "ontainers" cannot
    hold a pod spec.
    """
    yaml = YAML(typ="safe")
    for chunk in _split_documents(rendered):
        if "ontainers" not in chunk or _CRD_KIND.search(chunk):
            continue
        try:
            yield from yaml.load_all(chunk)
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
                image=parse_image_ref(image),
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
    overlay: Path,
    *,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> list[ImageRef]:
    """Render overlay and return the distinct images it deploys."""
    return rendered_images(render(overlay, timeout=timeout, environ=environ))
