"""Running kustomize: which command renders, how long it may take, running it through the process
runner, and the useful part of what it prints when it fails.

promoter never edits rendered output; it renders only to prove what an overlay deploys. Errors
name the overlay and the command as run from the repository root (`kubectl kustomize
overlays/staging`), never the path of a temporary clone.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from promoter.errors import RenderError
from promoter.process import STDOUT_LIMIT, CommandNotFound, CommandTimeout, Completed, run
from promoter.sanitize import foreign
from promoter.timeouts import seconds_from_env

ENV_VAR = "PROMOTER_KUSTOMIZE"
DEFAULT_TIMEOUT = 120.0
TIMEOUT_VAR = "PROMOTER_RENDER_TIMEOUT"
_MAX_MESSAGE = 1500
_KLOG_ERR = re.compile(r'\berr="((?:[^"\\]|\\.)*)"')


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
    return seconds_from_env(TIMEOUT_VAR, DEFAULT_TIMEOUT, "one kustomize render", environ)


def render(
    root: Path,
    overlay: str,
    *,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> str:
    """Render `overlay` (a directory relative to the repository root) with kustomize and return
    the multi-document YAML it prints."""
    command = kustomize_command(environ)
    shown = shlex.join([*command, overlay])  # what a user runs from the repository root
    timeout = render_timeout(environ) if timeout is None else timeout
    directory = root / overlay
    if not directory.is_dir():
        raise RenderError(
            f"overlay {overlay} is not a directory",
            hint="pass the directory that holds the kustomization file",
        )
    done = _run([*command, str(directory)], shown, timeout=timeout, environ=environ)
    if not done.ok:
        raise RenderError(
            f"kustomize failed to render {overlay} (`{shown}` exited {done.returncode}): "
            f"{kustomize_message(done.stderr_text, root=root)}",
            hint=f"fix the overlay until `{shown}` succeeds",
        )
    if done.truncated and len(done.stdout) >= STDOUT_LIMIT:
        raise RenderError(
            f"the render of {overlay} is larger than {STDOUT_LIMIT >> 20} MiB",
            hint="render smaller overlays",
        )
    return done.text


def _run(
    argv: Sequence[str], shown: str, *, timeout: float, environ: Mapping[str, str] | None
) -> Completed:
    """Run the render through the process runner; its failures become RenderErrors."""
    program = shlex.join(argv[:-1])
    try:
        return run(argv, timeout=timeout, env=environ)
    except CommandTimeout as exc:
        raise RenderError(
            f"`{shown}` did not finish within {timeout:g} seconds and was stopped",
            hint=f"check the overlay for remote resources that hang, or raise {TIMEOUT_VAR}",
        ) from exc
    except CommandNotFound as exc:
        if exc.reason == "not found":
            raise RenderError(
                f"render command `{program}` not found ({argv[0]} is missing)",
                hint=f"install kustomize or kubectl, or set {ENV_VAR} to a command that exists",
            ) from exc
        raise _not_executable(program, argv[0], exc.reason) from exc
    except OSError as exc:
        raise _not_executable(program, argv[0], exc.strerror or str(exc)) from exc


def _not_executable(program: str, executable: str, reason: str) -> RenderError:
    return RenderError(
        f"render command `{program}` cannot be executed: {reason}",
        hint=f"make {executable} executable, or set {ENV_VAR} to another command",
    )


def kustomize_message(stderr: str, *, root: Path | None = None) -> str:
    """The useful part of kustomize's stderr: its error lines, without klog prefixes or warnings,
    safe to show (promoter.sanitize.foreign), and paths under root relative to it."""
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
    text = foreign(_relative(text, root) if root is not None else text)
    if len(text) > _MAX_MESSAGE:
        text = text[: _MAX_MESSAGE - 3] + "..."
    return text


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", lambda m: {"n": " ", "t": " "}.get(m.group(1), m.group(1)), text)


def _relative(text: str, root: Path) -> str:
    """kustomize names files by absolute (and symlink-free) paths: name them from root."""
    prefixes = sorted({str(root), os.path.realpath(root)}, key=len, reverse=True)
    for prefix in (p.rstrip("/") for p in prefixes):
        if prefix:
            text = text.replace(prefix + "/", "")
    return text
