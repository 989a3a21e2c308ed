"""Property tests: generated kustomization files in many layouts, edited with generated tags.

Layouts: list offsets 0/1/2/4, 2-4 columns from dash to key, nested-mapping indents 1/2/4,
block or flow lists, flow mappings inside block lists, random key orders, plain/single/double
quoting, inline and whole-line comments, blank lines, other keys whose plain scalars a round trip
would rewrite (`12e4567`, `0123`, `yes`), `---`/`...` markers, CRLF, missing final newline.
Tags lean to what YAML misreads: all digits, `\\d+e\\d+`, hex, `true`, `0x1f`...

Properties: the edit is idempotent; the file parses to the intended entry (strings under YAML 1.1
and 1.2) with every other entry unchanged; bytes outside the edited entry (or, for a new entry,
outside the images section / the end of the document) are unchanged; inside the entry, every
line that does not hold a changed key survives; a quoted tag keeps its quote character.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageChange, ImageEntry, apply_change, find_entry
from promoter.kustomize.splice import set_image_text

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

NAMES = ["web", "api", "ghcr.io/acme/web", "localhost:5000/app", "nginx", "1234", "r.io:443/t/s"]
NEW_NAMES = ["mirror.example.com/web", "quay.io/acme/api", "localhost:5001/x", "12345/abc"]
DIGESTS = ["sha256:" + c * 64 for c in "0a7f"]
TRICKY = [
    "1234567", "12e4567", "1e10", "00123", "0x1f", "0o17", "true", "yes", "on", "y", "n",
    "null", "Null", "1.10", "1_000", "0", "08", "2001-01-01", "1.", "latest", "v1.2.3", "Y",
]  # fmt: skip
KEYS = ("name", "newName", "newTag", "digest")

TAGS = st.one_of(
    st.from_regex(r"\A[0-9]{1,12}\Z"),
    st.from_regex(r"\A[0-9]{7}\Z"),
    st.from_regex(r"\A[0-9]{1,6}e[0-9]{1,6}\Z"),
    st.from_regex(r"\A[0-9a-f]{7,40}\Z"),
    st.sampled_from(TRICKY),
    st.from_regex(r"\A[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}\Z"),
)


def is_plain_string(value: str) -> bool:
    """Independent of promoter: a plain scalar that YAML 1.1 and 1.2 both read as this string."""
    return all(load(f"v: {value}\n", version) == {"v": value} for version in ((1, 1), (1, 2)))


@dataclass(frozen=True)
class Piece:
    text: str
    entry: int | None = None  # which images entry this text belongs to
    images: bool = False  # part of the images section outside entries
    end_marker: bool = False  # the `...` line


@dataclass(frozen=True)
class Generated:
    pieces: tuple[Piece, ...]
    entries: tuple[dict[str, str], ...]
    quotes: tuple[dict[str, str], ...]  # quote char ('' for plain) per entry and key

    @property
    def text(self) -> str:
        return "".join(piece.text for piece in self.pieces)

    def span(self, predicate: Any) -> tuple[int, int] | None:
        offset, first, last = 0, None, None
        for piece in self.pieces:
            if predicate(piece):
                first = offset if first is None else first
                last = offset + len(piece.text)
            offset += len(piece.text)
        return None if first is None else (first, last if last is not None else first)


def quoted(draw: st.DrawFn, value: str) -> tuple[str, str]:
    options = ["'", '"'] + ([""] if is_plain_string(value) else [])
    quote = draw(st.sampled_from(options))
    return quote + value + quote, quote


@st.composite
def entry_values(draw: st.DrawFn, name: str) -> dict[str, str]:
    values = {"name": name}
    if draw(st.booleans()):
        values["newName"] = draw(st.sampled_from(NEW_NAMES))
    if draw(st.integers(0, 3)):
        values["newTag"] = draw(TAGS)
    if draw(st.integers(0, 3)) == 0:
        values["digest"] = draw(st.sampled_from(DIGESTS))
    return values


def key_order(draw: st.DrawFn, values: dict[str, str]) -> list[str]:
    keys = [k for k in KEYS if k in values]
    return keys if draw(st.booleans()) else draw(st.permutations(keys))


def block_entry(
    draw: st.DrawFn, values: dict[str, str], dash_col: int, gap: int
) -> tuple[str, dict[str, str]]:
    lines, quotes = [], {}
    for i, key in enumerate(key_order(draw, values)):
        text, quotes[key] = quoted(draw, values[key])
        lead = " " * dash_col + "-" + " " * (gap - 1) if i == 0 else " " * (dash_col + gap)
        if i and draw(st.integers(0, 2)) == 0:
            lines.append(" " * (dash_col + gap) + "# about " + key)
        comment = draw(st.sampled_from(["", "", "", "  # pinned", " #x"]))
        lines.append(f"{lead}{key}: {text}{comment}")
    return "".join(line + "\n" for line in lines), quotes


def flow_entry(draw: st.DrawFn, values: dict[str, str]) -> tuple[str, dict[str, str]]:
    parts, quotes = [], {}
    for key in key_order(draw, values):
        text, quotes[key] = quoted(draw, values[key])
        parts.append(f"{key}: {text}")
    pad = draw(st.sampled_from(["", " "]))
    return "{" + pad + ", ".join(parts) + pad + "}", quotes


def images_section(
    draw: st.DrawFn, entries: list[dict[str, str]], offset: int, listed: bool
) -> tuple[list[Piece], list[dict[str, str]]]:
    kinds = ["block", "block", "flow"] if listed else ["null", "tilde", "empty-flow", "block"]
    kind = draw(st.sampled_from(kinds))
    if kind == "null" or (not entries and kind in ("block", "flow")):
        return [Piece("images:\n", images=True)], []
    if kind == "tilde":
        return [Piece("images: ~  # none yet\n", images=True)], []
    if kind == "empty-flow":
        return [Piece("images: []\n", images=True)], []
    if kind == "flow":
        return flow_images(draw, entries)
    gap = draw(st.sampled_from([2, 2, 3, 4]))
    pieces, quotes = [Piece("images:\n", images=True)], []
    for index, values in enumerate(entries):
        if draw(st.integers(0, 4)) == 0:
            pieces.append(Piece(" " * offset + "# entry note\n", images=True))
        if draw(st.integers(0, 3)) == 0:
            text, quote = flow_entry(draw, values)
            pieces.append(Piece(" " * offset + "-" + " " * (gap - 1) + text + "\n", entry=index))
        else:
            text, quote = block_entry(draw, values, offset, gap)
            pieces.append(Piece(text, entry=index))
        quotes.append(quote)
    if draw(st.booleans()):
        pieces.append(Piece(" " * offset + "# - name: retired\n", images=True))
    return pieces, quotes


def flow_images(
    draw: st.DrawFn, entries: list[dict[str, str]]
) -> tuple[list[Piece], list[dict[str, str]]]:
    multiline = draw(st.booleans())
    sep = ",\n  " if multiline else ", "
    pieces = [Piece("images: [\n  " if multiline else "images: [", images=True)]
    quotes = []
    for index, values in enumerate(entries):
        if index:
            pieces.append(Piece(sep, images=True))
        text, quote = flow_entry(draw, values)
        pieces.append(Piece(text, entry=index))
        quotes.append(quote)
    pieces.append(Piece(",\n]\n" if multiline else "]\n", images=True))
    return pieces, quotes


def extra_pieces(draw: st.DrawFn, offset: int) -> list[Piece]:
    indent = " " * draw(st.sampled_from([1, 2, 4]))
    extras = [
        "resources:\n" + "".join(" " * offset + f"- {f}\n" for f in ("a.yaml", "b/")),
        "namePrefix: dev-\n",
        f"commonAnnotations:\n{indent}build: 12e4567\n{indent}zip: 0123\n{indent}flag: yes\n",
        "# a comment line\n",
        "\n",
        "nameSuffix: '-x'\n",
        'apiVersion: "kustomize.config.k8s.io/v1beta1"\nkind: Kustomization\n',
    ]
    chosen = draw(st.lists(st.sampled_from(extras), max_size=5, unique=True))
    return [Piece(text) for text in chosen]


@st.composite
def kustomizations(draw: st.DrawFn, listed: bool = False) -> Generated:
    """A kustomization; with listed, `images:` is a list with at least one entry."""
    offset = draw(st.sampled_from([0, 0, 1, 2, 4]))
    names = draw(
        st.lists(
            st.sampled_from(NAMES),
            min_size=1 if listed else draw(st.sampled_from([0, 1])),
            max_size=4,
            unique=True,
        )
    )
    entries = [draw(entry_values(name)) for name in names]
    new_names = [e["newName"] for e in entries if "newName" in e]
    if len(set(new_names)) != len(new_names):  # keep newName lookups unambiguous
        for values in entries[1:]:
            values.pop("newName", None)
    extras = extra_pieces(draw, offset)
    pieces: list[Piece] = [Piece("---\n")] if draw(st.booleans()) else []
    quotes: list[dict[str, str]] = []
    if draw(st.integers(0, 5)) or entries:
        section, quotes = images_section(draw, entries, offset, listed)
        if not quotes:
            entries = []
        at = draw(st.integers(0, len(extras)))
        pieces += extras[:at] + section + extras[at:]
    else:
        pieces += extras
    if not any(":" in piece.text for piece in pieces):
        pieces.append(Piece("namePrefix: dev-\n"))  # `...` needs a document before it
    if draw(st.booleans()):
        pieces.append(Piece("...\n", end_marker=True))
    return Generated(tuple(pieces), tuple(entries), tuple(quotes))


@st.composite
def line_endings(draw: st.DrawFn, generated: Generated) -> Generated:
    pieces = list(generated.pieces)
    if draw(st.booleans()):
        pieces = [
            Piece(p.text.replace("\n", "\r\n"), p.entry, p.images, p.end_marker) for p in pieces
        ]
    if draw(st.booleans()):
        for index in reversed(range(len(pieces))):
            piece = pieces[index]
            stripped = piece.text.rstrip("\r\n")
            pieces[index] = Piece(stripped, piece.entry, piece.images, piece.end_marker)
            if stripped:
                break
    return Generated(tuple(pieces), generated.entries, generated.quotes)


@st.composite
def cases(draw: st.DrawFn, existing_entry: bool = False) -> tuple[Generated, ImageChange]:
    generated = draw(line_endings(draw(kustomizations(listed=existing_entry))))
    existing = [e["name"] for e in generated.entries]
    existing += [e["newName"] for e in generated.entries if "newName" in e]
    fresh = [n for n in NAMES if n not in existing]
    if existing and (existing_entry or draw(st.booleans())):
        name = draw(st.sampled_from(existing))
    else:
        name = draw(st.sampled_from(fresh))
    change = ImageChange(
        name,
        new_name=draw(st.sampled_from([None, None, None, *NEW_NAMES])),
        new_tag=draw(st.one_of(TAGS, TAGS, TAGS, st.none())),
        digest=draw(st.sampled_from([None, None, None, *DIGESTS])),
    )
    renames_a_match = name not in [e["name"] for e in generated.entries] and name in existing
    if change.new_name is not None and (change.new_name in existing or renames_a_match):
        # Renaming the entry found through its newName would make the next lookup miss it.
        change = ImageChange(name, new_tag=change.new_tag, digest=change.digest)
    return generated, change


# --------------------------------------------------------------------------- checks


def load(text: str, version: tuple[int, int]) -> Any:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = version
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # YAML 1.1 float without a dot: that is what we test
        return yaml.load(text)


def edited_region(generated: Generated, target: int | None) -> tuple[int, int]:
    if target is not None:
        span = generated.span(lambda p: p.entry == target)
    else:
        span = generated.span(lambda p: p.images or p.entry is not None)
    if span is None:  # no images section: the new key goes before `...` or at the end
        marker = generated.span(lambda p: p.end_marker)
        end = marker[0] if marker else len(generated.text)
        span = (end, end)
    return span


def check_confined(before: str, after: str, region: tuple[int, int]) -> tuple[str, str]:
    start, end = region
    tail = len(before) - end
    assert after[:start] == before[:start]
    assert after[len(after) - tail :] == before[end:]
    return before[start:end], after[start : len(after) - tail]


def body(line: str) -> str:
    return line.strip().removeprefix("-").strip()


def check_lines_survive(old: str, new: str, changed: set[str]) -> None:
    """Lines of the old entry that hold no changed key appear in the new one, in order (the
    `- ` may move to the next key when the first key goes)."""
    new_lines = iter(new.splitlines())
    for line in old.splitlines():
        if any(body(line).startswith(f"{key}:") for key in changed) or "{" in line:
            continue
        assert any(body(candidate) == body(line) for candidate in new_lines), line


@SETTINGS
@given(cases())
def test_edit_properties(case: tuple[Generated, ImageChange]) -> None:
    check_case(*case)


@SETTINGS
@given(cases(existing_entry=True))
def test_edit_existing_entry_properties(case: tuple[Generated, ImageChange]) -> None:
    check_case(*case)


def check_case(generated: Generated, change: ImageChange) -> None:
    before = generated.text
    after = set_image_text(before, change)
    assert set_image_text(after, change) == after

    entries_before = read_images(before)
    entry = find_entry(entries_before, change.name)
    wanted = apply_change(entry, change)
    entries_after = read_images(after)
    assert find_entry(entries_after, change.name) == wanted
    others = [e for e in entries_after if e.name != wanted.name]
    assert others == [e for e in entries_before if e.name != wanted.name]
    position = entries_after.index(wanted)
    for version in ((1, 1), (1, 2)):
        item = load(after, version)["images"][position]
        assert {k: v for k, v in item.items() if k in KEYS} == as_yaml(wanted)

    target = entries_before.index(entry) if entry is not None else None
    event("existing entry" if target is not None else "new entry")
    event("CRLF" if "\r\n" in before else "LF")
    event("changed" if after != before else "unchanged")
    old, new = check_confined(before, after, edited_region(generated, target))
    if target is not None:
        changed = {k for k in KEYS if entry_value(entry, k) != entry_value(wanted, k)}
        check_lines_survive(old, new, changed)
        quote = generated.quotes[target].get("newTag", "")
        if quote and "newTag" in changed and wanted.new_tag is not None:
            assert f"newTag: {quote}{wanted.new_tag}{quote}" in new
    assert after.endswith("\n") == before.endswith("\n")
    if "\r\n" in before:
        assert after.count("\n") == after.count("\r\n")
    else:
        assert "\r" not in after


def entry_value(entry: ImageEntry | None, key: str) -> str | None:
    return None if entry is None else entry.value(key)


def as_yaml(entry: ImageEntry) -> dict[str, str]:
    return {k: v for k in KEYS if (v := entry.value(k)) is not None}


@SETTINGS
@given(kustomizations())
def test_generated_files_read_back(generated: Generated) -> None:
    """The generator itself is sound: read_images sees exactly the generated entries."""
    entries = read_images(generated.text)
    assert [as_yaml(e) for e in entries] == list(generated.entries)
