"""Holds: the record `promoter hold ENV --reason TEXT` commits, `.promoter/holds/ENV.yaml`.

While the file exists, set-image, promote and rollback refuse to change ENV (unless told
--override-hold --reason TEXT); `promoter release ENV` removes it. The file is small YAML that
reads well in a pull request:

    # promoter: production is held. ...
    environment: "production"
    reason: "incident 4711: bad migration"
    by: "alice"
    since: "2026-11-27T18:30:00+09:00"
    build_url: "https://circleci.com/gh/example-org/web/102"

Only `reason` is required (a hold written by hand in a pull request holds too); a file that is
not such a mapping is a ContentError (exit 4): whoever wrote it meant to hold, so nothing is
let through on a guess.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap

from promoter.containment import confined
from promoter.errors import ContentError
from promoter.yamlsource import YamlSource

HOLDS_DIR = ".promoter/holds"
_KEYS = ("environment", "reason", "by", "since", "build_url")
_HINT = ("a hold file is a mapping with reason (and by, since, build_url); fix it, or remove it "
         "with promoter release ENV")


def hold_path(environment: str) -> str:
    """The repository-relative path of ENV's hold file."""
    return f"{HOLDS_DIR}/{environment}.yaml"


@dataclass(frozen=True)
class Hold:
    """ENV is held: why, by whom, since when (ISO 8601), from which CI build."""

    environment: str
    reason: str
    by: str | None = None
    since: str | None = None
    build_url: str | None = None

    @property
    def path(self) -> str:
        return hold_path(self.environment)

    def describe(self) -> str:
        """`held by alice since 2026-11-27T18:30:00+09:00: incident 4711`."""
        who = f" by {self.by}" if self.by else ""
        when = f" since {self.since}" if self.since else ""
        return f"held{who}{when}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.reason, "by": self.by, "since": self.since,
                "build_url": self.build_url, "path": self.path}


def hold_text(hold: Hold) -> str:
    """The file `promoter hold` writes: a comment saying what it does, then the fields, each
    value a double-quoted string (JSON's escapes are YAML's)."""
    env = hold.environment
    lines = [
        f"# promoter: {env} is held. While this file exists, promoter set-image, promote and",
        f"# rollback refuse to change {env} (exit 3) unless given --override-hold --reason TEXT.",
        f"# Remove it with: promoter release {env}",
    ]
    values = {"environment": env, "reason": hold.reason, "by": hold.by, "since": hold.since,
              "build_url": hold.build_url}
    lines += [f"{key}: {json.dumps(value, ensure_ascii=False)}"
              for key, value in values.items() if value]
    return "\n".join(lines) + "\n"


def parse_hold(text: str, *, environment: str, label: str | None = None) -> Hold:
    """The hold in a hold file's text; ContentError at file:line when it is not one."""
    r = YamlSource(label or hold_path(environment), ContentError, hint=_HINT, syntax_hint=_HINT)
    data = r.load(text.replace("\r\n", "\n"))
    if not isinstance(data, CommentedMap):
        raise ContentError(f"{r.label}: a hold file must be a mapping with a reason", hint=_HINT)
    for key in data:
        if key not in _KEYS:
            raise r.fail(data, key, f"unknown key {key!r} in a hold file (known: "
                         f"{', '.join(_KEYS)})")
    if data.get("environment") not in (None, environment):
        raise r.fail(data, "environment", f"this is the hold file of {environment}, but it "
                     f"says environment {data['environment']!r}")
    reason = _string(r, data, "reason")
    if reason is None:
        raise r.fail(data, None, "a hold file needs a reason")
    return Hold(environment, reason, _string(r, data, "by"), _since(r, data),
                _string(r, data, "build_url"))


def _string(r: YamlSource[ContentError], data: CommentedMap, key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise r.fail(data, key, f"{key!r} must be a non-empty string")
    return " ".join(value.split())


def _since(r: YamlSource[ContentError], data: CommentedMap) -> str | None:
    value = data.get("since")
    if value is None:
        return None
    when = value if isinstance(value, datetime) else None
    if isinstance(value, str):
        try:
            when = datetime.fromisoformat(value.strip())
        except ValueError:
            when = None
    if when is None or when.tzinfo is None:
        raise r.fail(data, "since", "'since' must be an ISO 8601 date and time with its UTC "
                     "offset, like 2026-11-27T18:30:00+09:00")
    return when.isoformat()


def read_hold(root: Path, environment: str) -> Hold | None:
    """ENV's hold in the checkout at root, or None when it is not held. A hold file that cannot
    be read, or leaves the repository through a symbolic link, is a ContentError."""
    rel = hold_path(environment)
    path = confined(root, rel)
    try:
        if not path.exists() and not path.is_symlink():
            return None
        is_file = path.is_file()
    except OSError as exc:
        raise ContentError(f"cannot look at {rel}: {exc.strerror or exc}", hint=_HINT) from exc
    if not is_file:
        raise ContentError(f"{rel} is not a file", hint=_HINT)
    text = YamlSource(rel, ContentError, hint=_HINT).read(path)
    return parse_hold(text, environment=environment)
