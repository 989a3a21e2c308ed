"""The promoter orb as the lint knows it without reading it: which of its jobs and commands
change which environment. Any other orb's jobs and commands are steps the lint cannot see into.

The orb (orb/ in this repository, published as `NAMESPACE/promoter@VERSION`) has the commands
`install`, `git-access`, `check-pipeline` (they change no environment), `set-image` and `promote`
(they change their `environment` parameter), and the jobs `promote-staging` (`set-image`, its
`environment` defaulting to staging) and `promote-production` (`promote`, defaulting to
production). Under whatever alias the config gives the orb, `ALIAS/promote-production` is read
as `promoter promote production`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from promoter.circleci_lint.model import text
from promoter.circleci_lint.shell import PromoterCall

_REFERENCE = re.compile(r"[A-Za-z0-9_.-]+/promoter(@[A-Za-z0-9_.+-]+)?")
SAFE_COMMANDS = frozenset({"install", "git-access", "check-pipeline"})
# name: (action, default environment or None when the parameter is required)
CHANGING_COMMANDS: dict[str, tuple[str, str | None]] = {
    "set-image": ("set-image", None), "promote": ("promote", None),
}
JOBS: dict[str, tuple[str, str | None]] = {
    "promote-staging": ("set-image", "staging"), "promote-production": ("promote", "production"),
}


def is_promoter_orb(reference: str) -> bool:
    """`example-org/promoter@1.2.0` (any namespace, any version, or none)."""
    return bool(_REFERENCE.fullmatch(reference.strip()))


def orb_calls(kind: str, name: str, args: Mapping[str, Any]) -> list[PromoterCall] | None:
    """The promoter calls of the promoter orb's command or job `name` (kind "command" or
    "job") called with `args`; None when the orb has no such command or job."""
    if kind == "command" and name in SAFE_COMMANDS:
        return []
    known = (CHANGING_COMMANDS if kind == "command" else JOBS).get(name)
    if known is None:
        return None
    action, default = known
    value = args.get("environment", default)
    argument = "" if value is None else text(value)
    literal = bool(argument) and not any(c in argument for c in "$`<>{}*? ")
    written = f"{name} (environment: {argument or '(missing)'})"
    return [PromoterCall(action, argument if literal else None, argument, written)]
