"""YAML documents built to exhaust a parser, for the tests of promoter.yamlbounds' limits: each
is small and cheap to refuse."""

from __future__ import annotations

from promoter.yamlbounds import MAX_BYTES, MAX_DEPTH


def billion_laughs(levels: int = 9, width: int = 9) -> str:
    """Top-level keys l0..l{levels-1}, each a list of `width` aliases of the one before:
    a few hundred bytes that expand to width**levels scalars."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for level in range(1, levels):
        lines.append(f"l{level}: &l{level} [{', '.join([f'*l{level - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def nested(depth: int = MAX_DEPTH + 50, key: str = "deep") -> str:
    """`key: [[[...]]]`, `depth` lists deep. (ruamel's scanner looks up to 1024 characters
    ahead for a possible key, at a cost growing with the depth: a few hundred levels are cheap,
    a thousand or more take a second or two whatever the depth beyond.)"""
    return f"{key}: {'[' * depth}{']' * depth}\n"


def just_too_deep(key: str = "deep") -> str:
    """One level more than promoter reads (the key's mapping counts as a level)."""
    return nested(MAX_DEPTH, key)


def self_containing() -> str:
    """An alias inside its own anchor: a list that holds itself."""
    return "loop: &loop [a, *loop]\n"


def oversized(prefix: str = "") -> str:
    """Valid YAML one byte over MAX_BYTES (a comment pads it)."""
    body = f"{prefix}# "
    return body + "x" * (MAX_BYTES + 1 - len(body.encode()) - 1) + "\n"
