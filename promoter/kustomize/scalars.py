"""How YAML 1.1, YAML 1.2 and Go's yaml.v2 (behind kustomize) type a scalar, and how to write a
value so that all of them read it as that string (plain when safe, else quoted).
"""

from __future__ import annotations

import re

from ruamel.yaml.nodes import ScalarNode
from ruamel.yaml.resolver import VersionedResolver

STR_TAG = "tag:yaml.org,2002:str"
NULL_TAG = "tag:yaml.org,2002:null"
MERGE_TAG = "tag:yaml.org,2002:merge"
QUOTES = ("'", '"')

_NON_STRINGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
_RESOLVERS = (VersionedResolver(version=(1, 1)), VersionedResolver(version=(1, 2)))
# What Go's yaml.v2 (behind kustomize) reads as bool, int or float on top of the YAML schemas.
_GO_BOOLS = {"y", "yes", "n", "no", "true", "false", "on", "off"}
_GO_INT_RE = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F_]+|0[oO]?[0-7_]+|0[bB][01_]+|[0-9][0-9_]*)")
_GO_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_GO_SPECIAL_FLOAT_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)")
_PLAIN_UNSAFE_START = set("-?:,[]{}#&*!|>'\"%@` \t")


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
    return bool(_resolves_to(value) & (_NON_STRINGS | {NULL_TAG}))


def needs_quotes(value: str) -> bool:
    """True when a plain scalar could be read as anything but this string (YAML 1.1, 1.2, Go)."""
    if kustomize_rejects(value) or _resolves_to(value) != {STR_TAG}:
        return True
    if value[0] in _PLAIN_UNSAFE_START or value[-1] in " \t":
        return True
    return ": " in value or " #" in value or any(ch in value for ch in "\t\r\n,[]{}")


def is_kustomize_string(text: str, node: ScalarNode) -> bool:
    """True when kustomize reads the scalar node of the document `text` as a string."""
    if node.style is not None:
        return True
    if text.startswith("!", node.start_mark.index):
        return str(node.tag) == STR_TAG
    return not kustomize_rejects(node.value)


def _quote(value: str, style: str) -> str:
    if style == "'":
        return "'" + value.replace("'", "''") + "'"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def format_scalar(value: str, style: str | None, preferred: str) -> str:
    """value as YAML text: in `style` when it is a quote, else plain, or in `preferred` quotes
    when plain would not read as this string."""
    if style in QUOTES:
        return _quote(value, style)
    return _quote(value, preferred) if needs_quotes(value) else value
