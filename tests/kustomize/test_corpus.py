"""Edits on real kustomize layouts (../shared/corpus): byte-exact text, and renders by kubectl.

For every overlay and every image it renders, setting a 40-hex tag and an all-digit tag changes
exactly the bytes of that value (or adds exactly the new entry), on the file as it is, converted
to CRLF, and without its final newline. Then, once per overlay and tag, all of its images are set
on a copy of the tree and `kubectl kustomize` must render the same output except those images.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.nodes import MappingNode, SequenceNode

from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import apply_change, find_entry
from promoter.kustomize.files import find_kustomization
from promoter.kustomize.session import edit_images
from promoter.kustomize.splice import set_image_text

HEX_TAG = "0123456789abcdef0123456789abcdef01234567"
DIGIT_TAG = "1234567"
TAGS = (HEX_TAG, DIGIT_TAG)
_SHARED = Path(
    os.environ.get("PROMOTER_SHARED", Path(__file__).resolve().parents[3] / "shared")
)


def _overlay_ids() -> list[str]:
    """Overlay paths for test ids; one placeholder when ../shared is absent (the test skips)."""
    listing = _SHARED / "corpus" / "overlays.json"
    if not listing.exists():
        return ["corpus-absent"]
    return [item["overlay"] for item in json.loads(listing.read_text())]


OVERLAYS = _overlay_ids()


@dataclass(frozen=True)
class RenderedImage:
    name: str
    tag: str | None
    digest: str | None

    @property
    def ref(self) -> str:
        ref = self.name if self.tag is None else f"{self.name}:{self.tag}"
        return ref if self.digest is None else f"{ref}@{self.digest}"


def overlay_images(corpus: Path, overlay: str) -> list[RenderedImage]:
    for item in json.loads((corpus / "overlays.json").read_text()):
        if item["overlay"] == overlay:
            return [RenderedImage(i["name"], i["tag"], i["digest"]) for i in item["images"]]
    raise AssertionError(f"{overlay} is not in overlays.json")


def variants(text: str) -> Iterator[tuple[str, str]]:
    yield "lf", text
    yield "crlf", text.replace("\n", "\r\n")
    yield "no-final-newline", text.rstrip("\n")
    yield "crlf-no-final-newline", text.rstrip("\n").replace("\n", "\r\n")


def formatted(tag: str) -> str:
    return f'"{tag}"' if tag.isdigit() else tag


# --------------------------------------------------------------------------- byte checks


def root_list_indent(text: str) -> int:
    """Dash offset of the first top-level block list (kustomize's 0 when there is none)."""
    root = YAML(typ="safe", pure=True).compose(text)
    assert isinstance(root, MappingNode)
    for key, value in root.value:
        if isinstance(value, SequenceNode) and not value.flow_style and value.value:
            return int(value.start_mark.column - key.start_mark.column)
    return 0


def insertion(before: str, after: str) -> tuple[int, str]:
    """(where, what): after is before with one chunk inserted at a line start or at the end."""
    size = len(after) - len(before)
    assert size > 0
    starts = [0, *(m.end() for m in re.finditer("\n", before)), len(before)]
    for at in reversed(starts):  # the latest position: "a\n\n" + "b\n" also fits one earlier
        if after[:at] == before[:at] and after[at + size :] == before[at:]:
            return at, after[at : at + size]
    raise AssertionError("the edit is not a single inserted block")


def check_replaced_tag(before: str, after: str, tag: str) -> None:
    old_lines, new_lines = before.splitlines(keepends=True), after.splitlines(keepends=True)
    assert len(old_lines) == len(new_lines)
    changed = [(o, n) for o, n in zip(old_lines, new_lines, strict=True) if o != n]
    assert len(changed) == 1
    old, new = changed[0]
    match = re.fullmatch(r"(\s*newTag: )(\S+)(.*)", old, re.DOTALL)
    assert match is not None, old
    assert new == match.group(1) + formatted(tag) + match.group(3)


def check_appended_entry(before: str, after: str, name: str, tag: str) -> None:
    at, chunk = insertion(before, after)
    eol = "\r\n" if "\r\n" in before else "\n"
    has_images = bool(re.search(r"^images:", before, re.MULTILINE))
    if before.endswith("\n"):
        assert chunk.endswith(eol) and after.endswith(eol)
    else:
        assert at == len(before) and chunk.startswith(eol) and not after.endswith("\n")
        chunk = chunk[len(eol) :] + eol
    assert "\r" not in chunk.replace("\r\n", "") and chunk.count("\n") == chunk.count(eol)
    dash = " " * root_list_indent(before)
    expected = f"{dash}- name: {name}{eol}{dash}  newTag: {formatted(tag)}{eol}"
    if not has_images:
        expected = f"images:{eol}" + expected
        assert at in (len(before), before.rfind("\n...") + 1)
    assert chunk == expected


def check_edit(before: str, name: str, tag: str) -> None:
    change = parse_image_arg(f"{name}={tag}")
    after = set_image_text(before, change)
    entries = read_images(before)
    entry = find_entry(entries, name)
    if entry is not None and entry.new_tag is not None:
        check_replaced_tag(before, after, tag)
    else:
        check_appended_entry(before, after, name, tag)
    wanted = apply_change(entry, change)
    assert find_entry(read_images(after), name) == wanted
    assert [e for e in read_images(after) if e.name != wanted.name] == [
        e for e in entries if e.name != wanted.name
    ]
    for version in ((1, 1), (1, 2)):
        yaml = YAML(typ="safe", pure=True)
        yaml.version = version
        data: Any = yaml.load(after)
        assert tag in [item.get("newTag") for item in data["images"]]
    assert set_image_text(after, change) == after


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_corpus_edits_touch_only_the_value_or_the_new_entry(corpus_dir: Path, overlay: str) -> None:
    text = (corpus_dir / find_kustomization(corpus_dir, overlay)).read_bytes().decode("utf-8")
    images = overlay_images(corpus_dir, overlay)
    assert images
    for _, variant in variants(text):
        for image in images:
            for tag in TAGS:
                check_edit(variant, image.name, tag)


# --------------------------------------------------------------------------- renders


def kubectl_kustomize(directory: Path) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def copy_slug(corpus: Path, overlay: str, destination: Path) -> Path:
    slug = overlay.split("/", 1)[0]
    shutil.copytree(corpus / slug, destination / slug)
    return destination / overlay


def expected_render(before: str, images: list[RenderedImage], tag: str) -> str:
    for image in images:
        pattern = re.compile(r"^(\s*(?:- )?image: )" + re.escape(image.ref) + "$", re.MULTILINE)
        replacement = f"\\g<1>{image.name}:{tag}"
        before, count = pattern.subn(replacement, before)
        assert count > 0, image.ref
    return before


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_corpus_renders_differ_only_in_the_set_images(
    corpus_dir: Path, overlay: str, tmp_path: Path
) -> None:
    images = overlay_images(corpus_dir, overlay)
    original = copy_slug(corpus_dir, overlay, tmp_path / "original")
    edited = {}
    for tag in TAGS:
        directory = copy_slug(corpus_dir, overlay, tmp_path / tag)
        label = find_kustomization(tmp_path / tag, overlay)
        path = tmp_path / tag / label
        changes = [parse_image_arg(f"{image.name}={tag}") for image in images]
        edit = edit_images(path, changes, label=label)
        assert edit.changed and path.read_text() == edit.after
        edited[tag] = directory
    with ThreadPoolExecutor(max_workers=3) as pool:
        before = pool.submit(kubectl_kustomize, original)
        after = {
            tag: pool.submit(kubectl_kustomize, directory) for tag, directory in edited.items()
        }
        rendered_before = before.result()
        for tag in TAGS:
            assert after[tag].result() == expected_render(rendered_before, images, tag)
