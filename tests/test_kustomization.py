"""Unit tests of promoter.kustomization: argument parsing, semantics, byte-exact layouts, errors."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from promoter.errors import ExitCode, KustomizationError, UsageError
from promoter.kustomization import (
    KUSTOMIZATION_NAMES,
    FileEdit,
    ImageChange,
    ImageEntry,
    apply_change,
    edit_images,
    find_entry,
    find_kustomization,
    needs_quotes,
    parse_image_arg,
    read_images,
    set_image_text,
    write_atomic,
)

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


def load(text: str, version: tuple[int, int] = (1, 2)) -> object:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = version
    return yaml.load(text)


def set_tag(text: str, arg: str) -> str:
    return set_image_text(text, parse_image_arg(arg))


# --------------------------------------------------------------------------- parse_image_arg


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("web=abc1234", ImageChange("web", new_tag="abc1234")),
        ("web=1234567", ImageChange("web", new_tag="1234567")),
        ("web:v1.2.3", ImageChange("web", new_tag="v1.2.3")),
        (f"web@{D1}", ImageChange("web", digest=D1)),
        (f"web:v1@{D1}", ImageChange("web", new_tag="v1", digest=D1)),
        (f"web=v1@{D1}", ImageChange("web", new_tag="v1", digest=D1)),
        ("web=ghcr.io/acme/web:v2", ImageChange("web", new_name="ghcr.io/acme/web", new_tag="v2")),
        (f"web=ghcr.io/acme/web@{D1}", ImageChange("web", new_name="ghcr.io/acme/web", digest=D1)),
        (
            f"web=ghcr.io/acme/web:v2@{D1}",
            ImageChange("web", new_name="ghcr.io/acme/web", new_tag="v2", digest=D1),
        ),
        ("web=mirror:v2", ImageChange("web", new_name="mirror", new_tag="v2")),
        # Registry ports: the tag colon is the last ':' after the last '/'.
        ("localhost:5000/app:v1", ImageChange("localhost:5000/app", new_tag="v1")),
        ("localhost:5000/app=v1", ImageChange("localhost:5000/app", new_tag="v1")),
        ("web=localhost:5000/app", ImageChange("web", new_name="localhost:5000/app")),
        (
            "web=localhost:5000/my/app:dev-01",
            ImageChange("web", new_name="localhost:5000/my/app", new_tag="dev-01"),
        ),
        (f"localhost:5000/app@{D1}", ImageChange("localhost:5000/app", digest=D1)),
        # kustomize's `*` wildcards.
        ("web=*:v1", ImageChange("web", new_tag="v1")),
        ("web=x/y:*", ImageChange("web", new_name="x/y", keep_tag=True)),
        (f"web=*@{D1}", ImageChange("web", digest=D1)),
        ("web=x/y@*", ImageChange("web", new_name="x/y", keep_digest=True)),
        ("web=_under.score-1", ImageChange("web", new_tag="_under.score-1")),
        ("web=" + "t" * 128, ImageChange("web", new_tag="t" * 128)),
        (f"web@sha512:{'c' * 128}", ImageChange("web", digest="sha512:" + "c" * 128)),
    ],
)
def test_parse_image_arg_accepts(arg: str, expected: ImageChange) -> None:
    assert parse_image_arg(arg) == expected


@pytest.mark.parametrize(
    "arg",
    [
        "web",  # no tag or digest
        "",
        "=v1",
        "web=",
        "web=a=b",
        "web:",
        "web@",
        "Web:v1",  # uppercase path
        "web:-v1",  # tag cannot start with '-'
        "web:v1!",
        "web=" + "t" * 129,
        "web@sha256:abc",  # too short
        "web@sha256:" + "A" * 64,  # sha256 hex is lowercase
        "web@md5",
        f"web@{D1}@{D1}",
        "web/:v1",
        "-web:v1",
        "web:v 1",
        "web=ghcr.io/Acme/web:v1",
    ],
)
def test_parse_image_arg_rejects_with_usage_error(arg: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_image_arg(arg)
    assert caught.value.exit_code == ExitCode.USAGE
    assert repr(arg) in str(caught.value)


# --------------------------------------------------------------------------- semantics


@pytest.mark.parametrize(
    ("entry", "change", "expected"),
    [
        (None, ImageChange("web", new_tag="v1"), ImageEntry("web", new_tag="v1")),
        (
            ImageEntry("web", new_name="m/web", new_tag="v0"),
            ImageChange("web", new_tag="v1"),
            ImageEntry("web", new_name="m/web", new_tag="v1"),
        ),
        (
            ImageEntry("web", new_tag="v0", digest=D1),
            ImageChange("web", new_tag="v1"),
            ImageEntry("web", new_tag="v1"),  # the stale digest goes
        ),
        (
            ImageEntry("web", new_name="m/web", new_tag="v0"),
            ImageChange("web", digest=D1),
            ImageEntry("web", new_name="m/web", digest=D1),  # kustomize: digest replaces tag
        ),
        (
            ImageEntry("web", new_tag="v0"),
            ImageChange("web", digest=D1, keep_tag=True),
            ImageEntry("web", new_tag="v0", digest=D1),
        ),
        (
            ImageEntry("web", new_tag="v0", digest=D1),
            ImageChange("web", new_tag="v1", keep_digest=True),
            ImageEntry("web", new_tag="v1", digest=D1),
        ),
        (
            ImageEntry("web", new_tag="v0", digest=D1),
            ImageChange("web", new_name="m/web"),
            ImageEntry("web", new_name="m/web", new_tag="v0", digest=D1),
        ),
        (
            ImageEntry("web", new_tag="v0", tag_suffix="-x"),
            ImageChange("web", new_tag="v1", digest=D2),
            ImageEntry("web", new_tag="v1", digest=D2, tag_suffix="-x"),
        ),
    ],
)
def test_apply_change(entry: ImageEntry | None, change: ImageChange, expected: ImageEntry) -> None:
    assert apply_change(entry, change) == expected


def test_find_entry_prefers_name_then_new_name() -> None:
    entries = [
        ImageEntry("ctrl", new_name="quay.io/x/app"),
        ImageEntry("quay.io/x/app", new_tag="v1"),
        ImageEntry("other", new_name="ghcr.io/y/other"),
    ]
    assert find_entry(entries, "quay.io/x/app") == entries[1]
    assert find_entry(entries, "ghcr.io/y/other") == entries[2]
    assert find_entry(entries, "absent") is None


def test_find_entry_refuses_ambiguous_names() -> None:
    with pytest.raises(KustomizationError, match="2 images entries"):
        find_entry([ImageEntry("web"), ImageEntry("web", new_tag="v1")], "web")


def test_to_json() -> None:
    entry = ImageEntry("web", new_name="m/web", new_tag="v1", digest=D1)
    assert entry.to_json() == {"name": "web", "newName": "m/web", "tag": "v1", "digest": D1}


# --------------------------------------------------------------------------- read_images


def test_read_images_reads_entries_and_normalises_empty_values() -> None:
    text = (
        "images:\n"
        "- name: web\n  newName: m/web\n  newTag: 'v1'\n  digest:\n"
        f"- {{name: api, digest: {D1}, tagSuffix: -x, newTag: ''}}\n"
    )
    assert read_images(text) == [
        ImageEntry("web", new_name="m/web", new_tag="v1"),
        ImageEntry("api", digest=D1, tag_suffix="-x"),
    ]


@pytest.mark.parametrize("text", ["", "# only a comment\n", "resources: [a.yaml]\n", "images:\n"])
def test_read_images_without_entries(text: str) -> None:
    assert read_images(text) == []


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("images: [\n", "not valid YAML"),
        ("images:\n- name: a\nimages: []\n", "duplicate key 'images'"),
        ("images:\n- name: a\n  name: b\n", "duplicate key 'name'"),
        ("images: web\n", "not a list"),
        ("images: {name: web}\n", "not a list"),
        ("images:\n- web\n", "not a mapping"),
        ("images:\n- newTag: v1\n", "has no name"),
        ("images:\n- name: web\n  newTag: 1234567\n", "kustomize rejects it"),
        ("images:\n- name: web\n  newTag: yes\n", "kustomize rejects it"),
        ("images:\n- name: web\n  newTag: [a]\n", "not a string"),
        ("a: 1\n---\nb: 2\n", "2 YAML documents"),
        ("- a\n", "not a mapping"),
        ("a:\n\tb: 1\n", "not valid YAML"),
        ("a: 1\rb: 2\r", "bare CR"),
        ("<<: {images: []}\n", "merge key"),
    ],
)
def test_read_images_errors(text: str, message: str) -> None:
    with pytest.raises(KustomizationError, match=message) as caught:
        read_images(text, source="overlay/kustomization.yaml")
    assert str(caught.value).startswith("overlay/kustomization.yaml")
    assert caught.value.exit_code == ExitCode.INVALID


def test_read_images_accepts_what_kustomize_reads_as_strings() -> None:
    # kustomize (Go yaml.v2) reads a plain timestamp as a string; an explicit !!str is a string.
    text = "images:\n- name: web\n  newTag: 2001-01-01\n- name: api\n  newTag: !!str 123\n"
    assert [e.new_tag for e in read_images(text)] == ["2001-01-01", "123"]


# --------------------------------------------------------------------------- set_image_text layouts

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
        f"web=*:*@{D1}",
        f'images:\n- name: web\n  newTag: "1234"\n  digest: {D1}\n',
        id="kept-unquoted-number-is-fixed",
    ),
    pytest.param(
        "images:\n- name: web\n  newTag: 2001-01-01\n",
        f"web=*:*@{D1}",
        f"images:\n- name: web\n  newTag: 2001-01-01\n  digest: {D1}\n",
        id="kept-date-looking-tag-stays-as-kustomize-reads-it-as-a-string",
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


TRICKY_TAGS = [
    "1234567", "12e4567", "1e10", "00123", "0x1f", "0o17", "0b101", "true", "yes", "on", "y",
    "n", "NO", "Off", "null", "Null", "1.10", "1_000", "12", "0", "08", "2001-01-01", "1.", "0e5",
    "Y", "N", "TRUE",
]  # fmt: skip


@pytest.mark.parametrize("tag", TRICKY_TAGS)
def test_non_string_looking_tags_are_quoted_and_read_back_as_strings(tag: str) -> None:
    assert needs_quotes(tag)
    after = set_tag("images:\n- name: web\n  newTag: v0\n", f"web={tag}")
    assert after == f'images:\n- name: web\n  newTag: "{tag}"\n'
    for version in ((1, 1), (1, 2)):
        assert load(after, version) == {"images": [{"name": "web", "newTag": tag}]}


@pytest.mark.parametrize("tag", ["v1.2.3", "abc1234", "latest", "4.8-apache", "1.1.11", "a" * 40])
def test_string_tags_stay_plain(tag: str) -> None:
    assert not needs_quotes(tag)
    assert set_tag("images:\n- name: web\n  newTag: v0\n", f"web={tag}").endswith(f": {tag}\n")


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


# --------------------------------------------------------------------------- refusals


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


# --------------------------------------------------------------------------- files


def write(path: Path, text: str) -> bytes:
    path.write_bytes(text.encode("utf-8"))
    return path.read_bytes()


def test_edit_images_writes_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, "resources:\r\n- a.yaml\r\nimages:\r\n- name: web\r\n  newTag: v0\r\n")
    edit = edit_images(path, [parse_image_arg("web=1234567"), parse_image_arg("api:v2")])
    assert edit.changed
    expected = (
        "resources:\r\n- a.yaml\r\nimages:\r\n- name: web\r\n"
        '  newTag: "1234567"\r\n- name: api\r\n  newTag: v2\r\n'
    )
    assert path.read_bytes() == expected.encode()
    assert edit.after == expected
    again = edit_images(path, [parse_image_arg("web=1234567")])
    assert not again.changed
    assert again.diff() == ""


def test_edit_images_dry_run_leaves_file(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, "images:\n- name: web\n  newTag: v0\n")
    edit = edit_images(path, [parse_image_arg("web=v1")], dry_run=True)
    assert edit.changed
    assert path.read_bytes() == before


def test_edit_images_without_changes_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, "resources: []\n")
    with pytest.raises(UsageError):
        edit_images(path, [])


def test_diff_labels_and_missing_final_newline() -> None:
    edit = FileEdit(Path("/x/k.yaml"), "a: 1\nb: 2", "a: 1\nb: 3")
    assert edit.diff("envs/staging/kustomization.yaml") == (
        "--- a/envs/staging/kustomization.yaml\n"
        "+++ b/envs/staging/kustomization.yaml\n"
        "@@ -1,2 +1,2 @@\n"
        " a: 1\n"
        "-b: 2\n"
        "\\ No newline at end of file\n"
        "+b: 3\n"
        "\\ No newline at end of file\n"
    )


@pytest.mark.parametrize(
    "text",
    [
        "images: [\n",
        "images:\n- name: web\nimages: []\n",
        "images: web\n",
        "images:\n- name: web\n  newTag: &t v1\n",
        "tag: &t v1\nimages:\n- name: web\n  newTag: *t\n",
        "a: 1\n---\nb: 2\n",
    ],
    ids=["malformed", "duplicate-key", "not-a-list", "anchor", "alias", "two-documents"],
)
def test_edit_errors_leave_file_byte_identical(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, text)
    with pytest.raises(KustomizationError):
        edit_images(path, [parse_image_arg("web=v2")])
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kustomization.yaml"]


def test_edit_images_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_bytes(b"images: []\nnamePrefix: \xff\n")
    with pytest.raises(KustomizationError, match="not UTF-8"):
        edit_images(path, [parse_image_arg("web=v2")])
    assert path.read_bytes() == b"images: []\nnamePrefix: \xff\n"


def test_edit_images_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="cannot read"):
        edit_images(tmp_path / "kustomization.yaml", [parse_image_arg("web=v2")])


def test_write_atomic_keeps_mode_and_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(path, b"new\r\n")
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kustomization.yaml"]


def test_write_atomic_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"old\n")
    link = tmp_path / "kustomization.yaml"
    link.symlink_to(real)
    write_atomic(link, b"new\n")
    assert link.is_symlink()
    assert real.read_bytes() == b"new\n"


# --------------------------------------------------------------------------- find_kustomization


@pytest.mark.parametrize("name", KUSTOMIZATION_NAMES)
def test_find_kustomization_each_name(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("resources: []\n")
    assert find_kustomization(tmp_path) == tmp_path / name


def test_find_kustomization_none(tmp_path: Path) -> None:
    (tmp_path / "deployment.yaml").write_text("kind: Deployment\n")
    with pytest.raises(KustomizationError, match="no kustomization file"):
        find_kustomization(tmp_path)


def test_find_kustomization_two(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "Kustomization").write_text("resources: [b.yaml]\n")
    with pytest.raises(KustomizationError, match="more than one") as caught:
        find_kustomization(tmp_path)
    assert "kustomization.yaml, Kustomization" in str(caught.value)
    assert (tmp_path / "kustomization.yaml").read_bytes() == b"resources: []\n"
    assert (tmp_path / "Kustomization").read_bytes() == b"resources: [b.yaml]\n"


def test_find_kustomization_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="does not exist"):
        find_kustomization(tmp_path / "absent")
