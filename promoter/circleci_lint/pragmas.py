"""`# promoter: reviewed` comments in a CircleCI config: a person vouches for a step that
check-pipeline cannot see into. The comment covers its own line, or, alone on its line, the
next line that is not a comment or blank (in YAML or inside a `run:` script alike)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PRAGMA = re.compile(r"(?:^|\s)#\s*promoter:\s*reviewed\b[\s:,;.\u2013\u2014-]*(?P<note>.*)$")


@dataclass(frozen=True)
class Pragma:
    line: int  # 1-based line of the comment
    note: str  # what follows `promoter: reviewed`, the reviewer's reason


def pragmas(config_text: str) -> dict[int, Pragma]:
    """Line number → the pragma covering that line."""
    covered: dict[int, Pragma] = {}
    pending: Pragma | None = None
    for number, line in enumerate(config_text.splitlines(), start=1):
        stripped = line.strip()
        match = _PRAGMA.search(line)
        if stripped.startswith("#"):
            pending = Pragma(number, match.group("note").strip()) if match else pending
        elif stripped:
            if match:
                covered[number] = Pragma(number, match.group("note").strip())
            elif pending is not None:
                covered[number] = pending
            pending = None
    return covered
