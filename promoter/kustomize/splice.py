"""The byte-exact splice engine: one image change applied to a kustomization's text.

The file is never round-tripped through a YAML dumper. The composed document's marks give exact
character offsets; the edit splices new text at those offsets and leaves every other byte alone
(comments, blank lines, quoting, indentation, CRLF, BOM, missing final newline, document
markers). The list is never re-sorted; a new entry is appended in the style of its siblings. The
result is checked (promoter.kustomize.check) before it is returned, so a wrong splice raises
instead of reaching the disk.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

from ruamel.yaml.nodes import Node, ScalarNode, SequenceNode

from promoter.errors import UsageError
from promoter.kustomize.arguments import ARG_FORMS, validate_change
from promoter.kustomize.check import verify_edit
from promoter.kustomize.document import (
    Document,
    ParsedEntry,
    ParsedField,
    after_colon,
    column,
    content_end,
    is_empty,
    line_end,
    line_start,
    load_document,
    pair_end,
    token_span,
    walk,
)
from promoter.kustomize.entries import (
    FIELDS,
    KEY_ORDER,
    ImageChange,
    ImageEntry,
    apply_change,
    find_index,
)
from promoter.kustomize.scalars import QUOTES, format_scalar, is_kustomize_string, needs_quotes


def set_image_text(text: str, change: ImageChange, *, source: str = "kustomization") -> str:
    """The kustomization text with one image change applied, byte-exact; text itself if no-op."""
    validate_change(change)
    doc = load_document(text, source, strict=False)
    _refuse_anchors(doc)
    index = find_index([entry.image for entry in doc.entries], change.name, source)
    current = doc.entries[index] if index is not None else None
    want = apply_change(current.image if current else None, change)
    style = _style(doc)
    if current is not None:
        splices = _entry_splices(doc, current, want, style)
    else:
        splices = _append_splices(doc, want, style)
    if not splices:
        return text
    after = _apply(doc, splices)
    verify_edit(doc, after, index, want)
    return after


def set_images_text(text: str, changes: Sequence[ImageChange], *, source: str) -> str:
    """text with every change applied in order (UsageError when there is none)."""
    if not changes:
        raise UsageError("no image given", hint=f"use {ARG_FORMS}")
    for change in changes:
        text = set_image_text(text, change, source=source)
    return text


def _refuse_anchors(doc: Document) -> None:
    images = doc.images
    if images is None:
        return
    for node in walk(images):
        if node.anchor is not None:
            raise doc.error(
                node,
                f"`images` uses the YAML anchor/alias &{node.anchor}; editing it would also change "
                "every place that shares it",
                hint="write the images entries out without anchors or aliases",
            )


# --- splices --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str


def _apply(doc: Document, splices: Sequence[_Splice]) -> str:
    """Apply non-overlapping splices; a file without a final line break keeps lacking one."""
    ordered = sorted(splices, key=lambda s: (s.start, s.end), reverse=True)
    text, limit = doc.text, len(doc.text)
    for splice in ordered:
        if splice.end > limit:
            raise doc.error(None, "internal error: overlapping edits", hint="please report this")
        text = text[: splice.start] + splice.text + text[splice.end :]
        limit = splice.start
    if doc.text and not doc.text.endswith("\n") and text.endswith("\n"):
        text = text.removesuffix("\n").removesuffix("\r")
    return text


def _insert_lines(doc: Document, index: int, lines: Sequence[str]) -> _Splice:
    """Insert whole lines at a line start; at EOF without a final newline, keep it without one."""
    block = doc.eol.join(lines)
    if index == len(doc.text) and doc.text and not doc.text.endswith("\n"):
        return _Splice(index, index, doc.eol + block)
    return _Splice(index, index, block + doc.eol)


@dataclass(frozen=True)
class _Style:
    """Quoting taken from the file: a preferred quote, and per-key quotes of sibling entries."""

    preferred: str
    by_key: dict[str, str]

    def of(self, key: str) -> str | None:
        return self.by_key.get(key)


def _style(doc: Document) -> _Style:
    by_key: dict[str, str] = {}
    preferred_in_images: list[str] = []
    for entry in doc.entries:
        for key, fld in entry.fields.items():
            node = fld.value
            if isinstance(node, ScalarNode) and node.style in QUOTES:
                preferred_in_images.append(node.style)
                if not needs_quotes(node.value):  # quoted by choice, not by necessity
                    by_key[key] = node.style
    nodes = walk(doc.root) if doc.root is not None else iter(())
    quoted = [n.style for n in nodes if isinstance(n, ScalarNode) and n.style in QUOTES]
    preferred = next(iter(preferred_in_images + quoted), '"')
    return _Style(preferred=preferred, by_key=by_key)


def _entry_pairs(entry: ImageEntry, style: _Style) -> list[tuple[str, str]]:
    pairs = []
    for key in KEY_ORDER:
        value = entry.value(key)
        if value is not None:
            pairs.append((key, format_scalar(value, style.of(key), style.preferred)))
    return pairs


def _block_entry_lines(entry: ImageEntry, style: _Style, dash_col: int, key_col: int) -> list[str]:
    pairs = _entry_pairs(entry, style)
    gap = max(1, key_col - dash_col - 1)
    lines = [" " * dash_col + "-" + " " * gap + f"{pairs[0][0]}: {pairs[0][1]}"]
    lines += [" " * (dash_col + 1 + gap) + f"{key}: {value}" for key, value in pairs[1:]]
    return lines


def _flow_entry(entry: ImageEntry, style: _Style, pad: bool) -> str:
    inner = ", ".join(f"{key}: {value}" for key, value in _entry_pairs(entry, style))
    space = " " if pad else ""
    return "{" + space + inner + space + "}"


# --- editing an existing entry


def _entry_splices(
    doc: Document, entry: ParsedEntry, want: ImageEntry, style: _Style
) -> list[_Splice]:
    removed = {
        key
        for key in FIELDS
        if want.value(key) is None and key in entry.fields and entry.image.value(key) is not None
    }
    splices = [splice for key in sorted(removed) for splice in _remove_field(doc, entry, key)]
    for key in FIELDS:
        have, value = entry.fields.get(key), want.value(key)
        if value is None:
            continue
        if have is None:
            formatted = format_scalar(value, style.of(key), style.preferred)
            splices.append(_insert_field(doc, entry, key, formatted, removed))
        elif not _holds(doc, have.value, value):
            splices.append(_replace_value(doc, have, value, style.preferred))
    return splices


def _holds(doc: Document, node: Node, value: str) -> bool:
    return (
        isinstance(node, ScalarNode)
        and node.value == value
        and is_kustomize_string(doc.text, node)
    )


def _replace_value(doc: Document, fld: ParsedField, value: str, preferred: str) -> _Splice:
    node = fld.value
    assert isinstance(node, ScalarNode)
    if node.style in ("|", ">"):
        raise doc.error(node, f"`{fld.key.value}` is a block scalar", hint="write it on one line")
    if is_empty(node):
        at = after_colon(doc, fld.key)
        return _Splice(at, at, " " + format_scalar(value, None, preferred))
    start, end = token_span(doc, node)
    return _Splice(start, end, format_scalar(value, node.style, preferred))


def _predecessor(entry: ParsedEntry, key: str, removed: set[str]) -> ParsedField:
    """The field a new key goes after: the closest one before it in name/newName/newTag order
    that stays (`name` always does)."""
    before = KEY_ORDER[: KEY_ORDER.index(key)]
    return next(entry.fields[k] for k in reversed(before) if k in entry.fields and k not in removed)


def _insert_field(
    doc: Document, entry: ParsedEntry, key: str, formatted: str, removed: set[str]
) -> _Splice:
    prev = _predecessor(entry, key, removed)
    end = pair_end(doc, prev.key, prev.value)
    if entry.node.flow_style:
        return _Splice(end, end, f", {key}: {formatted}")
    col = column(doc, entry.node.value[0][0].start_mark.index)
    return _insert_lines(doc, line_end(doc.text, end), [" " * col + f"{key}: {formatted}"])


def _remove_field(doc: Document, entry: ParsedEntry, key: str) -> list[_Splice]:
    pairs = entry.node.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is entry.fields[key].key)
    if entry.node.flow_style:
        return [_remove_flow_pair(doc, pairs, index)]
    key_start = pairs[index][0].start_mark.index
    start_of_line = line_start(doc.text, key_start)
    end = line_end(doc.text, pair_end(doc, *pairs[index]))
    if doc.text[start_of_line:key_start].strip():
        return _remove_first_key(doc, start_of_line, key_start, end, pairs[index + 1][0])
    return [_Splice(start_of_line, end, "")]  # at EOF, _apply drops the line break left behind


def _remove_first_key(
    doc: Document, start_of_line: int, key_start: int, end: int, next_key: Node
) -> list[_Splice]:
    """Remove the key on the `- ` line: the dash moves to the next key; comment lines between
    the two move above the entry."""
    next_start = next_key.start_mark.index
    between = doc.text[end : line_start(doc.text, next_start)]
    splices = [_Splice(key_start, next_start, "")]
    if between:
        splices.append(_Splice(start_of_line, start_of_line, between))
    return splices


def _remove_flow_pair(doc: Document, pairs: Sequence[tuple[Node, Node]], index: int) -> _Splice:
    end = pair_end(doc, *pairs[index])
    if index > 0:
        return _Splice(pair_end(doc, *pairs[index - 1]), end, "")
    return _Splice(pairs[0][0].start_mark.index, pairs[1][0].start_mark.index, "")


# --- appending a new entry


def _append_splices(doc: Document, want: ImageEntry, style: _Style) -> list[_Splice]:
    images = doc.images
    if doc.root is not None and doc.root.flow_style:
        raise doc.error(doc.root, "the top-level mapping is in flow style", hint="use block style")
    if images is None:
        return [_add_images_key(doc, want, style)]
    if isinstance(images, ScalarNode):
        return _fill_null_images(doc, want, style)
    assert isinstance(images, SequenceNode)
    if images.flow_style:
        return [_append_flow(doc, images, want, style)]
    return [_append_block(doc, want, style)]


def _dash_of(doc: Document, item: Node) -> int:
    position = bisect.bisect_left(doc.dashes, item.start_mark.index) - 1
    if position < 0:
        raise doc.error(item, "cannot find the '-' of this entry", hint="please report this")
    return doc.dashes[position]


def _append_block(doc: Document, want: ImageEntry, style: _Style) -> _Splice:
    last = doc.entries[-1].node
    dash = _dash_of(doc, last)
    dash_col = column(doc, dash)
    at = line_end(doc.text, content_end(doc, last))
    if last.flow_style:
        same_line = line_start(doc.text, last.start_mark.index) == line_start(doc.text, dash)
        gap = last.start_mark.index - dash - 1 if same_line else 1
        pad = doc.text.startswith("{ ", last.start_mark.index)
        line = " " * dash_col + "-" + " " * max(1, gap) + _flow_entry(want, style, pad)
        return _insert_lines(doc, at, [line])
    key_col = column(doc, last.value[0][0].start_mark.index)
    return _insert_lines(doc, at, _block_entry_lines(want, style, dash_col, key_col))


def _append_flow(doc: Document, images: SequenceNode, want: ImageEntry, style: _Style) -> _Splice:
    if not images.value:
        close = images.end_mark.index - 1
        if doc.text[close] != "]":
            raise doc.error(images, "cannot find the ']' closing `images`", hint="report this")
        return _Splice(close, close, _flow_entry(want, style, pad=False))
    items = images.value
    last = items[-1]
    pad = doc.text.startswith("{ ", last.start_mark.index)
    previous = items[-2].start_mark.index if len(items) > 1 else images.start_mark.index
    if line_start(doc.text, previous) != line_start(doc.text, last.start_mark.index):
        sep = "," + doc.eol + " " * column(doc, last.start_mark.index)
    else:
        sep = ", "
    end = last.end_mark.index
    return _Splice(end, end, sep + _flow_entry(want, style, pad))


def _sequence_layout(doc: Document) -> tuple[int, int]:
    """(dash offset from its key, columns from dash to item) of the file's first block list."""
    assert doc.root is not None
    for key, value in doc.root.value:
        if isinstance(value, SequenceNode) and not value.flow_style and value.value:
            dash = value.start_mark.index
            item = value.value[0].start_mark.index
            offset = column(doc, dash) - column(doc, key.start_mark.index)
            same_line = line_start(doc.text, dash) == line_start(doc.text, item)
            gap = column(doc, item) - column(doc, dash) if same_line else 2
            if offset >= 0 and gap >= 2:
                return offset, gap
    return 0, 2


def _fill_null_images(doc: Document, want: ImageEntry, style: _Style) -> list[_Splice]:
    key, node = doc.images_key, doc.images
    assert key is not None and isinstance(node, ScalarNode)
    colon = after_colon(doc, key)
    splices = []
    anchor = colon
    if node.value != "":  # an explicit `~` or `null`: drop it
        end = token_span(doc, node)[1]
        splices.append(_Splice(colon, end, ""))
        anchor = end
    offset, gap = _sequence_layout(doc)
    dash_col = column(doc, key.start_mark.index) + offset
    lines = _block_entry_lines(want, style, dash_col, dash_col + gap)
    splices.append(_insert_lines(doc, line_end(doc.text, anchor), lines))
    return splices


def _add_images_key(doc: Document, want: ImageEntry, style: _Style) -> _Splice:
    key_col, (offset, gap) = 0, (0, 2)
    if doc.root is not None and doc.root.value:
        key_col = column(doc, doc.root.value[0][0].start_mark.index)
        offset, gap = _sequence_layout(doc)
    lines = [" " * key_col + "images:"]
    lines += _block_entry_lines(want, style, key_col + offset, key_col + offset + gap)
    at = doc.doc_end if doc.doc_end is not None else len(doc.text)
    return _insert_lines(doc, at, lines)
