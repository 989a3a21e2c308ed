"""images: entries: the rules of apply_change, finding an entry by name, deltas."""

from __future__ import annotations

import pytest

from promoter.errors import KustomizationError
from promoter.kustomize.entries import (
    ImageChange,
    ImageDelta,
    ImageEntry,
    apply_change,
    deltas,
    find_entry,
    target_name,
)

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


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


def test_target_name_prefers_new_name() -> None:
    assert target_name(ImageEntry("a", new_name="b")) == "b"
    assert target_name(ImageEntry("a")) == "a"


def test_deltas_pair_each_change_with_its_entry_before_and_after() -> None:
    before = [ImageEntry("web", new_tag="v0", digest=D1), ImageEntry("api", new_tag="a1")]
    after = [ImageEntry("web", new_tag="v1"), ImageEntry("api", new_tag="a1"), ImageEntry("new")]
    changes = [ImageChange("web", new_tag="v1"), ImageChange("api"), ImageChange("new")]
    assert deltas(changes, before, after) == (
        ImageDelta("web", "v0", "v1", D1, None),
        ImageDelta("api", "a1", "a1", None, None),
        ImageDelta("new", None, None, None, None),
    )
    assert [d.changed for d in deltas(changes, before, after)] == [True, False, False]


def test_delta_to_json() -> None:
    delta = ImageDelta("web", "v0", "v1", None, D2)
    assert delta.to_json() == {
        "name": "web", "old_tag": "v0", "new_tag": "v1", "old_digest": None, "new_digest": D2,
        "old_new_name": None, "new_new_name": None,
    }


def test_deltas_record_the_new_name_only_when_the_change_sets_one() -> None:
    before = [ImageEntry("web", new_name="m/web", new_tag="v0"), ImageEntry("api", "m/api", "a1")]
    after = [ImageEntry("web", new_name="g/web", new_tag="v0"), ImageEntry("api", "m/api", "a2")]
    changes = [ImageChange("web", new_name="g/web"), ImageChange("api", new_tag="a2")]
    found = deltas(changes, before, after)
    assert found == (
        ImageDelta("web", "v0", "v0", None, None, "m/web", "g/web"),
        ImageDelta("api", "a1", "a2", None, None),
    )
    assert [(d.renamed, d.changed) for d in found] == [(True, True), (False, True)]
