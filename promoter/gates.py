"""`gates:` of an environment in promoter.yaml: what its source must have shown before a promotion.

    gates:
      statuses: [argocd/web-staging]   # commit-status contexts or check-run names: all success
      soak: 30m                        # healthy in the source at least this long

Only an environment with a source (`from:`) may have gates: they are about the source's
commits. promoter.promotion.gating checks them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from promoter.durations import FORMS, parse_duration
from promoter.errors import ConfigError
from promoter.yamlsource import YamlSource

GATE_KEYS = ("statuses", "soak")
_MAX_CONTEXT = 255


@dataclass(frozen=True)
class Gates:
    statuses: tuple[str, ...] = ()  # contexts or check-run names that must be success
    soak: timedelta | None = None  # healthy in the source at least this long


def parse_gates(r: YamlSource[ConfigError], item: CommentedMap, *,
                has_source: bool) -> Gates | None:
    """The `gates:` of one environment (item), None without the key; ConfigError at its line
    for anything malformed."""
    if "gates" not in item:
        return None
    node = item["gates"]
    if not isinstance(node, CommentedMap):
        raise r.fail(item, "gates", "'gates' must be a mapping with 'statuses' (a list of "
                     "commit-status contexts or check-run names) and/or 'soak' (a duration)")
    if not has_source:
        raise r.fail(item, "gates", "'gates' needs 'from:': gates check the source "
                     "environment's commits before a promotion")
    for key in node:
        if key not in GATE_KEYS:
            raise r.fail(node, key, f"unknown key {key!r} in gates (known: "
                         f"{', '.join(GATE_KEYS)})")
    gates = Gates(_statuses(r, node), _soak(r, node))
    if not gates.statuses and gates.soak is None:
        raise r.fail(item, "gates", "'gates' is empty: give 'statuses', 'soak' or both")
    return gates


def _statuses(r: YamlSource[ConfigError], node: CommentedMap) -> tuple[str, ...]:
    if "statuses" not in node:
        return ()
    items = node["statuses"]
    if not isinstance(items, CommentedSeq) or not items:
        raise r.fail(node, "statuses", "'statuses' must be a non-empty list of commit-status "
                     "contexts or check-run names, e.g. [argocd/web-staging]")
    seen: set[str] = set()
    for index, value in enumerate(items):
        _check_context(r, items, index, value)
        if value.casefold() in seen:
            raise r.fail(items, index, f"status {value!r} is listed twice")
        seen.add(value.casefold())
    return tuple(items)


def _check_context(r: YamlSource[ConfigError], items: CommentedSeq, index: int,
                   value: Any) -> None:
    if not isinstance(value, str) or not value.strip():
        raise r.fail(items, index, f"each status must be a non-empty string, got {value!r}")
    if value != value.strip() or not value.isprintable() or len(value) > _MAX_CONTEXT:
        raise r.fail(items, index, f"status {value!r} must be one line of printable "
                     f"characters without surrounding spaces, at most {_MAX_CONTEXT}")


def _soak(r: YamlSource[ConfigError], node: CommentedMap) -> timedelta | None:
    if "soak" not in node:
        return None
    value = node["soak"]
    if not isinstance(value, str):
        raise r.fail(node, "soak", f"'soak' must be a duration ({FORMS}), got {value!r}")
    try:
        return parse_duration(value)
    except ValueError as exc:
        raise r.fail(node, "soak", f"'soak': {exc}") from exc
