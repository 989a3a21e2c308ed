"""Regular expressions from promoter.yaml (tag_pattern, allowed_names), matched in linear time.

Patterns are compiled with RE2 (the `google-re2` binding): matching takes time linear in the
text whatever the pattern, so a pattern with catastrophic backtracking in Python's `re`
(`^(a+)+$`) cannot hang a deploy. RE2 has no backreferences and no lookaround; a pattern that
uses them does not compile, and PatternError says why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import re2

RE2_SYNTAX = "https://github.com/google/re2/wiki/Syntax"


class PatternError(ValueError):
    """A pattern RE2 cannot compile; str() is RE2's reason, one line."""


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print its own complaint on stderr
    return options


@dataclass(frozen=True)
class LinearPattern:
    """A compiled RE2 pattern and the text it was compiled from."""

    source: str
    _compiled: Any = field(repr=False, compare=False)

    def search(self, text: str) -> bool:
        """True when the pattern matches somewhere in text (anchors say where)."""
        return self._compiled.search(text) is not None

    def fullmatch(self, text: str) -> bool:
        """True when the pattern matches the whole of text."""
        return self._compiled.fullmatch(text) is not None


def compile_linear(pattern: str) -> LinearPattern:
    """The pattern compiled by RE2; PatternError when RE2 cannot compile it."""
    try:
        compiled = re2.compile(pattern, _options())
    except re2.error as exc:
        raise PatternError(_reason(exc)) from exc
    return LinearPattern(pattern, compiled)


def _reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else exc
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    return " ".join(text.split()) or "RE2 cannot compile it"
