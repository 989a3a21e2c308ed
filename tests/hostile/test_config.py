"""Family 3: hostile promoter.yaml.

A malformed, oversized, aliased, deeply nested or inconsistent promoter.yaml is a usage error
(exit 2) naming the file, with nothing written; a catastrophic-backtracking tag_pattern is matched
in linear time (the case is bounded only by its subprocess timeout). `allowed_names:` (a list of
regular expressions) limits what `set-image --new-name IMAGE=NEWNAME` may point an image at.
"""

from __future__ import annotations

import pytest

from tests.hostile.conftest import QUICK, SHA, STAGING, Scene

ENVIRONMENTS = """\
environments:
  - name: staging
    path: overlays/staging
  - name: production
    path: overlays/production
    from: staging
"""
PATTERN = "tag_pattern: '^[0-9a-f]{7,40}$'\n"
MiB = 1024 * 1024
BAD_BYTE_OFFSET = 1234


def not_utf8() -> bytes:
    """A valid config with one latin-1 byte at BAD_BYTE_OFFSET (inside a comment)."""
    head = (ENVIRONMENTS + PATTERN).encode()
    padding = b"# " + b"p" * (BAD_BYTE_OFFSET - len(head) - 2)
    return head + padding + b"\xe9t\xe9\n"


def laughs() -> str:
    """A billion-laughs chain of anchors under a top-level key of its own."""
    lines = ["x-laughs:", "  l0: &l0 [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"  l{n}: &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


def laughs_in_labels() -> str:
    """The same chain inside a key promoter reads (pr.labels), its last level referenced."""
    lines = ["pr:", "  labels:", "    - &l0 [" + ", ".join(['"lol"'] * 9) + "]"]
    lines += [f"    - &l{n} [" + ", ".join([f"*l{n - 1}"] * 9) + "]" for n in range(1, 9)]
    return "\n".join(lines) + "\n"


def environments(*entries: tuple[str, str, str | None]) -> str:
    text = "environments:\n"
    for name, path, source in entries:
        text += f"  - name: {name}\n    path: {path}\n"
        if source is not None:
            text += f"    from: {source}\n"
    return text + PATTERN


HOSTILE: dict[str, tuple[bytes, float]] = {
    "alias-bomb-in-labels": ((ENVIRONMENTS + PATTERN + laughs_in_labels()).encode(), QUICK),
    "alias-bomb-unreferenced": ((ENVIRONMENTS + PATTERN + laughs()).encode(), QUICK),
    "over-1MiB": ((ENVIRONMENTS + PATTERN + "# " + "x" * MiB + "\n").encode(), QUICK),
    "nested-flow-5000": ((ENVIRONMENTS + "tag_pattern: " + "[" * 5000 + "]" * 5000 + "\n")
                         .encode(), QUICK),
    "top-level-list": (b"- name: staging\n  path: overlays/staging\n", 60),
    "environments-a-mapping": (b"environments:\n  staging: overlays/staging\n", 60),
    "environments-a-scalar": (b"environments: staging\n", 60),
    "absolute-path": (environments(("staging", "/etc", None)).encode(), 60),
    "absolute-path-outside": (environments(("staging", "/tmp/outside/overlays/staging", None))
                              .encode(), 60),
    "dotdot-path": (environments(("staging", "overlays/../../outside/overlays/staging", None))
                    .encode(), 60),
    "dotdot-path-leading": (environments(("staging", "../outside", None)).encode(), 60),
    "unknown-top-level-key": ((ENVIRONMENTS + PATTERN + "enviroments: []\n").encode(), 60),
    "unknown-environment-key": ((ENVIRONMENTS.replace("from:", "form:") + PATTERN).encode(), 60),
    "invalid-regex": ((ENVIRONMENTS + "tag_pattern: '^[0-9a-f'\n").encode(), 60),
    "tag-pattern-a-list": ((ENVIRONMENTS + "tag_pattern: ['^a$']\n").encode(), 60),
    "from-cycle": (environments(("staging", "overlays/staging", "production"),
                                ("production", "overlays/production", "staging")).encode(), 60),
    "from-itself": (environments(("staging", "overlays/staging", "staging"),
                                 ("production", "overlays/production", None)).encode(), 60),
    "from-unknown": (environments(("staging", "overlays/staging", None),
                                  ("production", "overlays/production", "qa")).encode(), 60),
    "duplicate-names": (environments(("staging", "overlays/staging", None),
                                     ("staging", "overlays/production", None)).encode(), 60),
    "duplicate-key": ((ENVIRONMENTS + PATTERN + PATTERN).encode(), 60),
    "shared-overlay": (environments(("staging", "overlays/staging", None),
                                    ("qa", "overlays/staging", None)).encode(), 60),
    "shared-overlay-spelt-differently": (environments(("staging", "overlays/staging", None),
                                                      ("qa", "./overlays/staging/", None))
                                         .encode(), 60),
    "allowed-names-not-a-list": ((ENVIRONMENTS + PATTERN + "allowed_names: '^a$'\n").encode(),
                                 60),
    "allowed-names-invalid-regex": ((ENVIRONMENTS + PATTERN + "allowed_names: ['^(a']\n")
                                    .encode(), 60),
}

MODES = {"local": ("local", ()), "url-json": ("url", ("--json",))}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_config_is_usage(scene: Scene, case: str, mode: str) -> None:
    content, timeout = HOSTILE[case]
    scene.commit({"promoter.yaml": content})
    repo, flags = MODES[mode]
    done = scene.expect(2, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        timeout=timeout)
    assert "promoter.yaml" in done.error


@pytest.mark.parametrize("mode", list(MODES))
def test_config_not_utf8_names_the_file_and_offset(scene: Scene, mode: str) -> None:
    content = not_utf8()
    assert content.index(b"\xe9") == BAD_BYTE_OFFSET
    scene.commit({"promoter.yaml": content})
    repo, flags = MODES[mode]
    done = scene.expect(2, "set-image", "staging", f"web={SHA}", *flags, repo=repo)
    assert "promoter.yaml" in done.error
    assert str(BAD_BYTE_OFFSET) in done.error
    for raw in ("\\xe9", "xe9", "\ufffd", "é"):
        assert raw not in done.stderr + done.stdout


@pytest.mark.parametrize("mode", list(MODES))
def test_catastrophic_tag_pattern_is_matched_in_linear_time(scene: Scene, mode: str) -> None:
    scene.commit({"promoter.yaml": ENVIRONMENTS + "tag_pattern: '^(a+)+$'\n"})
    repo, flags = MODES[mode]
    done = scene.expect(3, "set-image", "staging", "web=" + "a" * 60 + "b", *flags, repo=repo,
                        timeout=QUICK)
    assert "tag_pattern" in done.error


ALLOWED = "allowed_names: ['^123456789012\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com/.+$']\n"
ECR_WEB2 = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web2"


@pytest.mark.parametrize("mode", list(MODES))
def test_new_name_outside_allowed_names_is_policy(scene: Scene, mode: str) -> None:
    scene.commit({"promoter.yaml": ENVIRONMENTS + PATTERN + ALLOWED})
    repo, flags = MODES[mode]
    done = scene.expect(3, "set-image", "staging", "--new-name", "web=other.example/web",
                        f"web={SHA}", *flags, repo=repo)
    assert "allowed_names" in done.error


@pytest.mark.parametrize("mode", list(MODES))
def test_new_name_inside_allowed_names_is_written(scene: Scene, mode: str) -> None:
    scene.commit({"promoter.yaml": ENVIRONMENTS + PATTERN + ALLOWED})
    repo, flags = MODES[mode]
    scene.expect(0, "set-image", "staging", "--new-name", f"web={ECR_WEB2}", f"web={SHA}",
                 *flags, repo=repo)
    text = scene.remote_file(STAGING)
    assert f"newName: {ECR_WEB2}\n" in text
    assert f"newTag: {SHA}" in text


def test_new_name_on_a_promotion_target_is_policy(scene: Scene) -> None:
    scene.expect(3, "set-image", "production", "--new-name", f"web={ECR_WEB2}", f"web={SHA}",
                 repo="url")
