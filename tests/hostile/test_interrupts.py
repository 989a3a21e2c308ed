"""Family 8: killed and cancelled at each phase, then run again.

A helper that hangs the first time it is reached (and writes a marker file then) holds promoter
in one phase: the render (a PROMOTER_KUSTOMIZE script), the push before the remote updates its
branch (a pre-receive hook) and after (a post-receive hook: the commit has reached the remote).
The commit phase is hit by killing at random instants after the render, in a loop over a few
seeds. Then SIGTERM (a cancelled CI job) or SIGKILL (a lost runner) goes to promoter's process
group.

SIGTERM: exit 1 and one line telling the truth: "reached the remote" with the commit's id, or
"nothing was pushed" (with --json, `"pushed": true|false` in the error object); no process or
temporary file left. After either signal: the remote holds nothing new or the complete commit;
the local clone is exactly as before (always, for SIGTERM when nothing was pushed) or holds the
complete new commit, clean; no lock files; and the same command run again succeeds, leaving
TMPDIR empty (it recognises and removes what a killed run left there).
"""

from __future__ import annotations

import contextlib
import os
import random
import re
import signal
import subprocess
import time
from dataclasses import dataclass

import pytest

from tests.hostile.conftest import STAGING, Run, Scene, State, git, wait_for_file

TAGS = ("a1b2c3d4e5f60718293a4b5c6d7e8f9012345678", "b2c3d4e5f60718293a4b5c6d7e8f901234567890",
        "c3d4e5f60718293a4b5c6d7e8f90123456789012", "d4e5f60718293a4b5c6d7e8f9012345678901234")
MODES = ("local", "url")
HANG_ONCE = 'if [ ! -e "{reached}" ]; then : > "{reached}"; sleep 300; fi\n'


@dataclass(frozen=True)
class Before:
    state: State
    local_head: str
    remote_head: str


def before(scene: Scene) -> Before:
    return Before(scene.state(), git(scene.clone, "rev-parse", "HEAD").strip(),
                  scene.remote_head())


def hold_in(scene: Scene, phase: str) -> dict[str, str | None]:
    """Install the helper that hangs once in `phase`; the env for promoter."""
    reached = scene.reached(phase)
    hang = HANG_ONCE.format(reached=reached)
    env: dict[str, str | None] = {}
    if phase == "render":
        kustomize = scene.script("kustomize", hang + 'exec kubectl kustomize "$@"\n')
        env["PROMOTER_KUSTOMIZE"] = str(kustomize)
    else:
        scene.hook(phase, "cat >/dev/null\n" + hang + "exit 0\n")
    return env


def remote_outcome(scene: Scene, was: Before, tag: str) -> bool:
    """Whether the commit reached the remote; if it did, it is complete."""
    head = scene.remote_head()
    if head == was.remote_head:
        return False
    assert git(scene.remote, "rev-parse", f"{head}^").strip() == was.remote_head
    assert f"newTag: {tag}" in scene.remote_file(STAGING)
    return True


def local_problems(scene: Scene, was: Before, tag: str, *, strict: bool) -> list[str]:
    """The clone is exactly as before, or (unless strict) holds the complete new commit."""
    differences = was.state.local_differences(scene.state())
    if not differences:
        return []
    if strict:
        return differences
    head = git(scene.clone, "rev-parse", "HEAD").strip()
    parent = git(scene.clone, "rev-parse", "HEAD^", check=False).strip()
    problems = []
    if head == was.local_head or parent != was.local_head:
        problems.append(f"the clone changed without a new commit on HEAD: {differences[:5]}")
    elif f"newTag: {tag}" not in git(scene.clone, "show", f"HEAD:{STAGING}"):
        problems.append("the clone's new commit does not hold the change")
    dirty = scene.clean_clone()
    if dirty:
        problems.append(f"the clone is not clean: {dirty[:5]}")
    return problems


def cancelled_problems(scene: Scene, done: Run, reached_remote: bool, as_json: bool) -> list[str]:
    """What a run cancelled by SIGTERM must say."""
    problems = scene.failure_problems(done, 1, as_json)
    problems += scene.common_problems(done)
    line = done.error.lower() if done.lines() else ""
    if reached_remote:
        commit = scene.remote_head()
        ids = re.findall(r"\b[0-9a-f]{7,40}\b", line)
        if "reached the remote" not in line or not any(commit.startswith(i) for i in ids):
            problems.append(f"does not say the commit {commit[:12]} reached the remote")
    elif "nothing was pushed" not in line:
        problems.append("does not say that nothing was pushed")
    if as_json and not problems:
        error = done.json()["error"]
        if error.get("pushed") is not reached_remote:
            problems.append(f'the JSON error says "pushed": {error.get("pushed")!r}')
    return problems


def interrupt(scene: Scene, proc: subprocess.Popen[bytes], sig: signal.Signals,
              started: float) -> Run:
    """Send sig to promoter's process group; wait (bounded) for it to end."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    done = scene.finish(proc, started, timeout=60)
    if sig == signal.SIGKILL:
        scene.kill_leftovers()  # nothing can clean up after SIGKILL: the test does
        assert not scene.leftovers(), "leftover processes would not die"
    return done


def rerun(scene: Scene, args: tuple[str, ...], repo: str, env: dict[str, str | None],
          tag: str) -> None:
    """The same command again succeeds and the remote then runs the tag."""
    scene.expect(0, *args, repo=repo, env=env)
    assert f"newTag: {tag}" in scene.remote_file(STAGING)


SIGNALS = {"sigterm": (signal.SIGTERM, ()), "sigterm-json": (signal.SIGTERM, ("--json",)),
           "sigkill": (signal.SIGKILL, ())}
PHASES = ("render", "pre-receive", "post-receive")


@pytest.mark.parametrize("how", list(SIGNALS))
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("phase", PHASES)
def test_interrupted_in_a_phase_then_rerun(scene: Scene, phase: str, mode: str,
                                           how: str) -> None:
    sig, flags = SIGNALS[how]
    tag = TAGS[0]
    env = hold_in(scene, phase)
    args = ("set-image", "staging", f"web={tag}", *flags)
    was = before(scene)
    started = time.monotonic()
    proc = scene.launch(*args, repo=mode, env=env)
    wait_for_file(scene.reached(phase), proc)
    done = interrupt(scene, proc, sig, started)
    pushed = remote_outcome(scene, was, tag)
    assert pushed == (phase == "post-receive"), "the helper held the push at the wrong point"
    problems = []
    if sig == signal.SIGTERM:
        problems += cancelled_problems(scene, done, pushed, bool(flags))
    else:
        assert done.returncode == -signal.SIGKILL
        problems += scene.killed_problems()
    strict = sig == signal.SIGTERM and not pushed
    problems += local_problems(scene, was, tag, strict=strict)
    assert not problems, "\n".join([*problems, str(done)])
    rerun(scene, args, mode, env, tag)


def kill_after_render(scene: Scene, args: tuple[str, ...], repo: str, sig: signal.Signals,
                      delay: float) -> tuple[Run, Before]:
    reached = scene.reached("render")
    reached.unlink(missing_ok=True)
    kustomize = scene.script("kustomize", f'kubectl kustomize "$@"; rc=$?\n: >> "{reached}"\n'
                             'exit $rc\n')
    env: dict[str, str | None] = {"PROMOTER_KUSTOMIZE": str(kustomize)}
    was = before(scene)
    started = time.monotonic()
    proc = scene.launch(*args, repo=repo, env=env)
    wait_for_file(reached, proc)
    try:
        proc.wait(timeout=delay)  # the random instant to strike (or promoter is done)
    except subprocess.TimeoutExpired:
        return interrupt(scene, proc, sig, started), was
    return scene.finish(proc, started), was


SEEDS = {"local": (1, 2, 3), "url": (1,)}
KILLS_PER_SEED = 3
AFTER_RENDER = 0.3  # seconds: a run commits, pushes and exits within about this after its render


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
@pytest.mark.parametrize(("mode", "seed"), [(m, s) for m in MODES for s in SEEDS[m]],
                         ids=[f"{m}-seed{s}" for m in MODES for s in SEEDS[m]])
def test_killed_at_random_instants_around_the_commit(scene: Scene, mode: str, seed: int,
                                                      sig: signal.Signals) -> None:
    rng = random.Random(seed)
    for tag in TAGS[:KILLS_PER_SEED]:
        args = ("set-image", "staging", f"web={tag}")
        delay = rng.uniform(0.0, AFTER_RENDER)
        done, was = kill_after_render(scene, args, mode, sig, delay)
        pushed = remote_outcome(scene, was, tag)
        problems: list[str] = []
        if done.returncode == 0:
            problems += scene.common_problems(done)
        elif sig == signal.SIGTERM:
            problems += cancelled_problems(scene, done, pushed, False)
        else:
            problems += scene.killed_problems()
        strict = sig == signal.SIGTERM and done.returncode != 0 and not pushed
        problems += local_problems(scene, was, tag, strict=strict)
        assert not problems, "\n".join([f"{sig.name} {delay:.3f} s after the render",
                                        *problems, str(done)])
        env: dict[str, str | None] = {"PROMOTER_KUSTOMIZE": None}
        rerun(scene, args, mode, env, tag)
