"""Family 6: kustomize faults, through PROMOTER_KUSTOMIZE pointing at small scripts.

Missing, not executable, hanging (PROMOTER_RENDER_TIMEOUT=3; the script also starts a
grandchild, and no process may be left), printing garbage, failing with terminal escapes on
stderr (gone from the message), printing 50 MB (bounded, no hang): every one is exit 4 with one
clean, capped line and nothing written.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.hostile.conftest import ESCAPES, QUICK, SHA, Scene, assert_capped, assert_escapes_gone

MODES = {"local": ("local", ()), "url-json": ("url", ("--json",))}
WRONG_TAG_RENDER = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: web
          image: 123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:0000000
"""


@dataclass(frozen=True)
class Fault:
    command: Callable[[Scene], str]  # the PROMOTER_KUSTOMIZE value
    env: tuple[tuple[str, str], ...] = ()
    timeout: float = 60.0
    escapes: bool = False


def script(body: str) -> Callable[[Scene], str]:
    return lambda scene: str(scene.script("kustomize", body))


def not_executable(scene: Scene) -> str:
    path = scene.script("kustomize", "exec kubectl kustomize \"$@\"\n")
    path.chmod(0o644)
    return str(path)


FAULTS = {
    "missing-program": Fault(lambda scene: str(scene.bin / "no-such-kustomize")),
    "not-executable": Fault(not_executable),
    "a-directory": Fault(lambda scene: str(scene.bin)),
    "hangs-with-a-grandchild": Fault(
        script("sleep 300 &\nsleep 300\n"), env=(("PROMOTER_RENDER_TIMEOUT", "3"),),
        timeout=QUICK),
    "prints-garbage": Fault(script("printf '%s\\n' ': : [ {{ not yaml' '\t- ]'\n")),
    "prints-nul-bytes": Fault(script("head -c 4096 /dev/zero\n")),
    "prints-nothing": Fault(script("exit 0\n")),
    "renders-the-wrong-tag": Fault(script(f"cat <<'EOF'\n{WRONG_TAG_RENDER}EOF\n")),
    "fails-with-escapes": Fault(
        script(f"printf '%s\\n' 'kustomize says no {ESCAPES}' >&2\nexit 1\n"), escapes=True),
    "killed-by-a-signal": Fault(script("kill -SEGV $$\n")),
    "prints-50MB": Fault(script("yes 'not a manifest, just a long line of words' | "
                                "head -c 52428800\n"), timeout=QUICK),
    "fails-with-50MB-on-stderr": Fault(
        script("yes 'error error error error error' | head -c 52428800 >&2\nexit 1\n"),
        timeout=QUICK),
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("fault", list(FAULTS))
def test_kustomize_fault_is_a_render_failure(scene: Scene, fault: str, mode: str) -> None:
    case = FAULTS[fault]
    env = {"PROMOTER_KUSTOMIZE": case.command(scene), **dict(case.env)}
    repo, flags = MODES[mode]
    done = scene.expect(4, "set-image", "staging", f"web={SHA}", *flags, repo=repo, env=env,
                        timeout=case.timeout)
    assert_capped(done)
    if case.escapes:
        assert "kustomize says no" in done.error
        assert_escapes_gone(done.stderr + done.stdout)
