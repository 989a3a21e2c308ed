"""Bounds on every YAML file promoter reads: its size, its nesting, and what its aliases expand to,
each checked in time linear in the file before a Python object is built from it.

Shared by kustomization files (promoter.kustomize), promoter.yaml and the CircleCI config
(promoter.yamlsource); each caller passes the label that names the file and the error class its
problems raise (KustomizationError, ConfigError, ContentError).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.composer import MaxDepthExceededError
from ruamel.yaml.nodes import MappingNode, Node, SequenceNode

from promoter.errors import PromoterError

MAX_BYTES = 1 << 20
"""A YAML file over 1 MiB is refused before it is parsed."""
MAX_DEPTH = 100
"""Lists and mappings nest at most this deep (the scalars in the deepest one included)."""
ALIAS_BUDGET = 100_000
"""Expanding every alias may add at most this many nodes to a document."""

E = TypeVar("E", bound=PromoterError)


def read_bounded(path: Path, label: str, error: type[E], *, hint: str) -> bytes:
    """The bytes of the file at path, refused (error) when it is over MAX_BYTES or unreadable.
    Reads at most MAX_BYTES + 1 bytes, however large the file is."""
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
            size = max(os.fstat(handle.fileno()).st_size, len(data))
    except OSError as exc:
        raise error(f"cannot read {label}: {exc.strerror or type(exc).__name__}",
                    hint=hint) from exc
    check_size(size, label, error)
    return data


def check_text(text: str, label: str, error: type[E]) -> None:
    """Refuse text over MAX_BYTES once encoded as UTF-8 (text from git, or already read)."""
    if len(text) * 4 > MAX_BYTES:  # at most 4 bytes a character: only then count them
        check_size(len(text.encode("utf-8", "surrogatepass")), label, error)


def check_size(size: int, label: str, error: type[E]) -> None:
    if size > MAX_BYTES:
        raise error(
            f"{label} is {size:,} bytes; promoter reads YAML files of at most 1 MiB "
            f"({MAX_BYTES:,} bytes)",
            hint="check that this is the right file, or make it smaller",
        )


@contextmanager
def depth_bounded(yaml: YAML, label: str, error: type[E]) -> Iterator[YAML]:
    """yaml, composing at most MAX_DEPTH levels deep: a deeper document raises error (naming
    its line) instead of exhausting the stack."""
    yaml.max_depth = MAX_DEPTH
    try:
        yield yaml
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        where = f"{label}:{mark.line + 1}" if mark is not None else label
        raise error(
            f"{where}: lists and mappings nested more than {MAX_DEPTH} levels deep",
            hint=f"promoter reads YAML nested at most {MAX_DEPTH} levels; flatten the file",
        ) from exc


def check_aliases(root: Node, label: str, error: type[E]) -> None:
    """Refuse a composed document whose aliases, expanded, would add more than ALIAS_BUDGET
    nodes (a "billion laughs"), or that holds itself (an alias inside its own anchor)."""
    distinct, expanded = _sizes(root, limit=ALIAS_BUDGET)
    if expanded - distinct > ALIAS_BUDGET:
        raise error(
            f"{label}: its YAML aliases would expand to more than {ALIAS_BUDGET:,} nodes "
            "(an alias bomb, or an alias inside its own anchor)",
            hint="write the repeated parts out, or use fewer and smaller aliases",
        )


def _children(node: Node) -> list[Node]:
    if isinstance(node, MappingNode):
        return [child for pair in node.value for child in pair]
    if isinstance(node, SequenceNode):
        return list(node.value)
    return []


def _sizes(root: Node, *, limit: int) -> tuple[int, int]:
    """(distinct nodes under root, nodes with every alias expanded). Each node is counted once
    (memoised by identity), without recursion; an expanded size stops growing past
    distinct + limit, and a node that contains itself counts as too many."""
    cap = _count(root) + limit + 1
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()  # entered, not finished: reaching one again is a cycle
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, finished = stack.pop()
        key = id(node)
        if finished:
            sizes[key] = min(cap, 1 + sum(sizes[id(child)] for child in _children(node)))
            open_nodes.discard(key)
        elif key in open_nodes:
            return len(sizes), cap
        elif key not in sizes:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in _children(node))
    return len(sizes), sizes[id(root)]


def _count(root: Node) -> int:
    """Distinct nodes under root (an anchored node and its aliases count once)."""
    seen: set[int] = set()
    stack = [root]
    while stack:
        node = stack.pop()
        if id(node) not in seen:
            seen.add(id(node))
            stack.extend(_children(node))
    return len(seen)
