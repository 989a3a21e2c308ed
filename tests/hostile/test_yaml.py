"""Family 1: malformed, oversized and aliased kustomization files.

Each case commits a hostile overlays/staging/kustomization.yaml to the remote and runs
`set-image staging web=SHA`, in the local clone and through the URL (with --json): exit 4 naming
the file, nothing written. Alias bombs, oversized and deeply nested files are refused quickly.
Ordinary anchors outside `images:` keep working.
"""

from __future__ import annotations

import pytest

from tests.hostile.conftest import QUICK, SHA, STAGING, STAGING_TAG, Scene

NEW_NAME = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web"
HEADER = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: web-staging
resources:
  - namespace.yaml
  - ../base
patches:
  - path: replicas.yaml
"""
ENTRY = f"  - name: web\n    newName: {NEW_NAME}\n    newTag: {STAGING_TAG}\n"
GOOD = HEADER + "images:\n" + ENTRY
MiB = 1024 * 1024


def images(entry: str) -> str:
    return HEADER + "images:\n" + entry


def laughs(levels: int = 9, width: int = 9) -> str:
    """A billion-laughs chain of anchors: 9**9 leaves once expanded."""
    lines = ["  l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        refs = ", ".join([f"*l{level - 1}"] * width)
        lines.append(f"  l{level}: &l{level} [{refs}]")
    return "\n".join(lines) + "\n"


def nested_block(depth: int) -> str:
    lines = "".join(" " * level + "k:\n" for level in range(1, depth + 1))
    return lines + " " * (depth + 1) + "v\n"


HOSTILE: dict[str, tuple[bytes, float]] = {
    # syntax
    "invalid-syntax": (images("  - name: web\n    newTag: [unclosed\n").encode(), 60),
    "tab-indentation": (images(f"\t- name: web\n\t  newTag: {STAGING_TAG}\n").encode(), 60),
    "duplicate-top-level-key": ((GOOD + "images:\n" + ENTRY).encode(), 60),
    "duplicate-newTag": (images(ENTRY + "    newTag: abcdef1\n").encode(), 60),
    "duplicate-name": (images(ENTRY + "    name: worker\n").encode(), 60),
    "two-documents": ((GOOD + "---\n" + GOOD).encode(), 60),
    # shape
    "top-level-list": (f"- images:\n  - name: web\n    newTag: {STAGING_TAG}\n".encode(), 60),
    "top-level-scalar": (b"just a string\n", 60),
    "images-a-mapping": ((HEADER + f"images:\n  web:\n    newTag: {STAGING_TAG}\n").encode(), 60),
    "images-a-scalar": ((HEADER + "images: web\n").encode(), 60),
    "entry-a-scalar": (images("  - web\n").encode(), 60),
    "entry-a-list": (images(f"  - [web, {STAGING_TAG}]\n").encode(), 60),
    "newTag-a-mapping": (images(f"  - name: web\n    newTag: {{tag: {STAGING_TAG}}}\n").encode(),
                         60),
    "newTag-block-literal": (images(f"  - name: web\n    newTag: |\n      {STAGING_TAG}\n")
                             .encode(), 60),
    "newTag-block-folded": (images(f"  - name: web\n    newTag: >-\n      {STAGING_TAG}\n")
                            .encode(), 60),
    # anchors and aliases inside images:
    "anchor-on-images": ((HEADER + "images: &all\n" + ENTRY).encode(), 60),
    "anchor-on-entry": (images(f"  - &web\n    name: web\n    newTag: {STAGING_TAG}\n").encode(),
                        60),
    "anchor-on-newTag": (images(f"  - name: web\n    newTag: &t {STAGING_TAG}\n").encode(), 60),
    "alias-as-entry": ((HEADER + f"commonAnnotations: &e {{name: web, newTag: '{STAGING_TAG}'}}\n"
                        "images:\n  - *e\n").encode(), 60),
    "alias-as-newTag": ((HEADER + f"commonAnnotations: {{tag: &t '{STAGING_TAG}'}}\n"
                         "images:\n  - name: web\n    newTag: *t\n").encode(), 60),
    "merge-key-in-entry": ((HEADER + f"commonAnnotations: &e {{newName: {NEW_NAME}}}\n"
                            f"images:\n  - <<: *e\n    name: web\n    newTag: {STAGING_TAG}\n")
                           .encode(), 60),
    "merge-key-top-level": (("<<: {namespace: web-other}\n" + GOOD).encode(), 60),
    # budgets: refused before expansion or parsing, quickly
    "alias-bomb-elsewhere": ((GOOD + "openapi:\n" + laughs()).encode(), QUICK),
    "alias-bomb-in-images": ((HEADER + "x-laughs:\n" + laughs() + "images:\n" + ENTRY
                              + "    extra: *l8\n").encode(), QUICK),
    "over-1MiB": ((GOOD + "# " + "x" * MiB + "\n").encode(), QUICK),
    "50MB": ((GOOD + ("# " + "x" * 98 + "\n") * 500_000).encode(), QUICK),
    "nested-flow-5000": ((GOOD + "openapi: " + "[" * 5000 + "]" * 5000 + "\n").encode(), QUICK),
    "nested-block-600": ((GOOD + "openapi:\n" + nested_block(600)).encode(), QUICK),
    # bytes
    "not-utf8-comment": ((GOOD + "# caf").encode() + b"\xe9\n", 60),
    "not-utf8-on-the-tag-line": (GOOD.replace(STAGING_TAG, STAGING_TAG + " # \xff")
                                 .encode("latin-1"), 60),
    "nul-byte": ((GOOD + "# a\x00b\n").encode(), 60),
    "bare-cr-line-breaks": (GOOD.replace("\n", "\r").encode(), 60),
    "bare-cr-inside-a-comment": (images(f"  - name: web # note\r    newName: evil.example/web\n"
                                        f"    newTag: {STAGING_TAG}\n").encode(), 60),
}

MODES = {"local": ("local", ()), "url-json": ("url", ("--json",))}


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_kustomization_is_refused(scene: Scene, case: str, mode: str) -> None:
    content, timeout = HOSTILE[case]
    scene.commit({STAGING: content})
    repo, flags = MODES[mode]
    done = scene.expect(4, "set-image", "staging", f"web={SHA}", *flags, repo=repo,
                        timeout=timeout)
    assert STAGING in done.error


ANCHORS_ELSEWHERE = f"""\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namespace: web-staging
commonAnnotations: &team
  team: web
  owner: platform
resources:
  - namespace.yaml
  - ../base
patches:
  - path: replicas.yaml
labels:
  - pairs: *team
images:
  - name: web
    newName: {NEW_NAME}
    newTag: {STAGING_TAG} # written by promoter
"""


@pytest.mark.parametrize("mode", list(MODES))
def test_ordinary_anchors_outside_images_still_work(scene: Scene, mode: str) -> None:
    scene.commit({STAGING: ANCHORS_ELSEWHERE})
    repo, flags = MODES[mode]
    scene.expect(0, "set-image", "staging", f"web={SHA}", *flags, repo=repo)
    assert scene.remote_file(STAGING) == ANCHORS_ELSEWHERE.replace(STAGING_TAG, SHA)
