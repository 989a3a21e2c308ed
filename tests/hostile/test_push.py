"""Family 5: git and remote faults. Every one is exit 5 with one clean line, nothing changed.

A pre-receive hook that rejects with terminal escapes (gone from the message) or with 2 MB of
output (the message capped at about 4 KiB, quickly), a hook that never returns and a remote that
accepts connections and never answers (bounded by PROMOTER_GIT_TIMEOUT, naming the operation, no
process left), a remote that does not exist, a remote URL with user:password@ (the password is
never printed).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.hostile.conftest import (
    ESCAPES,
    QUICK,
    SHA,
    Reply,
    Scene,
    assert_capped,
    assert_escapes_gone,
    git,
)

MODES = {"local": ("local", ()), "url-json": ("url", ("--json",))}
PASSWORD = "Pa55wordN0tToBeSh0wn"


@pytest.mark.parametrize("mode", list(MODES))
def test_hook_rejection_with_escapes_is_clean(scene: Scene, mode: str) -> None:
    scene.hook("pre-receive", f"printf '%s\\n' 'protected branch: main {ESCAPES}' >&2\nexit 1\n")
    repo, flags = MODES[mode]
    done = scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo)
    assert "protected branch: main" in done.error
    assert_escapes_gone(done.stderr + done.stdout)


HUGE_OUTPUT = {
    "one-2MB-line": "head -c 2000000 /dev/zero | tr '\\0' 'x' >&2\n",
    "2MB-in-50000-lines": "yes 'rejected by policy, see the wiki for more words' | "
                          "head -n 50000 >&2\n",
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("output", list(HUGE_OUTPUT))
def test_hook_rejection_with_2mb_of_output_is_capped(scene: Scene, output: str,
                                                     mode: str) -> None:
    scene.hook("pre-receive", HUGE_OUTPUT[output] + "exit 1\n")
    repo, flags = MODES[mode]
    done = scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        timeout=QUICK)
    assert_capped(done)


@pytest.mark.parametrize("mode", list(MODES))
def test_hook_that_never_returns_is_bounded(scene: Scene, mode: str) -> None:
    scene.hook("pre-receive", "sleep 300\n")
    repo, flags = MODES[mode]
    done = scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        env={"PROMOTER_GIT_TIMEOUT": "3"}, timeout=QUICK)
    assert "push" in done.error


@pytest.mark.parametrize("mode", list(MODES))
def test_remote_that_never_answers_is_bounded(scene: Scene, mode: str) -> None:
    silent = scene.server(lambda method, path: None)
    repo, flags = MODES[mode]
    if mode == "local":
        git(scene.clone, "remote", "set-url", "origin", f"{silent.url}/o/r.git")
    else:
        repo = f"{silent.url}/o/r.git"
    done = scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        env={"PROMOTER_GIT_TIMEOUT": "3"}, timeout=QUICK)
    assert any(op in done.error for op in ("clone", "fetch", "ls-remote", "push")), done.error


@pytest.mark.parametrize("mode", list(MODES))
def test_remote_that_does_not_exist(scene: Scene, mode: str) -> None:
    missing = (scene.root / "missing.git").as_uri()
    repo, flags = MODES[mode]
    if mode == "local":
        git(scene.clone, "remote", "set-url", "origin", missing)
    else:
        repo = missing
    scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo)


def unauthorized(method: str, path: str) -> Reply:
    return Reply(401, b"bad credentials", {"WWW-Authenticate": 'Basic realm="git"'})


CREDENTIAL_URLS: dict[str, Callable[[Scene], str]] = {
    "https-refused": lambda scene: f"https://user:{PASSWORD}@127.0.0.1:9/o/r.git",
    "ssh-refused": lambda scene: f"ssh://user:{PASSWORD}@127.0.0.1:9/o/r.git",
    "http-401": lambda scene: scene.server(unauthorized).url.replace(
        "http://", f"http://user:{PASSWORD}@") + "/o/r.git",
}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("remote", list(CREDENTIAL_URLS))
def test_password_in_the_remote_url_is_never_printed(scene: Scene, remote: str,
                                                     mode: str) -> None:
    url = CREDENTIAL_URLS[remote](scene)
    repo, flags = MODES[mode]
    if mode == "local":
        git(scene.clone, "remote", "set-url", "origin", url)
    else:
        repo = url
    done = scene.expect(5, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        env={"PROMOTER_GIT_TIMEOUT": "10"}, timeout=QUICK)
    assert PASSWORD not in done.stdout + done.stderr
