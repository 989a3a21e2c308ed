"""Byte-exact splicing: the layouts an edit must preserve, and the edits it refuses."""

from __future__ import annotations

import pytest

from promoter.errors import KustomizationError, UsageError
from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageChange
from promoter.kustomize.splice import set_image_text, set_images_text

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


def set_tag(text: str, arg: str) -> str:
    return set_image_text(text, parse_image_arg(arg))


LAYOUTS = [
    pytest.param(
        "images:\n- name: web\n  newTag: old\n",
        "web=1234567",
        'images:\n- name: web\n  newTag: "1234567"\n',
        id="plain-to-quoted-numeric",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: 'old'  # pinned\n",
        "web=12e4567",
        "images:\n- name: web\n  newTag: '12e4567'  # pinned\n",
        id="single-quote-style-and-inline-comment-kept",
    ),
    pytest.param(
        'images:\n- name: web\n  newTag: "old"\n',
        "web=abc1234",
        'images:\n- name: web\n  newTag: "abc1234"\n',
        id="double-quote-kept-for-safe-value",
    ),
    pytest.param(
        "images:\n- name: web\n  newName: m/web\n  newTag: v0\n",
        "web=v1",
        "images:\n- name: web\n  newName: m/web\n  newTag: v1\n",
        id="tag-keeps-new-name",
    ),
    pytest.param(
        f"images:\n- name: web\n  newTag: v0\n  digest: {D1}\nresources: [a.yaml]\n",
        "web=v1",
        "images:\n- name: web\n  newTag: v1\nresources: [a.yaml]\n",
        id="tag-removes-stale-digest",
    ),
    pytest.param(
        f"images:\n- digest: {D1}\n  name: web\n  newName: m/web\n",
        "web=v1",
        "images:\n- name: web\n  newName: m/web\n  newTag: v1\n",
        id="kustomize-sorted-entry-first-key-removed",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: v0\n",
        f"web@{D1}",
        f"images:\n- name: web\n  digest: {D1}\n",
        id="digest-replaces-tag",
    ),
    pytest.param(
        "images:\n- newTag: v0\n  name: web\n",
        f"web@{D1}",
        f"images:\n- name: web\n  digest: {D1}\n",
        id="digest-replaces-tag-on-the-dash-line",
    ),
    pytest.param(
        "images:\n- newTag: v0  # old\n  # about the name\n\n  name: web\n  newName: x/y\n",
        f"web@{D1}",
        f"images:\n  # about the name\n\n- name: web\n  newName: x/y\n  digest: {D1}\n",
        id="comments-after-a-removed-first-key-move-above-the-entry",
    ),
    pytest.param(
        f"images:\r\n- name: web\r\n  digest: {D1}\r\n  newTag: v0",
        "web=v1",
        "images:\r\n- name: web\r\n  newTag: v1",
        id="crlf-remove-line-before-last-without-final-newline",
    ),
    pytest.param(
        f"images:\r\n- name: web\r\n  newTag: v0\r\n  digest: {D1}",
        "web=v1",
        "images:\r\n- name: web\r\n  newTag: v1",
        id="crlf-remove-last-line-without-final-newline",
    ),
    pytest.param(
        "images: [{newTag: v0, name: web}]",
        f"web@{D1}",
        f"images: [{{name: web, digest: {D1}}}]",
        id="flow-remove-first-key-add-digest",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: v0",
        f"web@{D1}",
        f"images:\n- name: web\n  digest: {D1}",
        id="digest-replaces-tag-no-final-newline",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: v0\n",
        f"web:v0@{D1}",
        f"images:\n- name: web\n  newTag: v0\n  digest: {D1}\n",
        id="digest-added-after-tag",
    ),
    pytest.param(
        "images:\n- name: web\n  newName: m/web\n",
        "web=v2",
        "images:\n- name: web\n  newName: m/web\n  newTag: v2\n",
        id="tag-inserted-after-new-name",
    ),
    pytest.param(
        "images:\n- name: web\n  newName: m/web",
        "web=v2",
        "images:\n- name: web\n  newName: m/web\n  newTag: v2",
        id="tag-inserted-at-eof-without-newline",
    ),
    pytest.param(
        "images:\n- name: web\n  # the tag\n  newTag: v0 # old\n",
        "web=v1",
        "images:\n- name: web\n  # the tag\n  newTag: v1 # old\n",
        id="comments-inside-entry",
    ),
    pytest.param(
        "images:\n  - name: other\n    newTag: x\n",
        "web=v1",
        "images:\n  - name: other\n    newTag: x\n  - name: web\n    newTag: v1\n",
        id="append-indented-sequence",
    ),
    pytest.param(
        "images:\n    -   name: other\n        newTag: x\n",
        "web=v1",
        "images:\n    -   name: other\n        newTag: x\n    -   name: web\n        newTag: v1\n",
        id="append-wide-sequence",
    ),
    pytest.param(
        "images:\n - name: other\n   newTag: x\n",
        "web=v1",
        "images:\n - name: other\n   newTag: x\n - name: web\n   newTag: v1\n",
        id="append-one-space-sequence",
    ),
    pytest.param(
        "images:\n- name: other\n  newTag: 'x'\n# - name: old\nresources:\n- a.yaml\n",
        "web=1234567",
        "images:\n- name: other\n  newTag: 'x'\n- name: web\n  newTag: '1234567'\n"
        "# - name: old\nresources:\n- a.yaml\n",
        id="append-before-commented-entries-sibling-quotes",
    ),
    pytest.param(
        "images: [{name: web, newTag: abc1234}]\n",
        "web=1234567",
        'images: [{name: web, newTag: "1234567"}]\n',
        id="flow-list-replace",
    ),
    pytest.param(
        f"images: [{{name: web, newTag: v0, digest: {D1}}}]\n",
        "web=v1",
        "images: [{name: web, newTag: v1}]\n",
        id="flow-list-remove-digest",
    ),
    pytest.param(
        f"images: [{{digest: {D1}, name: web}}]\n",
        "web=v1",
        "images: [{name: web, newTag: v1}]\n",
        id="flow-list-remove-first-key-and-insert",
    ),
    pytest.param(
        "images: [ { name: a, newTag: x } ]\n",
        "web=v1",
        "images: [ { name: a, newTag: x }, { name: web, newTag: v1 } ]\n",
        id="flow-list-append-padded",
    ),
    pytest.param(
        "images: [\n  {name: a},\n  {name: b},\n]\n",
        "web=v1",
        "images: [\n  {name: a},\n  {name: b},\n  {name: web, newTag: v1},\n]\n",
        id="flow-list-append-multiline",
    ),
    pytest.param(
        "images:\n- {name: a, newTag: x}\n",
        "web=v1",
        "images:\n- {name: a, newTag: x}\n- {name: web, newTag: v1}\n",
        id="flow-mappings-in-block-list",
    ),
    pytest.param(
        "resources: []\nimages: []\n",
        "web=v1",
        "resources: []\nimages: [{name: web, newTag: v1}]\n",
        id="empty-flow-list",
    ),
    pytest.param(
        "images:\nresources:\n  - a.yaml\n",
        "web=v1",
        "images:\n  - name: web\n    newTag: v1\nresources:\n  - a.yaml\n",
        id="null-images-takes-file-sequence-style",
    ),
    pytest.param(
        "images: ~ # none yet\nnamePrefix: a-\n",
        "web=v1",
        "images: # none yet\n- name: web\n  newTag: v1\nnamePrefix: a-\n",
        id="tilde-images",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag:\n",
        "web=v1",
        "images:\n- name: web\n  newTag: v1\n",
        id="empty-value-filled",
    ),
    pytest.param(
        "resources:\n- a.yaml\n",
        "web=v1",
        "resources:\n- a.yaml\nimages:\n- name: web\n  newTag: v1\n",
        id="images-key-appended",
    ),
    pytest.param(
        "resources:\n- a.yaml",
        "web=v1",
        "resources:\n- a.yaml\nimages:\n- name: web\n  newTag: v1",
        id="images-key-appended-no-final-newline",
    ),
    pytest.param(
        "resources:\r\n  - a.yaml\r\n",
        "web=v1",
        "resources:\r\n  - a.yaml\r\nimages:\r\n  - name: web\r\n    newTag: v1\r\n",
        id="images-key-appended-crlf",
    ),
    pytest.param(
        "---\nresources:\n- a.yaml\n...\n",
        "web=v1",
        "---\nresources:\n- a.yaml\nimages:\n- name: web\n  newTag: v1\n...\n",
        id="document-markers",
    ),
    pytest.param(
        "resources:\n- a.yaml\n--- # nothing after\n",
        "web=v1",
        "resources:\n- a.yaml\nimages:\n- name: web\n  newTag: v1\n--- # nothing after\n",
        id="trailing-empty-document",
    ),
    pytest.param(
        "resources:\n- a.yaml\n# end\n...\n---\n",
        "web=v1",
        "resources:\n- a.yaml\n# end\nimages:\n- name: web\n  newTag: v1\n...\n---\n",
        id="document-end-then-empty-document",
    ),
    pytest.param(
        "\ufeffresources:\n- a.yaml\n",
        "web=v1",
        "\ufeffresources:\n- a.yaml\nimages:\n- name: web\n  newTag: v1\n",
        id="bom",
    ),
    pytest.param(
        "",
        "web=v1",
        "images:\n- name: web\n  newTag: v1\n",
        id="empty-file",
    ),
    pytest.param(
        "commonAnnotations:\n  a: 12e4567\n  b: 0123\nimages:\n- name: web\n  newTag: x\n",
        "web=0x1f",
        'commonAnnotations:\n  a: 12e4567\n  b: 0123\nimages:\n- name: web\n  newTag: "0x1f"\n',
        id="other-round-trip-hazards-untouched",
    ),
    pytest.param(
        "images:\n- name: ctrl\n  newName: quay.io/x/app\n  newTag: latest\n",
        "quay.io/x/app=v9",
        "images:\n- name: ctrl\n  newName: quay.io/x/app\n  newTag: v9\n",
        id="match-on-new-name",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: 1234567\n",
        "web=1234567",
        'images:\n- name: web\n  newTag: "1234567"\n',
        id="same-value-but-unquoted-number-is-fixed",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: 1234\n",
        f"web=1234@{D1}",
        f'images:\n- name: web\n  newTag: "1234"\n  digest: {D1}\n',
        id="same-unquoted-number-with-a-digest-is-fixed",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: 2001-01-01\n",
        f"web=2001-01-01@{D1}",
        f"images:\n- name: web\n  newTag: 2001-01-01\n  digest: {D1}\n",
        id="same-date-looking-tag-stays-as-kustomize-reads-it-as-a-string",
    ),
]


@pytest.mark.parametrize(("before", "arg", "after"), LAYOUTS)
def test_set_image_text_layouts(before: str, arg: str, after: str) -> None:
    result = set_tag(before, arg)
    assert result == after
    assert set_tag(result, arg) == result  # idempotent


@pytest.mark.parametrize(
    "text",
    [
        "images:\n- name: web\n  newTag: v1\n",
        'images:\n- name: web\n  newTag: "v1"\n',
        "images:\n- name: web\n  newTag: 2001-01-01\n",  # kustomize reads it as a string
    ],
)
def test_set_image_text_returns_the_same_object_when_nothing_changes(text: str) -> None:
    tag = read_images(text)[0].new_tag
    assert tag is not None
    assert set_image_text(text, ImageChange("web", new_tag=tag)) is text


def test_single_quote_style_of_the_file_is_used_for_new_quoted_values() -> None:
    before = "namePrefix: 'dev-'\nresources:\n- a.yaml\n"
    after = set_tag(before, "web=1234567")
    assert after == before + "images:\n- name: web\n  newTag: '1234567'\n"


def test_several_changes_in_sequence_keep_order_and_style() -> None:
    before = "images:\n- name: b\n  newTag: x\n- name: a\n  newTag: y\n"
    text = before
    for arg in ("c=1", "a=2", "b=3"):
        text = set_tag(text, arg)
    assert text == (
        'images:\n- name: b\n  newTag: "3"\n- name: a\n  newTag: "2"\n- name: c\n  newTag: "1"\n'
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("images:\n- name: web\n  newTag: &t v1\n", "anchor"),
        ("tag: &t v1\nimages:\n- name: web\n  newTag: *t\n", "anchor"),
        ("base: &e {name: web, newTag: v1}\nimages:\n- *e\n", "anchor"),
        ("images: &i\n- name: web\nother: *i\n", "anchor"),
        ("images:\n- name: web\n  newTag: |\n    v1\n", "block scalar"),
        ("images:\n- name: web\n- name: web\n", "2 images entries"),
        ("{resources: [a.yaml]}\n", "flow style"),
    ],
)
def test_set_image_text_refuses_unsafe_edits(text: str, message: str) -> None:
    with pytest.raises(KustomizationError, match=message):
        set_tag(text, "web=v2")


def test_set_image_text_validates_changes_built_in_code() -> None:
    with pytest.raises(UsageError):
        set_image_text("images: []\n", ImageChange("web", new_tag="bad tag"))


def test_set_images_text_applies_the_changes_in_order() -> None:
    changes = [parse_image_arg("web=v1"), parse_image_arg("api:a1"), parse_image_arg("web=v2")]
    assert set_images_text("images: []\n", changes, source="k.yaml") == (
        "images: [{name: web, newTag: v2}, {name: api, newTag: a1}]\n"
    )


def test_set_images_text_without_changes_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="no image given"):
        set_images_text("images: []\n", [], source="k.yaml")


def test_errors_name_the_source() -> None:
    label = "overlays/staging/kustomization.yaml"
    with pytest.raises(KustomizationError) as caught:
        set_images_text("images:\n- name: web\n  newTag: |\n    v1\n", [parse_image_arg("web=v2")],
                        source=label)
    assert str(caught.value).startswith(f"{label}:3: `newTag` is a block scalar")
