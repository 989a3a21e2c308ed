"""The promotion PR body: content, hidden marker, and trimming to GitHub's 65,536 characters."""

from __future__ import annotations

import re
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.forge.body import (
    GITHUB_BODY_LIMIT,
    _DiffSection,
    pr_body,
)
from promoter.kustomize.entries import ImageDelta

MARKER = re.compile(r"<!-- promoter:environment=(?P<environment>[^\s<>]+) -->")


def environment_from_body(body: str) -> str | None:
    """The environment a reader of the hidden marker gets back."""
    match = MARKER.search(body)
    return unquote(match["environment"]) if match else None


SHA = "3f2a9c4e1b7d8f6a5c3e2d1b0a9f8e7d6c5b4a39"
OLD_DIGEST = "sha256:" + "a" * 64
NEW_DIGEST = "sha256:" + "b" * 64
IMAGES = [
    ImageDelta("123456789012.dkr.ecr.eu-west-1.amazonaws.com/api", "1.4.1", "1.4.2",
             OLD_DIGEST, NEW_DIGEST),
    ImageDelta("ghcr.io/acme/worker", "2.0.0", "2.0.0", None, None),
    ImageDelta("ghcr.io/acme/new-sidecar", None, "0.1.0", None, NEW_DIGEST),
]
OVERLAY_DIFF = """\
--- a/overlays/production/kustomization.yaml
+++ b/overlays/production/kustomization.yaml
@@ -8,3 +8,3 @@
 images:
 - name: api
-  newTag: 1.4.1
+  newTag: 1.4.2
"""
RENDERED_DIFF = """\
--- production/Deployment/api
+++ production/Deployment/api
@@ -20 +20 @@
-        image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.1
+        image: 123456789012.dkr.ecr.eu-west-1.amazonaws.com/api:1.4.2
"""
TRIMMED = re.compile(r"… (\d+) lines trimmed; run `promoter diff` to see all")


def body(**overrides: object) -> str:
    arguments: dict[str, object] = {
        "environment": "production", "source": "staging", "source_commit": SHA,
        "images": IMAGES, "build_url": "https://app.circleci.com/pipelines/gh/acme/api/812",
        "overlay_diff": OVERLAY_DIFF, "rendered_diff": RENDERED_DIFF,
    }
    arguments.update(overrides)
    return pr_body(**arguments)  # type: ignore[arg-type]


def fenced_blocks(text: str) -> list[list[str]]:
    """The contents of each fenced block; fails if a fence is left open."""
    blocks: list[list[str]] = []
    fence: str | None = None
    for line in text.split("\n"):
        if fence is None:
            opening = re.fullmatch(r"(`{3,})(\w*)", line)
            if opening:
                fence = opening[1]
                blocks.append([])
        elif line == fence:
            fence = None
        else:
            blocks[-1].append(line)
    assert fence is None, "a code fence is never closed"
    return blocks


def huge_diff(lines: int, tag: str) -> str:
    return "".join(f"+  line {index:06d} of the {tag} diff, padded {'x' * 40}\n"
                   for index in range(lines))


# --------------------------------------------------------------------------- content


def test_body_starts_with_the_hidden_marker_and_names_the_environment() -> None:
    text = body()
    assert text.startswith("<!-- promoter:environment=production -->\n")
    assert "## Promote to `production`" in text
    assert environment_from_body(text) == "production"


def test_body_says_where_the_images_come_from_and_links_the_build() -> None:
    text = body()
    assert f"Images as deployed in `staging` at commit `{SHA}`." in text
    assert "CI build: https://app.circleci.com/pipelines/gh/acme/api/812" in text


def test_body_without_source_or_build() -> None:
    text = body(source=None, source_commit=None, build_url=None)
    assert "Images as" not in text and "CI build" not in text
    assert body(source=None, build_url=None).count(f"Images as of commit `{SHA}`.") == 1


def test_image_table_shows_old_and_new_tags_and_digests() -> None:
    text = body()
    assert "| Image | Tag | Digest |" in text
    assert ("| `123456789012.dkr.ecr.eu-west-1.amazonaws.com/api` | `1.4.1` → `1.4.2` "
            f"| `{OLD_DIGEST}` → `{NEW_DIGEST}` |") in text
    assert "| `ghcr.io/acme/worker` | `2.0.0` (unchanged) | — |" in text
    assert f"| `ghcr.io/acme/new-sidecar` | (none) → `0.1.0` | (none) → `{NEW_DIGEST}` |" in text


def test_no_images_says_so() -> None:
    assert "No image changes." in body(images=[])


def test_table_cells_survive_pipes_and_backticks() -> None:
    text = body(images=[ImageDelta("we|ird`name", "a", "b", None, None)])
    assert "| ``we\\|ird`name`` | `a` → `b` | — |" in text


def test_diffs_are_in_diff_fences_untrimmed_when_small() -> None:
    text = body()
    blocks = fenced_blocks(text)
    assert blocks == [OVERLAY_DIFF.rstrip("\n").split("\n"), RENDERED_DIFF.rstrip("\n").split("\n")]
    assert text.count("```diff\n") == 2
    assert "### Overlay diff" in text and "### Rendered manifests diff" in text
    assert not TRIMMED.search(text)


def test_empty_diffs_say_no_changes() -> None:
    text = body(overlay_diff="", rendered_diff="")
    assert text.count("No changes.") == 2
    assert fenced_blocks(text) == []


def test_backticks_inside_a_diff_get_a_longer_fence() -> None:
    diff = "+  script: |\n+    echo ```not a fence```\n+```\n"
    text = body(rendered_diff=diff)
    assert "````diff" in text
    assert fenced_blocks(text)[1] == diff.rstrip("\n").split("\n")


def test_a_rollback_body_says_roll_back() -> None:
    text = body(action="rollback", environment="staging", source=None)
    assert "## Roll back `staging`" in text
    assert "Promote" not in text


def test_unknown_action_or_empty_environment_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="no pull request heading for action 'set-image'"):
        body(action="set-image")
    with pytest.raises(ValueError, match="needs an environment name"):
        body(environment="")


def test_names_config_accepts_are_written_readably_and_without_double_dashes() -> None:
    text = body(environment="prod--eu_1.x")
    assert text.startswith("<!-- promoter:environment=prod%2D-eu_1.x -->\n")
    assert "## Promote to `prod--eu_1.x`" in text
    assert environment_from_body(text) == "prod--eu_1.x"
    assert body(environment="eu-west-1").startswith("<!-- promoter:environment=eu-west-1 -->")


@settings(max_examples=80, deadline=None)
@given(name=st.one_of(st.from_regex(r"\A[A-Za-z0-9][A-Za-z0-9._-]*\Z"),
                      st.text(st.characters(codec="utf-8"), min_size=1, max_size=20)))
def test_any_environment_name_round_trips_through_a_closed_marker(name: str) -> None:
    text = body(environment=name)
    marker = text.split("\n", 1)[0]
    inside = marker.removeprefix("<!--").removesuffix("-->")
    assert marker.startswith("<!-- ") and marker.endswith(" -->")
    assert "--" not in inside and "<" not in inside and ">" not in inside
    assert environment_from_body(text) == name


# --------------------------------------------------------------------------- trimming


def test_huge_rendered_diff_is_trimmed_to_the_limit() -> None:
    rendered = huge_diff(5000, "rendered")
    text = body(rendered_diff=rendered)

    assert len(text) <= GITHUB_BODY_LIMIT
    assert len(text) > GITHUB_BODY_LIMIT - 200  # and it uses the room it has
    overlay_block, rendered_block = fenced_blocks(text)
    assert overlay_block == OVERLAY_DIFF.rstrip("\n").split("\n")  # the overlay diff is whole
    assert rendered.startswith("\n".join(rendered_block) + "\n")  # a prefix, cut at a line
    trimmed = TRIMMED.findall(text)
    assert trimmed == [str(5000 - len(rendered_block))]


def test_overlay_diff_is_trimmed_only_after_the_rendered_diff_is_gone() -> None:
    overlay = huge_diff(3000, "overlay")
    rendered = huge_diff(3000, "rendered")
    text = body(overlay_diff=overlay, rendered_diff=rendered)

    assert len(text) <= GITHUB_BODY_LIMIT
    blocks = fenced_blocks(text)
    assert len(blocks) == 1  # the rendered diff kept no line, only its note
    assert overlay.startswith("\n".join(blocks[0]) + "\n")
    assert TRIMMED.findall(text) == [str(3000 - len(blocks[0])), "3000"]
    assert text.index("### Overlay diff") < text.index("### Rendered manifests diff")


def test_a_small_limit_trims_table_rows_last() -> None:
    images = [ImageDelta(f"ghcr.io/acme/service-{i:03d}", "1", "2", None, None) for i in range(400)]
    text = body(images=images, overlay_diff="+a\n", rendered_diff="+b\n", limit=4000)
    assert len(text) <= 4000
    shown = text.count("| `ghcr.io/acme/service-")
    assert 0 < shown < 400
    assert f"… {400 - shown} more images not shown" in text
    assert TRIMMED.findall(text) == ["1", "1"]


def test_a_limit_too_small_for_the_header_is_an_error() -> None:
    with pytest.raises(ValueError, match="too small"):
        body(limit=50)


@settings(max_examples=60, deadline=None)
@given(
    overlay=st.lists(st.text(st.characters(codec="utf-8"), max_size=80),
                     max_size=60),
    rendered=st.lists(st.text(st.characters(codec="utf-8"), max_size=200),
                      max_size=200),
    limit=st.integers(min_value=900, max_value=20000),
)
def test_any_body_fits_keeps_its_fences_balanced_and_its_marker(
    overlay: list[str], rendered: list[str], limit: int
) -> None:
    overlay_diff = "".join(line.replace("\n", " ") + "\n" for line in overlay)
    rendered_diff = "".join(line.replace("\n", " ") + "\n" for line in rendered)
    text = body(overlay_diff=overlay_diff, rendered_diff=rendered_diff, limit=limit)
    assert len(text) <= limit
    assert environment_from_body(text) == "production"
    blocks = fenced_blocks(text)
    notes = [int(n) for n in TRIMMED.findall(text)]
    kept = sum(len(block) for block in blocks)
    assert kept + sum(notes) == _line_count(overlay) + _line_count(rendered)


def _line_count(lines: list[str]) -> int:
    return 0 if lines == [""] else len(lines)  # a diff that is one newline has no lines


@settings(max_examples=60, deadline=None)
@given(
    lines=st.lists(st.text(alphabet="+- a`\t", max_size=30), max_size=40),
    keep_fraction=st.floats(min_value=0, max_value=1),
)
def test_section_length_is_computed_exactly(lines: list[str], keep_fraction: float) -> None:
    section = _DiffSection("Overlay diff", "".join(line + "\n" for line in lines))
    keep = round(keep_fraction * section.lines_count)
    assert section.length(keep) == len(section.render(keep))
