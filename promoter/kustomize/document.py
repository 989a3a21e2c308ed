"""A kustomization file composed with ruamel.yaml: its nodes with their exact character offsets,
the `images:` entries read from them (read_images), and positions in the text.

Nothing here dumps YAML: the splice engine edits the text at these offsets.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentEndEvent, DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.tokens import BlockEntryToken, ScalarToken

from promoter.errors import KustomizationError
from promoter.kustomize.composer import MAX_FLOW_DEPTH, FlowTooDeep, compose_recorded
from promoter.kustomize.entries import KEY_ATTRS, ImageEntry
from promoter.kustomize.scalars import MERGE_TAG, NULL_TAG, is_kustomize_string
from promoter.yamlbounds import MAX_DEPTH, check_aliases, check_text, depth_bounded

_BOM = "\ufeff"


@dataclass
class ParsedField:
    """One key of an images entry and its value node."""

    key: ScalarNode
    value: Node


@dataclass
class ParsedEntry:
    """One images entry: its mapping node, the fields promoter knows, and what they say."""

    node: MappingNode
    fields: dict[str, ParsedField]
    image: ImageEntry


@dataclass
class Document:
    """A composed kustomization. `source` names the file in errors (a repository-relative path);
    token_start maps a scalar's end offset to where its token (quotes included) starts; dashes
    are the offsets of the block-list dashes; doc_end is where the first document's text ends."""

    text: str
    source: str
    root: MappingNode | None
    images_key: ScalarNode | None = None
    images: Node | None = None
    entries: list[ParsedEntry] = field(default_factory=list)
    token_start: dict[int, int] = field(default_factory=dict)
    dashes: list[int] = field(default_factory=list)
    doc_end: int | None = None

    @property
    def eol(self) -> str:
        newline = self.text.find("\n")
        return "\r\n" if newline > 0 and self.text[newline - 1] == "\r" else "\n"

    def where(self, node: Node) -> str:
        return f"{self.source}:{node.start_mark.line + 1}"

    def error(self, node: Node | None, message: str, hint: str | None = None) -> KustomizationError:
        place = self.where(node) if node is not None else self.source
        return KustomizationError(f"{place}: {message}", hint=hint)


def safe_yaml() -> YAML:
    """A fresh pure-Python safe loader (its marks give character offsets), composing at most
    promoter.yamlbounds.MAX_DEPTH levels deep."""
    yaml = YAML(typ="safe", pure=True)
    yaml.max_depth = MAX_DEPTH
    return yaml


def _describe(exc: YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}" if mark else str(problem)


def _check_line_breaks(text: str, source: str) -> None:
    if re.search(r"\r(?!\n)", text):
        raise KustomizationError(
            f"{source} uses bare CR line breaks", hint="convert it to LF or CRLF line endings"
        )


def _compose(text: str, source: str) -> tuple[list[Node], list[Any], list[Any]]:
    """Nodes, events and tokens of text, within promoter.yamlbounds' limits: refused when too
    large before parsing, too deep while composing, or when its aliases would expand too far."""
    check_text(text, source, KustomizationError)
    _check_line_breaks(text, source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with depth_bounded(safe_yaml(), source, KustomizationError) as yaml:
                nodes, events, tokens = compose_recorded(yaml, text)
    except FlowTooDeep as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark is not None else "?"
        raise KustomizationError(
            f"{source}:{line}: flow collections ([...], {{...}}) nested more than "
            f"{MAX_FLOW_DEPTH} levels deep",
            hint=f"promoter reads flow collections nested at most {MAX_FLOW_DEPTH} levels; write "
            "them in block style") from exc
    except YAMLError as exc:
        raise KustomizationError(
            f"{source} is not valid YAML ({_describe(exc)})", hint="fix the YAML syntax and retry"
        ) from exc
    for node in nodes:
        check_aliases(node, source, KustomizationError)
    return nodes, events, tokens


def walk(node: Node) -> Iterator[Node]:
    """Every node once (aliases resolve to the anchored node), in document order."""
    seen: set[int] = set()
    stack = [node]
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        if isinstance(current, MappingNode):
            stack.extend(reversed([n for pair in current.value for n in pair]))
        elif isinstance(current, SequenceNode):
            stack.extend(reversed(current.value))


def _check_duplicates(doc: Document, root: Node) -> None:
    for node in walk(root):
        if not isinstance(node, MappingNode):
            continue
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or str(key.tag) == MERGE_TAG:
                continue
            ident = (str(key.tag), key.value)
            if ident in seen:
                raise doc.error(
                    key,
                    f"duplicate key {key.value!r} (first at line {seen[ident]}); "
                    "kustomize rejects duplicate keys",
                    hint="remove one of the two",
                )
            seen[ident] = key.start_mark.line + 1


def load_document(text: str, source: str, *, strict: bool) -> Document:
    """Compose text. strict (reading) refuses values kustomize would not read as strings; an
    edit loads without it and leaves such values as they are."""
    nodes, events, tokens = _compose(text, source)
    nodes = nodes[:1] + [n for n in nodes[1:] if not is_empty(n)]  # `---` at the end is fine
    if len(nodes) > 1:
        raise KustomizationError(
            f"{source} holds {len(nodes)} YAML documents; kustomize reads only one",
            hint="keep a single document in the kustomization file",
        )
    doc = Document(text=text, source=source, root=None)
    scalars = [t for t in tokens if isinstance(t, ScalarToken)]
    doc.token_start = {t.end_mark.index: t.start_mark.index for t in scalars}
    doc.dashes = sorted(t.start_mark.index for t in tokens if isinstance(t, BlockEntryToken))
    doc.doc_end = _first_document_end(events)
    root = nodes[0] if nodes else None
    if root is None or (isinstance(root, ScalarNode) and str(root.tag) == NULL_TAG):
        return doc
    if not isinstance(root, MappingNode):
        raise doc.error(root, "the top level is not a mapping", hint="a kustomization is a mapping")
    _check_duplicates(doc, root)
    doc.root = root
    _locate_images(doc, strict=strict)
    return doc


def _first_document_end(events: list[Any]) -> int | None:
    """Where the first document's text ends: its `...`, else the `---` of a next document."""
    boundaries = [e for e in events if isinstance(e, DocumentStartEvent | DocumentEndEvent)]
    if len(boundaries) >= 2 and boundaries[1].explicit:
        return int(boundaries[1].start_mark.index)
    if len(boundaries) >= 3:
        return int(boundaries[2].start_mark.index)
    return None


def _locate_images(doc: Document, *, strict: bool) -> None:
    assert doc.root is not None
    for key, value in doc.root.value:
        if isinstance(key, ScalarNode) and str(key.tag) == MERGE_TAG:
            raise doc.error(key, "the top-level mapping uses a merge key (<<)", hint="inline it")
        if isinstance(key, ScalarNode) and key.value == "images":
            doc.images_key, doc.images = key, value
    images = doc.images
    if images is None or (isinstance(images, ScalarNode) and str(images.tag) == NULL_TAG):
        return
    if not isinstance(images, SequenceNode):
        raise doc.error(images, "`images` is not a list", hint="write `images:` as a list")
    doc.entries = [_read_entry(doc, item, i, strict=strict) for i, item in enumerate(images.value)]


def _read_entry(doc: Document, item: Node, index: int, *, strict: bool) -> ParsedEntry:
    if not isinstance(item, MappingNode):
        raise doc.error(
            item, f"images entry {index + 1} is not a mapping", hint="use - name: IMAGE"
        )
    fields: dict[str, ParsedField] = {}
    for key, value in item.value:
        if isinstance(key, ScalarNode) and key.value in KEY_ATTRS:
            fields[key.value] = ParsedField(key, value)
    values = {KEY_ATTRS[k]: _field_text(doc, k, f, strict=strict) for k, f in fields.items()}
    name = values.pop("name", None)
    if name is None:
        raise doc.error(item, f"images entry {index + 1} has no name", hint="add `name: IMAGE`")
    return ParsedEntry(item, fields, ImageEntry(name=name, **values))


def _field_text(doc: Document, key: str, fld: ParsedField, *, strict: bool) -> str | None:
    node = fld.value
    if not isinstance(node, ScalarNode):
        raise doc.error(node, f"`{key}` is not a string", hint=f"write `{key}: VALUE`")
    if node.style is None and (node.value == "" or str(node.tag) == NULL_TAG):
        return None
    if strict and not is_kustomize_string(doc.text, node):
        raise doc.error(
            node,
            f"`{key}: {node.value}` is read as a number or boolean, and kustomize rejects it",
            hint=f'quote it: {key}: "{node.value}"',
        )
    return node.value or None


def read_images(text: str, *, source: str = "kustomization") -> list[ImageEntry]:
    """The `images:` entries of a kustomization (empty when there is no `images:`)."""
    return [entry.image for entry in load_document(text, source, strict=True).entries]


# --- positions in the text ------------------------------------------------------------------------


def line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def line_end(text: str, index: int) -> int:
    """Index just after the line break ending the line that holds index-1 (len(text) at EOF)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def column(doc: Document, index: int) -> int:
    start = line_start(doc.text, index)
    bom = 1 if start == 0 and doc.text.startswith(_BOM) else 0
    return index - start - bom


def after_colon(doc: Document, key: ScalarNode) -> int:
    index: int = key.end_mark.index
    while index < len(doc.text) and doc.text[index] in " \t":
        index += 1
    if not doc.text.startswith(":", index):
        raise doc.error(key, f"cannot find the ':' after `{key.value}`", hint="use `key: value`")
    return index + 1


def is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value == ""


def pair_end(doc: Document, key: Node, value: Node) -> int:
    """Where the text of a key/value pair ends (an empty value ends at the colon)."""
    if is_empty(value):
        assert isinstance(key, ScalarNode)
        return after_colon(doc, key)
    return content_end(doc, value)


def content_end(doc: Document, node: Node) -> int:
    """End of a node's own text; block collections end where their last child ends."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return pair_end(doc, *node.value[-1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return content_end(doc, node.value[-1])
    end: int = node.end_mark.index
    return end


def token_span(doc: Document, node: ScalarNode) -> tuple[int, int]:
    end = node.end_mark.index
    start = doc.token_start.get(end)
    if start is None or start < node.start_mark.index:
        raise doc.error(node, "cannot locate this value in the text", hint="simplify its syntax")
    return start, end
