"""Conformance with `kustomize edit set image`.

The table is kustomize's own TestSetImage (kubernetes-sigs/kustomize,
kustomize/commands/edit/set/setimage_test.go, Apache-2.0): the same arguments, the same input
files, and kustomize's expected `images:` YAML. kustomize re-sorts entries by name and keys
alphabetically; promoter keeps the file's order and writes name/newName/newTag/digest, so the
comparison is on what the entries MEAN (parsed values per image name).

Deliberate differences (README.md, "set-image"), each case carrying a comment:
- What follows '=' is always a TAG (optionally @DIGEST), never a new image name: kustomize's
  `NAME=NEWNAME:TAG` and `NAME=NEWNAME` are usage errors, and a new name is given explicitly with
  `--new-name NAME=NEWNAME`. Such cases carry `spelled`, promoter's spelling of kustomize's
  meaning, which must give kustomize's expected result exactly.
- kustomize's `*` (keep the current value) is refused: newName is always kept, and a tag or
  digest is given in full. Those cases are `spelled` too.
- `NAME=WORD@DIGEST` is accepted but means tag WORD with the digest (kustomize: newName WORD);
  such a case carries `ours`, promoter's result.

A second test renders tricky tags with the real `kubectl kustomize` to prove kustomize reads
every value promoter writes as the intended string.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from promoter.errors import UsageError
from promoter.kustomize.arguments import image_changes, parse_image_arg
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.kustomize.session import edit_images
from promoter.kustomize.splice import set_image_text

DIGEST = "sha256:24a0c4b4a4c0eb97a1aabb8e29f18e917d05abfe1b7a7c07857230879ce7d3d3"

# kustomize's testutils kustomizationContent (the default file of cases without infileImages).
DEFAULT_KUSTOMIZATION = """\
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
namePrefix: some-prefix
nameSuffix: some-suffix
# Labels to add to all objects and selectors.
# These labels would also be used to form the selector for apply --prune
# Named differently than \u201clabels\u201d to avoid confusion with metadata for this object
commonLabels:
  app: helloworld
commonAnnotations:
  note: This is an example annotation
resources: []
#- service.yaml
#- ../some-dir/
# There could also be configmaps in Base, which would make these overlays
configMapGenerator: []
# There could be secrets in Base, if just using a fork/rebase workflow
secretGenerator: []
replacements:
  - path: replacement.yaml
"""


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    expected: tuple[str, ...]  # kustomize's expected file output lines
    infile: tuple[str, ...] = ()  # kustomize joins these with "\n": no final newline
    ours: tuple[str, ...] | None = None  # our result where a deliberate difference applies
    # promoter's spelling of kustomize's meaning, (image arguments, --new-name values), when
    # kustomize's arguments are refused
    spelled: tuple[tuple[str, ...], tuple[str, ...]] | None = None


PATCH = (
    "patchesJson6902:",
    "- patch: |-",
    "    - op: remove",
    "      path: /spec/selector",
    "  target:",
    "    kind: Service",
    "    name: foo",
    "    version: v1",
)

CASES = [
    Case(
        "new-name-and-tag",
        ("image1=my-image1:my-tag",),
        ("images:", "- name: image1", "  newName: my-image1", "  newTag: my-tag"),
        spelled=(("image1=my-tag",), ("image1=my-image1",)),
    ),
    Case(
        "numeric-tag-is-quoted",
        ("image1=my-image1:1234",),
        ("images:", "- name: image1", "  newName: my-image1", '  newTag: "1234"'),
        spelled=(("image1=1234",), ("image1=my-image1",)),
    ),
    Case(
        "float-looking-tag-is-quoted",
        ("image1=my-image1:3.2e2",),
        ("images:", "- name: image1", "  newName: my-image1", '  newTag: "3.2e2"'),
        spelled=(("image1=3.2e2",), ("image1=my-image1",)),
    ),
    Case(
        "new-name-and-digest",
        (f"image1=my-image1@{DIGEST}",),
        ("images:", f"- digest: {DIGEST}", "  name: image1", "  newName: my-image1"),
        # Deliberate: what follows '=' is a TAG, so this sets newTag my-image1 + digest.
        # kustomize's meaning is spelled `image1@DIGEST --new-name image1=my-image1`.
        ours=("images:", "- name: image1", "  newTag: my-image1", f"  digest: {DIGEST}"),
    ),
    Case(
        "tag-only",
        ("image1:my-tag",),
        ("images:", "- name: image1", "  newTag: my-tag"),
    ),
    Case(
        "digest-only",
        (f"image1@{DIGEST}",),
        ("images:", f"- digest: {DIGEST}", "  name: image1"),
    ),
    Case(
        "tag-and-digest",
        (f"my-image1:my-tag@{DIGEST}",),
        ("images:", f"- digest: {DIGEST}", "  name: my-image1", "  newTag: my-tag"),
    ),
    Case(
        "new-name-tag-and-digest",
        (f"image1=my-image1:my-tag@{DIGEST}",),
        (
            "images:",
            f"- digest: {DIGEST}",
            "  name: image1",
            "  newName: my-image1",
            "  newTag: my-tag",
        ),
        spelled=((f"image1=my-tag@{DIGEST}",), ("image1=my-image1",)),
    ),
    Case(
        "image-to-registry-image",
        ("ngnix=localhost:5000/my-project/ngnix",),
        ("images:", "- name: ngnix", "  newName: localhost:5000/my-project/ngnix"),
        spelled=((), ("ngnix=localhost:5000/my-project/ngnix",)),
    ),
    Case(
        "image-to-registry-image-with-tag",
        ("ngnix=localhost:5000/my-project/ngnix:dev-01",),
        (
            "images:",
            "- name: ngnix",
            "  newName: localhost:5000/my-project/ngnix",
            "  newTag: dev-01",
        ),
        spelled=(("ngnix=dev-01",), ("ngnix=localhost:5000/my-project/ngnix",)),
    ),
    Case(
        "override-file",
        ("image1=foo.bar.foo:8800/foo/image1:foo-bar",),
        (
            "images:",
            "- name: image1",
            "  newName: foo.bar.foo:8800/foo/image1",
            "  newTag: foo-bar",
            "- name: image2",
            "  newName: my-image2",
            "  newTag: my-tag2",
        ),
        infile=(
            "images:",
            "- name: image1",
            "  newName: my-image1",
            "  newTag: my-tag",
            "- name: image2",
            "  newName: my-image2",
            "  newTag: my-tag2",
        ),
        spelled=(("image1=foo-bar",), ("image1=foo.bar.foo:8800/foo/image1",)),
    ),
    Case(
        "override-file-with-patch",
        ("image1=foo.bar.foo:8800/foo/image1:foo-bar",),
        (
            "images:",
            "- name: image1",
            "  newName: foo.bar.foo:8800/foo/image1",
            "  newTag: foo-bar",
            "- name: image2",
            "  newName: my-image2",
            "  newTag: my-tag2",
            *PATCH,
        ),
        infile=(
            "images:",
            "- name: image1",
            "  newName: my-image1",
            "  newTag: my-tag",
            "- name: image2",
            "  newName: my-image2",
            "  newTag: my-tag2",
            *PATCH,
        ),
        spelled=(("image1=foo-bar",), ("image1=foo.bar.foo:8800/foo/image1",)),
    ),
    Case(
        "override-new-tag-with-just-a-new-tag",
        ("image1:v1",),
        ("images:", "- name: image1", "  newTag: v1"),
        infile=("images:", "- name: image1", "  newTag: my-tag"),
    ),
    Case(
        "multiple-args-with-multiple-overrides",
        (
            "image1=foo.bar.foo:8800/foo/image1:foo-bar",
            f"image2=my-image2@{DIGEST}",
            "image3:my-tag",
        ),
        (
            "images:",
            "- name: image1",
            "  newName: foo.bar.foo:8800/foo/image1",
            "  newTag: foo-bar",
            f"- digest: {DIGEST}",
            "  name: image2",
            "  newName: my-image2",
            "- name: image3",
            "  newTag: my-tag",
        ),
        infile=(
            "images:",
            "- name: image1",
            "  newName: my-image1",
            "  newTag: my-tag1",
            "- name: image2",
            "  newName: my-image2",
            "  newTag: my-tag2",
            "- name: image3",
            "  newTag: my-tag",
        ),
        spelled=(
            ("image1=foo-bar", f"image2@{DIGEST}", "image3:my-tag"),
            ("image1=foo.bar.foo:8800/foo/image1", "image2=my-image2"),
        ),
    ),
    Case(
        "override-new-tag-but-keep-new-name",
        ("image1=*:v1",),
        ("images:", "- name: image1", "  newName: foo.bar.foo:8800/foo/image1", "  newTag: v1"),
        infile=(
            "images:",
            "- name: image1",
            "  newName: foo.bar.foo:8800/foo/image1",
            "  newTag: my-tag",
        ),
        spelled=(("image1=v1",), ()),
    ),
    Case(
        "override-new-name-but-keep-new-tag",
        ("image1=my-image1:*",),
        ("images:", "- name: image1", "  newName: my-image1", "  newTag: my-tag"),
        infile=(
            "images:",
            "- name: image1",
            "  newName: foo.bar.foo:8800/foo/image1",
            "  newTag: my-tag",
        ),
        spelled=((), ("image1=my-image1",)),
    ),
    Case(
        "keep-new-name-and-new-tag",
        ("image1=*:*",),
        ("images:", "- name: image1", "  newName: my-image1", "  newTag: my-tag"),
        infile=("images:", "- name: image1", "  newName: my-image1", "  newTag: my-tag"),
        spelled=(("image1=my-tag",), ()),
    ),
    Case(
        "no-asterisk-as-new-name-for-existing-image",
        ("image1=*:v1",),
        ("images:", "- name: image1", "  newTag: v1"),
        infile=("images:", "- name: image1", "  newTag: my-tag"),
        spelled=(("image1=v1",), ()),
    ),
    Case(
        "no-asterisk-as-new-name",
        ("image1=*:v1",),
        ("images:", "- name: image1", "  newTag: v1"),
        spelled=(("image1=v1",), ()),
    ),
    Case(
        "no-asterisk-as-new-tag",
        ("image1=my-image1:*",),
        ("images:", "- name: image1", "  newName: my-image1"),
        spelled=((), ("image1=my-image1",)),
    ),
    Case(
        "keep-new-name-and-update-digest",
        (f"image2=*@{DIGEST}",),
        ("images:", f"- digest: {DIGEST}", "  name: image2", "  newName: my-image2"),
        infile=(
            "images:",
            "- name: image2",
            "  newName: my-image2",
            "  digest: sha256:abcdef12345",
        ),
        spelled=((f"image2@{DIGEST}",), ()),
    ),
    Case(
        "keep-new-name-remove-tag-and-set-digest",
        (f"image2=*@{DIGEST}",),
        ("images:", f"- digest: {DIGEST}", "  name: image2", "  newName: my-image2"),
        infile=("images:", "- name: image2", "  newName: my-image2", "  newTag: my-tag"),
        spelled=((f"image2@{DIGEST}",), ()),
    ),
    Case(
        "update-new-name-and-keep-the-digest",
        ("image2=my-image2@*",),
        ("images:", f"- digest: {DIGEST}", "  name: image2", "  newName: my-image2"),
        infile=(
            "images:",
            f"- digest: {DIGEST}",
            "  name: image2",
            "  newName: foo.bar.foo:8800/foo/image1",
        ),
        spelled=((), ("image2=my-image2",)),
    ),
]


def by_name(entries: list[ImageEntry]) -> dict[str, ImageEntry]:
    return {entry.name: entry for entry in entries}


def run_case(case: Case) -> tuple[str, str]:
    before = "\n".join(case.infile) if case.infile else DEFAULT_KUSTOMIZATION
    if case.spelled is None:
        changes = tuple(parse_image_arg(arg) for arg in case.args)
    else:
        with pytest.raises(UsageError):  # a new name after '=', or kustomize's `*`
            for arg in case.args:
                parse_image_arg(arg)
        changes = image_changes(*case.spelled)
    after = before
    for change in changes:
        after = set_image_text(after, change)
    return before, after


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_set_image_matches_kustomize(case: Case) -> None:
    before, after = run_case(case)
    expected = case.ours if case.ours is not None else case.expected
    assert by_name(read_images(after)) == by_name(read_images("\n".join(expected)))
    if not case.infile:
        # A new `images:` key is appended; everything before it is untouched.
        assert after.startswith(before)
        assert read_images(after[len(before) :]) == read_images(after)
    if not any(line.startswith("- digest") for line in expected):
        # Same key order as kustomize for entries without a digest: the text matches, in the
        # file's own list style (the default file indents its lists by 2; kustomize by 0).
        offset = 0 if case.infile else 2
        assert "\n".join(indent_list(expected, offset)) in after


def indent_list(lines: tuple[str, ...], offset: int) -> list[str]:
    return [line if line.endswith(":") else " " * offset + line for line in lines]


def test_keep_everything_leaves_the_file_byte_identical() -> None:
    case = next(c for c in CASES if c.id == "keep-new-name-and-new-tag")
    before, after = run_case(case)
    assert after == before


def test_patch_after_images_is_untouched() -> None:
    case = next(c for c in CASES if c.id == "override-file-with-patch")
    before, after = run_case(case)
    tail = "\n".join(PATCH)
    assert before.endswith(tail)
    assert after.endswith(tail)
    assert after.count("\n") == before.count("\n")  # no final newline added


def test_kustomize_error_cases(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_text(DEFAULT_KUSTOMIZATION)
    with pytest.raises(UsageError):  # "error: no args"
        edit_images(path, [], label="kustomization.yaml")
    with pytest.raises(UsageError, match="'bad'"):  # "error: invalid args"
        parse_image_arg("bad")
    assert path.read_text() == DEFAULT_KUSTOMIZATION


# --------------------------------------------------------------------------- kubectl kustomize

RENDER_TAGS = [
    "1234567", "12e4567", "1e10", "3.2e2", "00123", "0x1f", "0o17", "0b101", "true", "yes", "on",
    "y", "n", "NO", "Off", "null", "Null", "1.10", "1_000", "12", "0", "08", "2001-01-01", "1.",
    "0e5", "0123456789abcdef0123456789abcdef01234567", "v1.2.3", "Y", "N", "TRUE",
]  # fmt: skip


def kubectl_kustomize(directory: Path) -> str:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        pytest.skip("kubectl is not installed")
    result = subprocess.run(
        [kubectl, "kustomize", str(directory)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kustomize_reads_every_written_tag_as_the_intended_string(tmp_path: Path) -> None:
    containers = "".join(
        f"      - name: c{i}\n        image: img{i}:old\n" for i in range(len(RENDER_TAGS))
    )
    (tmp_path / "deployment.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n"
        f"  template:\n    spec:\n      containers:\n{containers}"
    )
    kustomization = tmp_path / "kustomization.yaml"
    kustomization.write_text("resources:\n- deployment.yaml\nimages: [{name: img0, newTag: x}]\n")
    changes = [parse_image_arg(f"img{i}={tag}") for i, tag in enumerate(RENDER_TAGS)]
    changes.append(parse_image_arg(f"img0@{DIGEST}"))  # in a flow list: a plain ':' value
    changes.append(parse_image_arg(f"img1:{RENDER_TAGS[1]}@{DIGEST}"))
    edit_images(kustomization, changes, label="kustomization.yaml")
    rendered = kubectl_kustomize(tmp_path)
    images = [line.split("image: ", 1)[1] for line in rendered.splitlines() if "image: " in line]
    expected = [f"img{i}:{tag}" for i, tag in enumerate(RENDER_TAGS)]
    expected[0] = f"img0@{DIGEST}"
    expected[1] = f"img1:{RENDER_TAGS[1]}@{DIGEST}"
    assert images == expected
