"""Byte-exact editing of the `images:` entries of one kustomization file.

The file is never round-tripped through a YAML dumper. ruamel.yaml only composes nodes, whose
marks give exact character offsets; the edit splices new text at those offsets and leaves every
other byte alone (comments, blank lines, quoting, indentation, CRLF, BOM, missing final newline,
document markers). The result is parsed again and compared with what was intended before it is
returned, so a wrong splice raises instead of reaching the disk.

Semantics follow `kustomize edit set image`, with these deliberate differences:
- `NAME=X` and `NAME=X@DIGEST`, where X has no ':' or '/', set the TAG X (kustomize would set
  newName X). A new name needs a registry or path (`NAME=ghcr.io/o/x`) or a tag (`NAME=x:TAG`).
- An existing entry stays where it is and keeps the fields the argument does not mention:
  setting a tag keeps `newName` (kustomize drops it unless given `*`); setting only a new name
  keeps `newTag` and `digest`. As in kustomize, a new tag without a digest removes the digest,
  and a digest without a tag removes `newTag` (`*` keeps the other one, as in kustomize).
- The list is never re-sorted; a new entry is appended in the style of its siblings.
- A name matches an entry's `name`, else an entry whose `newName` equals it.
"""

from __future__ import annotations

import bisect
import contextlib
import difflib
import math
import os
import re
import stat
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import YAMLError
from ruamel.yaml.events import DocumentEndEvent, DocumentStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.tokens import BlockEntryToken, ScalarToken

from promoter.errors import KustomizationError, UsageError

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
PRESERVE = "*"
"""`*` as new name, tag or digest keeps the value already in the file (as in kustomize)."""

ARG_FORMS = (
    "NAME=TAG, NAME:TAG, NAME@sha256:HEX, NAME=TAG@sha256:HEX, NAME=NEWNAME:TAG, "
    "NAME=NEWNAME@sha256:HEX or NAME=NEWNAME:TAG@sha256:HEX"
)

_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
_DIGEST_RE = re.compile(
    r"(?P<algo>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?P<hex>[0-9a-fA-F]{32,})"
)
_KNOWN_DIGESTS = {"sha256": re.compile(r"[0-9a-f]{64}"), "sha512": re.compile(r"[0-9a-f]{128}")}
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME_RE = re.compile(rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")
_NAME_MAX = 255

_STR = "tag:yaml.org,2002:str"
_NULL = "tag:yaml.org,2002:null"
_MERGE = "tag:yaml.org,2002:merge"
_NON_STRINGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
# What Go's yaml.v2 (behind kustomize) reads as bool, int or float on top of the YAML schemas.
_GO_BOOLS = {"y", "yes", "n", "no", "true", "false", "on", "off"}
_GO_INT_RE = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)")
_GO_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_SPECIAL_FLOAT_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@` \t")

_FIELDS = ("newName", "newTag", "digest")
_KEY_ORDER = ("name", "newName", "newTag", "digest")
_ATTRS = {
    "name": "name",
    "newName": "new_name",
    "newTag": "new_tag",
    "digest": "digest",
    "tagSuffix": "tag_suffix",
}
_QUOTES = ("'", '"')
_BOM = "\ufeff"


# --------------------------------------------------------------------------- data


@dataclass(frozen=True)
class ImageEntry:
    """One entry of `images:` (empty or null values read as None, like kustomize's omitempty)."""

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None
    tag_suffix: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "newName": self.new_name,
            "tag": self.new_tag,
            "digest": self.digest,
        }

    def value(self, key: str) -> str | None:
        """The value of a kustomization key (`name`, `newName`, `newTag`, `digest`, `tagSuffix`)."""
        result: str | None = getattr(self, _ATTRS[key])
        return result


@dataclass(frozen=True)
class ImageChange:
    """What the user asked for. None leaves a field as the rules in the module docstring say;
    keep_tag / keep_digest (from `*`) keep the existing tag or digest even when the other is set."""

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None
    keep_tag: bool = False
    keep_digest: bool = False


# --------------------------------------------------------------------------- arguments


def _usage(arg: str, reason: str) -> UsageError:
    return UsageError(f"invalid image argument {arg!r}: {reason}", hint=f"use {ARG_FORMS}")


def check_name(name: str, arg: str) -> None:
    """Raise UsageError unless name is a Docker image name (no tag, no digest)."""
    if not name:
        raise _usage(arg, "the image name is empty")
    if len(name) > _NAME_MAX or not _NAME_RE.fullmatch(name):
        raise _usage(arg, f"{name!r} is not a valid image name (lowercase path, optional registry)")


def check_tag(tag: str, arg: str) -> None:
    if not _TAG_RE.fullmatch(tag):
        raise _usage(
            arg, f"{tag!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)"
        )


def check_digest(digest: str, arg: str) -> None:
    match = _DIGEST_RE.fullmatch(digest)
    known = _KNOWN_DIGESTS.get(match.group("algo")) if match else None
    if not match or (known is not None and not known.fullmatch(match.group("hex"))):
        raise _usage(arg, f"{digest!r} is not a valid digest (sha256: and 64 lowercase hex digits)")


def _split_reference(ref: str, arg: str) -> tuple[str, str | None, str | None]:
    """Split NAME[:TAG][@DIGEST]; the tag colon is the last ':' after the last '/'."""
    if ref.count("@") > 1:
        raise _usage(arg, "more than one '@'")
    head, at, digest = ref.partition("@")
    colon = head.rfind(":")
    if colon > head.rfind("/"):
        return head[:colon], head[colon + 1 :], digest if at else None
    return head, None, digest if at else None


def parse_image_arg(arg: str) -> ImageChange:
    """Parse one `set image` argument; raise UsageError (naming the argument) when malformed."""
    if arg.count("=") > 1:
        raise _usage(arg, "more than one '='")
    if "=" in arg:
        name, _, rhs = arg.partition("=")
        check_name(name, arg)
        new_name, tag, digest = _parse_target(rhs, arg)
    else:
        name, tag, digest = _split_reference(arg, arg)
        new_name = None
        check_name(name, arg)
        if tag is None and digest is None:
            raise _usage(arg, "no tag or digest given")
    return _build_change(arg, name, new_name, tag, digest)


def _parse_target(rhs: str, arg: str) -> tuple[str | None, str | None, str | None]:
    """(new name, tag, digest) from what follows '='."""
    if not rhs:
        raise _usage(arg, "nothing after '='")
    new_name, tag, digest = _split_reference(rhs, arg)
    if tag is None and new_name != PRESERVE and not any(ch in new_name for ch in ":/"):
        # Deliberate difference from kustomize: a bare word (before any @digest) is a tag.
        return None, new_name or None, digest
    return new_name or None, tag, digest


def _build_change(
    arg: str, name: str, new_name: str | None, tag: str | None, digest: str | None
) -> ImageChange:
    if new_name == PRESERVE:
        new_name = None
    elif new_name is not None:
        check_name(new_name, arg)
    keep_tag, keep_digest = tag == PRESERVE, digest == PRESERVE
    tag = None if keep_tag else tag
    digest = None if keep_digest else digest
    if tag is not None:
        check_tag(tag, arg)
    if digest is not None:
        check_digest(digest, arg)
    return ImageChange(name, new_name, tag, digest, keep_tag=keep_tag, keep_digest=keep_digest)


def _validate_change(change: ImageChange) -> None:
    label = change.name
    check_name(change.name, label)
    if change.new_name is not None:
        check_name(change.new_name, label)
    if change.new_tag is not None:
        check_tag(change.new_tag, label)
    if change.digest is not None:
        check_digest(change.digest, label)


# --------------------------------------------------------------------------- semantics


def find_entry(entries: Sequence[ImageEntry], name: str) -> ImageEntry | None:
    """The entry whose `name` is name, else the one whose `newName` is name; None if neither.

    Raises KustomizationError when two entries match equally (the edit would be ambiguous)."""
    index = _find_index(entries, name, "kustomization")
    return None if index is None else entries[index]


def _find_index(entries: Sequence[ImageEntry], name: str, source: str) -> int | None:
    for attr in ("name", "new_name"):
        hits = [i for i, entry in enumerate(entries) if getattr(entry, attr) == name]
        if len(hits) > 1:
            key = "name" if attr == "name" else "newName"
            raise KustomizationError(
                f"{source}: {len(hits)} images entries have {key} {name!r}; "
                "promoter cannot tell which one to edit",
                hint="keep one entry per image",
            )
        if hits:
            return hits[0]
    return None


def apply_change(entry: ImageEntry | None, change: ImageChange) -> ImageEntry:
    """The entry after the change (pure; see the module docstring for the rules)."""
    base = entry if entry is not None else ImageEntry(name=change.name)
    new_name = change.new_name if change.new_name is not None else base.new_name
    if change.new_tag is not None:
        tag = change.new_tag
    elif change.digest is not None and not change.keep_tag:
        tag = None  # kustomize: a digest alone replaces the tag
    else:
        tag = base.new_tag
    if change.digest is not None:
        digest = change.digest
    elif change.new_tag is not None and not change.keep_digest:
        digest = None  # a stale digest would pin the old image
    else:
        digest = base.digest
    return ImageEntry(base.name, new_name, tag, digest, base.tag_suffix)


# --------------------------------------------------------------------------- scalars


def _resolves_to(value: str) -> set[str]:
    return {str(r.resolve(ScalarNode, value, (True, False))) for r in _RESOLVERS}


def kustomize_rejects(value: str) -> bool:
    """True when kustomize would read this PLAIN scalar as a bool, number or null, not a string."""
    if value == "" or value.lower() in _GO_BOOLS:
        return True
    if _GO_INT_RE.fullmatch(value) or _GO_FLOAT_RE.fullmatch(value):
        return True
    if _GO_SPECIAL_FLOAT_RE.fullmatch(value):
        return True
    return bool(_resolves_to(value) & (_NON_STRINGS | {_NULL}))


def needs_quotes(value: str) -> bool:
    """True when a plain scalar could be read as anything but this string (YAML 1.1, 1.2, Go)."""
    if kustomize_rejects(value) or _resolves_to(value) != {_STR}:
        return True
    if value[0] in _PLAIN_UNSAFE_START or value[-1] in " \t":
        return True
    return ": " in value or " #" in value or any(ch in value for ch in "\t\r\n,[]{}")


def _quote(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _format(value: str, style: str | None, preferred: str) -> str:
    if style in _QUOTES:
        return _quote(value, style)
    return _quote(value, preferred) if needs_quotes(value) else value


# --------------------------------------------------------------------------- parsed document


@dataclass
class _Field:
    key: ScalarNode
    value: Node


@dataclass
class _Entry:
    node: MappingNode
    fields: dict[str, _Field]
    image: ImageEntry


@dataclass
class _Doc:
    text: str
    source: str
    root: MappingNode | None
    images_key: ScalarNode | None = None
    images: Node | None = None
    entries: list[_Entry] = field(default_factory=list)
    token_start: dict[int, int] = field(default_factory=dict)
    dashes: list[int] = field(default_factory=list)
    doc_end: int | None = None

    @property
    def eol(self) -> str:
        newline = self.text.find("\n")
        return "\r\n" if newline > 0 and self.text[newline - 1] == "\r" else "\n"

    def line(self, index: int) -> int:
        return self.text.count("\n", 0, index) + 1

    def where(self, node: Node) -> str:
        return f"{self.source}:{node.start_mark.line + 1}"

    def error(self, node: Node | None, message: str, hint: str | None = None) -> KustomizationError:
        place = self.where(node) if node is not None else self.source
        return KustomizationError(f"{place}: {message}", hint=hint)


def _yaml() -> YAML:
    return YAML(typ="safe", pure=True)


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
    _check_line_breaks(text, source)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nodes = list(_yaml().compose_all(text))
            events = list(_yaml().parse(text))
            tokens = list(_yaml().scan(text))
    except YAMLError as exc:
        raise KustomizationError(
            f"{source} is not valid YAML ({_describe(exc)})", hint="fix the YAML syntax and retry"
        ) from exc
    return nodes, events, tokens


def _walk(node: Node) -> Iterator[Node]:
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


def _check_duplicates(doc: _Doc, root: Node) -> None:
    for node in _walk(root):
        if not isinstance(node, MappingNode):
            continue
        seen: dict[tuple[str, str], int] = {}
        for key, _ in node.value:
            if not isinstance(key, ScalarNode) or str(key.tag) == _MERGE:
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


def _load(text: str, source: str, *, strict: bool) -> _Doc:
    nodes, events, tokens = _compose(text, source)
    nodes = nodes[:1] + [n for n in nodes[1:] if not _is_empty(n)]  # `---` at the end is fine
    if len(nodes) > 1:
        raise KustomizationError(
            f"{source} holds {len(nodes)} YAML documents; kustomize reads only one",
            hint="keep a single document in the kustomization file",
        )
    doc = _Doc(text=text, source=source, root=None)
    scalars = [t for t in tokens if isinstance(t, ScalarToken)]
    doc.token_start = {t.end_mark.index: t.start_mark.index for t in scalars}
    doc.dashes = sorted(t.start_mark.index for t in tokens if isinstance(t, BlockEntryToken))
    doc.doc_end = _first_document_end(events)
    root = nodes[0] if nodes else None
    if root is None or (isinstance(root, ScalarNode) and str(root.tag) == _NULL):
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


def _locate_images(doc: _Doc, *, strict: bool) -> None:
    assert doc.root is not None
    for key, value in doc.root.value:
        if isinstance(key, ScalarNode) and str(key.tag) == _MERGE:
            raise doc.error(key, "the top-level mapping uses a merge key (<<)", hint="inline it")
        if isinstance(key, ScalarNode) and key.value == "images":
            doc.images_key, doc.images = key, value
    images = doc.images
    if images is None or (isinstance(images, ScalarNode) and str(images.tag) == _NULL):
        return
    if not isinstance(images, SequenceNode):
        raise doc.error(images, "`images` is not a list", hint="write `images:` as a list")
    doc.entries = [_read_entry(doc, item, i, strict=strict) for i, item in enumerate(images.value)]


def _read_entry(doc: _Doc, item: Node, index: int, *, strict: bool) -> _Entry:
    if not isinstance(item, MappingNode):
        raise doc.error(
            item, f"images entry {index + 1} is not a mapping", hint="use - name: IMAGE"
        )
    fields: dict[str, _Field] = {}
    for key, value in item.value:
        if isinstance(key, ScalarNode) and key.value in _ATTRS:
            fields[key.value] = _Field(key, value)
    values = {_ATTRS[k]: _field_text(doc, k, f, strict=strict) for k, f in fields.items()}
    name = values.pop("name", None)
    if name is None:
        raise doc.error(item, f"images entry {index + 1} has no name", hint="add `name: IMAGE`")
    return _Entry(item, fields, ImageEntry(name=name, **values))


def _is_kustomize_string(doc: _Doc, node: ScalarNode) -> bool:
    if node.style is not None:
        return True
    if doc.text.startswith("!", node.start_mark.index):
        return str(node.tag) == _STR
    return not kustomize_rejects(node.value)


def _field_text(doc: _Doc, key: str, fld: _Field, *, strict: bool) -> str | None:
    node = fld.value
    if not isinstance(node, ScalarNode):
        raise doc.error(node, f"`{key}` is not a string", hint=f"write `{key}: VALUE`")
    if node.style is None and (node.value == "" or str(node.tag) == _NULL):
        return None
    if strict and not _is_kustomize_string(doc, node):
        raise doc.error(
            node,
            f"`{key}: {node.value}` is read as a number or boolean, and kustomize rejects it",
            hint=f'quote it: {key}: "{node.value}"',
        )
    return node.value or None


def read_images(text: str, *, source: str = "kustomization") -> list[ImageEntry]:
    """The `images:` entries of a kustomization (empty when there is no `images:`)."""
    return [entry.image for entry in _load(text, source, strict=True).entries]


# --------------------------------------------------------------------------- text positions


def _line_start(text: str, index: int) -> int:
    return text.rfind("\n", 0, index) + 1


def _line_end(text: str, index: int) -> int:
    """Index just after the line break ending the line that holds index-1 (len(text) at EOF)."""
    if index > 0 and text[index - 1] == "\n":
        return index
    newline = text.find("\n", index)
    return len(text) if newline < 0 else newline + 1


def _column(doc: _Doc, index: int) -> int:
    start = _line_start(doc.text, index)
    bom = 1 if start == 0 and doc.text.startswith(_BOM) else 0
    return index - start - bom


def _after_colon(doc: _Doc, key: ScalarNode) -> int:
    index: int = key.end_mark.index
    while index < len(doc.text) and doc.text[index] in " \t":
        index += 1
    if not doc.text.startswith(":", index):
        raise doc.error(key, f"cannot find the ':' after `{key.value}`", hint="use `key: value`")
    return index + 1


def _is_empty(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.style is None and node.value == ""


def _pair_end(doc: _Doc, key: Node, value: Node) -> int:
    """Where the text of a key/value pair ends (an empty value ends at the colon)."""
    if _is_empty(value):
        assert isinstance(key, ScalarNode)
        return _after_colon(doc, key)
    return _content_end(doc, value)


def _content_end(doc: _Doc, node: Node) -> int:
    """End of a node's own text; block collections end where their last child ends."""
    if isinstance(node, MappingNode) and not node.flow_style and node.value:
        return _pair_end(doc, *node.value[-1])
    if isinstance(node, SequenceNode) and not node.flow_style and node.value:
        return _content_end(doc, node.value[-1])
    end: int = node.end_mark.index
    return end


def _token_span(doc: _Doc, node: ScalarNode) -> tuple[int, int]:
    end = node.end_mark.index
    start = doc.token_start.get(end)
    if start is None or start < node.start_mark.index:
        raise doc.error(node, "cannot locate this value in the text", hint="simplify its syntax")
    return start, end


# --------------------------------------------------------------------------- splices


@dataclass(frozen=True)
class _Splice:
    start: int
    end: int
    text: str


def _apply(doc: _Doc, splices: Sequence[_Splice]) -> str:
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


def _insert_lines(doc: _Doc, index: int, lines: Sequence[str]) -> _Splice:
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


def _style(doc: _Doc) -> _Style:
    by_key: dict[str, str] = {}
    preferred_in_images: list[str] = []
    for entry in doc.entries:
        for key, fld in entry.fields.items():
            node = fld.value
            if isinstance(node, ScalarNode) and node.style in _QUOTES:
                preferred_in_images.append(node.style)
                if not needs_quotes(node.value):  # quoted by choice, not by necessity
                    by_key[key] = node.style
    nodes = _walk(doc.root) if doc.root is not None else iter(())
    quoted = [n.style for n in nodes if isinstance(n, ScalarNode) and n.style in _QUOTES]
    preferred = next(iter(preferred_in_images + quoted), '"')
    return _Style(preferred=preferred, by_key=by_key)


def _entry_pairs(entry: ImageEntry, style: _Style) -> list[tuple[str, str]]:
    pairs = []
    for key in _KEY_ORDER:
        value = entry.value(key)
        if value is not None:
            pairs.append((key, _format(value, style.of(key), style.preferred)))
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


# ---- editing an existing entry


def _entry_splices(doc: _Doc, entry: _Entry, want: ImageEntry, style: _Style) -> list[_Splice]:
    removed = {
        key
        for key in _FIELDS
        if want.value(key) is None and key in entry.fields and entry.image.value(key) is not None
    }
    splices = [splice for key in sorted(removed) for splice in _remove_field(doc, entry, key)]
    for key in _FIELDS:
        have, value = entry.fields.get(key), want.value(key)
        if value is None:
            continue
        if have is None:
            formatted = _format(value, style.of(key), style.preferred)
            splices.append(_insert_field(doc, entry, key, formatted, removed))
        elif not _holds(doc, have.value, value):
            splices.append(_replace_value(doc, have, value, style.preferred))
    return splices


def _holds(doc: _Doc, node: Node, value: str) -> bool:
    return isinstance(node, ScalarNode) and node.value == value and _is_kustomize_string(doc, node)


def _replace_value(doc: _Doc, fld: _Field, value: str, preferred: str) -> _Splice:
    node = fld.value
    assert isinstance(node, ScalarNode)
    if node.style in ("|", ">"):
        raise doc.error(node, f"`{fld.key.value}` is a block scalar", hint="write it on one line")
    if _is_empty(node):
        at = _after_colon(doc, fld.key)
        return _Splice(at, at, " " + _format(value, None, preferred))
    start, end = _token_span(doc, node)
    return _Splice(start, end, _format(value, node.style, preferred))


def _predecessor(entry: _Entry, key: str, removed: set[str]) -> _Field:
    """The field a new key goes after: the closest one before it in name/newName/newTag order
    that stays (`name` always does)."""
    before = _KEY_ORDER[: _KEY_ORDER.index(key)]
    return next(entry.fields[k] for k in reversed(before) if k in entry.fields and k not in removed)


def _insert_field(doc: _Doc, entry: _Entry, key: str, formatted: str, removed: set[str]) -> _Splice:
    prev = _predecessor(entry, key, removed)
    end = _pair_end(doc, prev.key, prev.value)
    if entry.node.flow_style:
        return _Splice(end, end, f", {key}: {formatted}")
    col = _column(doc, entry.node.value[0][0].start_mark.index)
    return _insert_lines(doc, _line_end(doc.text, end), [" " * col + f"{key}: {formatted}"])


def _remove_field(doc: _Doc, entry: _Entry, key: str) -> list[_Splice]:
    pairs = entry.node.value
    index = next(i for i, (k, _) in enumerate(pairs) if k is entry.fields[key].key)
    if entry.node.flow_style:
        return [_remove_flow_pair(doc, pairs, index)]
    key_start = pairs[index][0].start_mark.index
    line_start = _line_start(doc.text, key_start)
    end = _line_end(doc.text, _pair_end(doc, *pairs[index]))
    if doc.text[line_start:key_start].strip():
        return _remove_first_key(doc, line_start, key_start, end, pairs[index + 1][0])
    return [_Splice(line_start, end, "")]  # at EOF, _apply drops the line break left behind


def _remove_first_key(
    doc: _Doc, line_start: int, key_start: int, end: int, next_key: Node
) -> list[_Splice]:
    """Remove the key on the `- ` line: the dash moves to the next key; comment lines between
    the two move above the entry."""
    next_start = next_key.start_mark.index
    between = doc.text[end : _line_start(doc.text, next_start)]
    splices = [_Splice(key_start, next_start, "")]
    if between:
        splices.append(_Splice(line_start, line_start, between))
    return splices


def _remove_flow_pair(doc: _Doc, pairs: Sequence[tuple[Node, Node]], index: int) -> _Splice:
    end = _pair_end(doc, *pairs[index])
    if index > 0:
        return _Splice(_pair_end(doc, *pairs[index - 1]), end, "")
    return _Splice(pairs[0][0].start_mark.index, pairs[1][0].start_mark.index, "")


# ---- appending a new entry


def _append_splices(doc: _Doc, want: ImageEntry, style: _Style) -> list[_Splice]:
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


def _dash_of(doc: _Doc, item: Node) -> int:
    position = bisect.bisect_left(doc.dashes, item.start_mark.index) - 1
    if position < 0:
        raise doc.error(item, "cannot find the '-' of this entry", hint="please report this")
    return doc.dashes[position]


def _append_block(doc: _Doc, want: ImageEntry, style: _Style) -> _Splice:
    last = doc.entries[-1].node
    dash = _dash_of(doc, last)
    dash_col = _column(doc, dash)
    at = _line_end(doc.text, _content_end(doc, last))
    if last.flow_style:
        same_line = _line_start(doc.text, last.start_mark.index) == _line_start(doc.text, dash)
        gap = last.start_mark.index - dash - 1 if same_line else 1
        pad = doc.text.startswith("{ ", last.start_mark.index)
        line = " " * dash_col + "-" + " " * max(1, gap) + _flow_entry(want, style, pad)
        return _insert_lines(doc, at, [line])
    key_col = _column(doc, last.value[0][0].start_mark.index)
    return _insert_lines(doc, at, _block_entry_lines(want, style, dash_col, key_col))


def _append_flow(doc: _Doc, images: SequenceNode, want: ImageEntry, style: _Style) -> _Splice:
    if not images.value:
        close = images.end_mark.index - 1
        if doc.text[close] != "]":
            raise doc.error(images, "cannot find the ']' closing `images`", hint="report this")
        return _Splice(close, close, _flow_entry(want, style, pad=False))
    items = images.value
    last = items[-1]
    pad = doc.text.startswith("{ ", last.start_mark.index)
    previous = items[-2].start_mark.index if len(items) > 1 else images.start_mark.index
    if _line_start(doc.text, previous) != _line_start(doc.text, last.start_mark.index):
        sep = "," + doc.eol + " " * _column(doc, last.start_mark.index)
    else:
        sep = ", "
    end = last.end_mark.index
    return _Splice(end, end, sep + _flow_entry(want, style, pad))


def _sequence_layout(doc: _Doc) -> tuple[int, int]:
    """(dash offset from its key, columns from dash to item) of the file's first block list."""
    assert doc.root is not None
    for key, value in doc.root.value:
        if isinstance(value, SequenceNode) and not value.flow_style and value.value:
            dash = value.start_mark.index
            item = value.value[0].start_mark.index
            offset = _column(doc, dash) - _column(doc, key.start_mark.index)
            same_line = _line_start(doc.text, dash) == _line_start(doc.text, item)
            gap = _column(doc, item) - _column(doc, dash) if same_line else 2
            if offset >= 0 and gap >= 2:
                return offset, gap
    return 0, 2


def _fill_null_images(doc: _Doc, want: ImageEntry, style: _Style) -> list[_Splice]:
    key, node = doc.images_key, doc.images
    assert key is not None and isinstance(node, ScalarNode)
    colon = _after_colon(doc, key)
    splices = []
    anchor = colon
    if node.value != "":  # an explicit `~` or `null`: drop it
        end = _token_span(doc, node)[1]
        splices.append(_Splice(colon, end, ""))
        anchor = end
    offset, gap = _sequence_layout(doc)
    dash_col = _column(doc, key.start_mark.index) + offset
    lines = _block_entry_lines(want, style, dash_col, dash_col + gap)
    splices.append(_insert_lines(doc, _line_end(doc.text, anchor), lines))
    return splices


def _add_images_key(doc: _Doc, want: ImageEntry, style: _Style) -> _Splice:
    key_col, (offset, gap) = 0, (0, 2)
    if doc.root is not None and doc.root.value:
        key_col = _column(doc, doc.root.value[0][0].start_mark.index)
        offset, gap = _sequence_layout(doc)
    lines = [" " * key_col + "images:"]
    lines += _block_entry_lines(want, style, key_col + offset, key_col + offset + gap)
    at = doc.doc_end if doc.doc_end is not None else len(doc.text)
    return _insert_lines(doc, at, lines)


# --------------------------------------------------------------------------- safety checks


def _refuse_anchors(doc: _Doc) -> None:
    images = doc.images
    if images is None:
        return
    for node in _walk(images):
        if node.anchor is not None:
            raise doc.error(
                node,
                f"`images` uses the YAML anchor/alias &{node.anchor}; editing it would also change "
                "every place that shares it",
                hint="write the images entries out without anchors or aliases",
            )


def _plain_data(text: str) -> Any:
    yaml = _yaml()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        documents = list(yaml.load_all(text))  # later documents are empty (checked in _load)
    return documents[0] if documents else None


def _canon(value: Any) -> Any:
    if isinstance(value, dict):
        return ("map", tuple((_canon(k), _canon(v)) for k, v in value.items()))
    if isinstance(value, list):
        return ("seq", tuple(_canon(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return ("nan",)
    return (type(value).__name__, value)


def _split_images(data: Any) -> tuple[Any, list[Any]]:
    """(the top level with `images` replaced by a marker and moved last if absent, the images)."""
    mapping = dict(data) if isinstance(data, dict) else {}
    images = mapping.get("images") or []
    mapping["images"] = "\0images"
    return _canon(mapping), list(images)


def _entry_matches(now: Any, before: Any, want: ImageEntry) -> bool:
    """The edited entry's data is before's, except that each image key holds what was asked
    (a kept value may still read as, say, a date: kustomize reads it as a string anyway)."""
    expected = dict(before) if isinstance(before, dict) else {"name": want.name}
    for key in _FIELDS:
        if want.value(key) is None and expected.get(key) not in (None, ""):
            del expected[key]
        elif want.value(key) is not None:
            expected.setdefault(key, want.value(key))
    if not isinstance(now, dict) or set(now) != set(expected):
        return False
    return all(
        _canon(now[k]) == _canon(expected[k]) or (k in _KEY_ORDER and now[k] == want.value(k))
        for k in expected
    )


class _Unverified(Exception):
    """The edited text does not say what was intended."""


def _verify(doc: _Doc, after: str, index: int | None, want: ImageEntry) -> None:
    try:
        _check_result(doc, after, index, want)
    except (_Unverified, KustomizationError, YAMLError, LookupError) as exc:
        raise doc.error(
            None,
            f"internal error: the edit did not verify ({exc}); the file was not changed",
            hint="please report this with the kustomization file",
        ) from exc


def _check_result(doc: _Doc, after: str, index: int | None, want: ImageEntry) -> None:
    new = _load(after, doc.source, strict=False)
    position = index if index is not None else len(doc.entries)
    target = new.entries[position]
    if target.image != want:
        raise _Unverified(f"entry reads {target.image}, expected {want}")
    old = doc.entries[index].image if index is not None else None
    for key in _KEY_ORDER:
        if want.value(key) is not None:
            _check_string(new, target.fields[key], written=want.value(key) != _value(old, key))
    _check_data(doc.text, after, index, want)


def _value(entry: ImageEntry | None, key: str) -> str | None:
    return None if entry is None else entry.value(key)


def _check_string(doc: _Doc, fld: _Field, *, written: bool) -> None:
    """kustomize must read the value as a string; a value we wrote must also be a string under
    YAML 1.1 and 1.2 (kept values are left as the file had them)."""
    node = fld.value
    if not isinstance(node, ScalarNode) or not _is_kustomize_string(doc, node):
        raise _Unverified(f"`{fld.key.value}` would not be read as a string")
    if written and node.style is None and needs_quotes(node.value):
        raise _Unverified(f"`{fld.key.value}: {node.value}` needs quotes")


def _check_data(before: str, after: str, index: int | None, want: ImageEntry) -> None:
    """Everything but the edited entry parses to the same data as before."""
    top_before, images_before = _split_images(_plain_data(before))
    top_after, images_after = _split_images(_plain_data(after))
    if top_before != top_after:
        raise _Unverified("keys outside `images` changed")
    expected = list(images_before)
    position = len(expected) if index is None else index
    if index is None:
        expected.append(None)
    if len(images_after) != len(expected):
        raise _Unverified("the number of images entries is wrong")
    for i, (was, now) in enumerate(zip(expected, images_after, strict=True)):
        if i == position:
            if not _entry_matches(now, was, want):
                raise _Unverified("the edited entry holds unexpected values")
        elif _canon(was) != _canon(now):
            raise _Unverified(f"images entry {i + 1} changed")


# --------------------------------------------------------------------------- public editing


def set_image_text(text: str, change: ImageChange, *, source: str = "kustomization") -> str:
    """The kustomization text with one image change applied, byte-exact; text itself if no-op."""
    _validate_change(change)
    doc = _load(text, source, strict=False)
    _refuse_anchors(doc)
    index = _find_index([entry.image for entry in doc.entries], change.name, source)
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
    _verify(doc, after, index, want)
    return after


def find_kustomization(overlay: Path) -> Path:
    """The one kustomization file of an overlay directory."""
    if not overlay.is_dir():
        raise KustomizationError(
            f"overlay directory {overlay} does not exist", hint="check the overlay path"
        )
    found = [overlay / name for name in KUSTOMIZATION_NAMES if (overlay / name).is_file()]
    if not found:
        raise KustomizationError(
            f"no kustomization file in {overlay}",
            hint=f"expected one of {', '.join(KUSTOMIZATION_NAMES)}",
        )
    if len(found) > 1:
        names = ", ".join(path.name for path in found)
        raise KustomizationError(
            f"{overlay} has more than one kustomization file ({names}); kustomize refuses that too",
            hint="keep only one of them",
        )
    return found[0]


def write_atomic(path: Path, data: bytes) -> None:
    """Replace path's content via a temporary file in the same directory; keep its mode."""
    target = Path(os.path.realpath(path))
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise KustomizationError(
            f"cannot write {path}: {exc.strerror}", hint="check the directory's permissions"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class FileEdit:
    path: Path
    before: str
    after: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self, label: str | None = None) -> str:
        """Unified diff with a/ and b/ labels (label: the repository-relative path)."""
        name = label if label is not None else self.path.as_posix()
        lines = difflib.unified_diff(
            _lines(self.before),
            _lines(self.after),
            fromfile=f"a/{name}",
            tofile=f"b/{name}",
        )
        marker = "\n\\ No newline at end of file\n"
        return "".join(line if line.endswith("\n") else line + marker for line in lines)


def _lines(text: str) -> list[str]:
    """Lines split on LF only (str.splitlines would also split on CR, VT, U+2028...)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)


def read_file(path: Path, *, label: str | None = None) -> str:
    """A kustomization file's text, exactly: UTF-8 without newline translation (CRLF stays).
    `label` names it in errors (a repository-relative path)."""
    name = label or str(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise KustomizationError(
            f"cannot read {name}: {exc.strerror}", hint="check the overlay path"
        ) from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KustomizationError(
            f"{name} is not UTF-8 text (byte {exc.start})", hint="save it as UTF-8"
        ) from exc


def edit_images(path: Path, changes: Sequence[ImageChange], *, dry_run: bool = False) -> FileEdit:
    """Apply changes to one kustomization file; write it atomically unless dry_run or unchanged."""
    if not changes:
        raise UsageError("no image given", hint=f"use {ARG_FORMS}")
    before = read_file(path)
    after = before
    for change in changes:
        after = set_image_text(after, change, source=str(path))
    edit = FileEdit(path=path, before=before, after=after)
    if edit.changed and not dry_run:
        write_atomic(path, after.encode("utf-8"))
    return edit
