"""Post-edit verification: the spliced text is parsed again and must say exactly what was
intended (the edited entry as asked, its values strings, everything else the same data), or the
edit raises instead of reaching the disk.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

from ruamel.yaml.error import YAMLError
from ruamel.yaml.nodes import ScalarNode

from promoter.errors import KustomizationError
from promoter.kustomize.document import Document, ParsedField, load_document, safe_yaml
from promoter.kustomize.entries import FIELDS, KEY_ORDER, ImageEntry
from promoter.kustomize.scalars import is_kustomize_string, needs_quotes


def _plain_data(doc: Document) -> Any:
    """The data of a loaded document, built from its nodes (which load_document bounded: no
    alias bomb, no cycle, not too deep), so _canon below stays small."""
    if doc.root is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return safe_yaml().constructor.construct_document(doc.root)


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
    for key in FIELDS:
        if want.value(key) is None and expected.get(key) not in (None, ""):
            del expected[key]
        elif want.value(key) is not None:
            expected.setdefault(key, want.value(key))
    if not isinstance(now, dict) or set(now) != set(expected):
        return False
    return all(
        _canon(now[k]) == _canon(expected[k]) or (k in KEY_ORDER and now[k] == want.value(k))
        for k in expected
    )


class _Unverified(Exception):
    """The edited text does not say what was intended."""


def verify_edit(doc: Document, after: str, index: int | None, want: ImageEntry) -> None:
    """Raise KustomizationError unless `after` (doc's text, edited) holds `want` at entry `index`
    (appended when None), every value kustomize must read as a string is one, and nothing else
    changed."""
    try:
        _check_result(doc, after, index, want)
    except (_Unverified, KustomizationError, YAMLError, LookupError) as exc:
        raise doc.error(
            None,
            f"internal error: the edit did not verify ({exc}); the file was not changed",
            hint="please report this with the kustomization file",
        ) from exc


def _check_result(doc: Document, after: str, index: int | None, want: ImageEntry) -> None:
    new = load_document(after, doc.source, strict=False)
    position = index if index is not None else len(doc.entries)
    target = new.entries[position]
    if target.image != want:
        raise _Unverified(f"entry reads {target.image}, expected {want}")
    old = doc.entries[index].image if index is not None else None
    for key in KEY_ORDER:
        if want.value(key) is not None:
            _check_string(new, target.fields[key], written=want.value(key) != _value(old, key))
    _check_data(doc, new, index, want)


def _value(entry: ImageEntry | None, key: str) -> str | None:
    return None if entry is None else entry.value(key)


def _check_string(doc: Document, fld: ParsedField, *, written: bool) -> None:
    """kustomize must read the value as a string; a value we wrote must also be a string under
    YAML 1.1 and 1.2 (kept values are left as the file had them)."""
    node = fld.value
    if not isinstance(node, ScalarNode) or not is_kustomize_string(doc.text, node):
        raise _Unverified(f"`{fld.key.value}` would not be read as a string")
    if written and node.style is None and needs_quotes(node.value):
        raise _Unverified(f"`{fld.key.value}: {node.value}` needs quotes")


def _check_data(before: Document, after: Document, index: int | None,
                want: ImageEntry) -> None:
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
