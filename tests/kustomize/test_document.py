"""Reading a kustomization's images: entries, and the errors of a file promoter cannot read
(malformed, or past promoter.yamlbounds' limits)."""

from __future__ import annotations

import pytest

from promoter.errors import ExitCode, KustomizationError
from promoter.kustomize.composer import MAX_FLOW_DEPTH
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.yamlbounds import MAX_DEPTH
from tests.hostile_yaml import billion_laughs, nested, oversized, self_containing

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


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


# --------------------------------------------------------------------------- bounds


def refused(text: str) -> str:
    """The one-line message for a kustomization promoter refuses to read (exit 4)."""
    with pytest.raises(KustomizationError) as caught:
        read_images(text, source="overlays/staging/kustomization.yaml")
    assert caught.value.exit_code == ExitCode.INVALID
    message = str(caught.value)
    assert message.startswith("overlays/staging/kustomization.yaml") and "\n" not in message
    return message


@pytest.mark.parametrize("text", [billion_laughs() + "images: []\n",
                                  "images: []\n" + self_containing()],
                         ids=["billion-laughs", "self-containing"])
def test_an_alias_bomb_is_refused(text: str) -> None:
    assert "its YAML aliases would expand to more than 100,000 nodes" in refused(text)


def _block_nested(depth: int) -> str:
    """`resources:` with mappings `depth` levels deep, in block style."""
    return "resources:\n" + "".join(f"{'  ' * level}k{level}:\n" for level in range(1, depth))


def test_block_nesting_too_deep_is_refused() -> None:
    message = refused("images: []\n" + _block_nested(MAX_DEPTH + 5))
    assert "lists and mappings nested more than" in message and f"{MAX_DEPTH} levels" in message


@pytest.mark.parametrize("depth", [MAX_FLOW_DEPTH + 1, MAX_DEPTH, 100_000])
def test_flow_nesting_too_deep_is_refused_as_soon_as_it_is_seen(depth: int) -> None:
    message = refused("images: []\n" + nested(depth, "resources"))
    assert message.startswith("overlays/staging/kustomization.yaml:2: flow collections ([...], "
                              f"{{...}}) nested more than {MAX_FLOW_DEPTH} levels deep")


def test_flow_nesting_within_the_limit_is_read() -> None:
    assert read_images("images: []\n" + nested(MAX_FLOW_DEPTH, "resources")) == []


def test_text_over_one_mebibyte_is_refused_before_parsing() -> None:
    assert "is 1,048,577 bytes; promoter reads YAML files of at most 1 MiB" in refused(
        oversized("images: []\n"))


def test_ordinary_anchors_outside_images_are_read() -> None:
    text = ("labels:\n- pairs: &pairs {app: web}\n- pairs: *pairs\n"
            "images:\n- name: web\n  newTag: v1\n")
    assert read_images(text) == [ImageEntry("web", new_tag="v1")]
