"""Freeze windows: `freeze:` on an environment in promoter.yaml, and whether one is open now.

    freeze:
      - cron: "0 17 * * FRI"     # a window starts (minute hour day-of-month month day-of-week)
        duration: 64h            # and lasts (elapsed time)
        timezone: Asia/Tokyo     # IANA name the cron is read in; default UTC
        reason: weekend freeze

A window is open when the most recent time its cron fired, at or before now (in its time zone),
is less than `duration` ago. Cron expressions are read by croniter, time zones by zoneinfo.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from croniter import CroniterBadDateError, CroniterError, croniter
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from promoter.durations import parse_duration
from promoter.errors import ConfigError
from promoter.yamlsource import YamlSource

DEFAULT_TIMEZONE = "UTC"
_KEYS = {"cron", "duration", "timezone", "reason"}
_NICKNAMES = frozenset({"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight",
                        "@hourly"})
_MACHINE_ZONES = frozenset({"localtime", "posixrules"})
_REFERENCE = datetime(2000, 1, 1, tzinfo=UTC)  # a cron that never fires after it never fires
_CRON_HINT = ("five fields: minute hour day-of-month month day-of-week, e.g. \"0 17 * * FRI\", "
              "or @daily, @weekly, @monthly")


@dataclass(frozen=True)
class FreezeWindow:
    """One `freeze:` entry: from each firing of `cron` (read in `timezone`), for `duration`."""

    cron: str
    duration: timedelta
    timezone: str = DEFAULT_TIMEZONE
    reason: str | None = None
    where: str = ""  # promoter.yaml:LINE, for messages

    def describe(self) -> str:
        """`'weekend freeze' (cron 0 17 * * FRI, Asia/Tokyo)`."""
        name = f"{self.reason!r} " if self.reason else ""
        return f"freeze window {name}(cron {self.cron}, {self.timezone})"

    def last_start(self, now: datetime) -> datetime:
        """The most recent firing of the cron at or before `now`, in the window's time zone."""
        zone = ZoneInfo(self.timezone)
        # croniter's get_prev is strictly before its start: one second past `now` (whole
        # seconds) makes a firing at exactly `now` count, and nothing later.
        after = now.astimezone(zone).replace(microsecond=0) + timedelta(seconds=1)
        try:
            start: datetime = croniter(self.cron, after).get_prev(datetime)
        except CroniterBadDateError as exc:  # parse_freeze checked that it fires: defensive
            raise ConfigError(f"{self.where}: cron {self.cron!r} never fires") from exc
        return start.astimezone(UTC).astimezone(zone)  # normalised: fold and offset agree

    def open_at(self, now: datetime) -> OpenWindow | None:
        """The window as open at `now`, or None when it is not."""
        start = self.last_start(now)
        # Arithmetic and comparisons in UTC: between datetimes of one zone, Python works on
        # the wall clock (an hour off across a daylight saving change).
        begins, moment = start.astimezone(UTC), now.astimezone(UTC)
        ends = begins + self.duration
        if not begins <= moment < ends:
            return None
        return OpenWindow(self, start, ends.astimezone(start.tzinfo), now)


@dataclass(frozen=True)
class OpenWindow:
    """A freeze window open at `now`: since `start`, until `end` (both in its time zone)."""

    window: FreezeWindow
    start: datetime
    end: datetime
    now: datetime

    @property
    def left(self) -> timedelta:
        """How long it stays open after `now` (elapsed time)."""
        return self.end.astimezone(UTC) - self.now.astimezone(UTC)

    def to_json(self) -> dict[str, Any]:
        return {"reason": self.window.reason, "cron": self.window.cron,
                "timezone": self.window.timezone, "start": self.start.isoformat(),
                "end": self.end.isoformat()}


def open_window(windows: Sequence[FreezeWindow], now: datetime) -> OpenWindow | None:
    """Of the windows open at `now`, the one that ends last; None when none is open."""
    found = [w for w in (window.open_at(now) for window in windows) if w is not None]
    return max(found, key=lambda w: w.end) if found else None


# ----------------------------------------------------------------------------- promoter.yaml


def parse_freeze(r: YamlSource[ConfigError], item: CommentedMap) -> tuple[FreezeWindow, ...]:
    """The `freeze:` list of an environment's mapping `item` (empty without the key)."""
    if "freeze" not in item or item["freeze"] is None:
        return ()
    items = item["freeze"]
    if not isinstance(items, CommentedSeq):
        raise r.fail(item, "freeze", "'freeze' must be a list of windows, each with cron, "
                     "duration, and optionally timezone and reason")
    return tuple(_window(r, items, index) for index in range(len(items)))


def _window(r: YamlSource[ConfigError], items: CommentedSeq, index: int) -> FreezeWindow:
    node = items[index]
    if not isinstance(node, CommentedMap):
        raise r.fail(items, index, "each freeze window must be a mapping with cron and duration")
    for key in node:
        if key not in _KEYS:
            raise r.fail(node, key, f"unknown key {key!r} in a freeze window (known: "
                         f"{', '.join(sorted(_KEYS))})")
    for key in ("cron", "duration"):
        if key not in node:
            raise r.fail(items, index, f"a freeze window needs {key!r}")
    return FreezeWindow(cron=_cron(r, node), duration=_duration(r, node),
                        timezone=_timezone(r, node), reason=_text(r, node, "reason"),
                        where=r.where(items, index))


def _text(r: YamlSource[ConfigError], node: CommentedMap, key: str) -> str | None:
    value = node.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise r.fail(node, key, f"{key!r} must be a non-empty string, got {value!r}")
    return " ".join(value.split())


def _cron(r: YamlSource[ConfigError], node: CommentedMap) -> str:
    expression = _text(r, node, "cron")
    if expression is None:
        raise r.fail(node, "cron", f"'cron' must be a cron expression: {_CRON_HINT}")
    fields = expression.split()
    if len(fields) != 5 and expression.lower() not in _NICKNAMES:
        raise r.fail(node, "cron", f"cron {expression!r} has {len(fields)} field(s): a freeze "
                     f"window's cron has {_CRON_HINT}")
    try:
        croniter(expression, _REFERENCE).get_next(datetime)
    except CroniterBadDateError as exc:
        raise r.fail(node, "cron", f"cron {expression!r} never fires") from exc
    except (CroniterError, ValueError, KeyError) as exc:
        raise r.fail(node, "cron", f"cron {expression!r} is not a cron expression ({exc}): "
                     f"{_CRON_HINT}") from exc
    return expression


def _duration(r: YamlSource[ConfigError], node: CommentedMap) -> timedelta:
    value = node["duration"]
    if not isinstance(value, str):
        raise r.fail(node, "duration", f"'duration' must be a number with a unit like 64h or "
                     f"30m, got {value!r}")
    try:
        duration = parse_duration(value)
    except ValueError as exc:
        raise r.fail(node, "duration", str(exc)) from exc
    if duration <= timedelta(0):
        raise r.fail(node, "duration", f"a freeze window lasts longer than 0, got "
                     f"{node['duration']!r}")
    return duration


def _timezone(r: YamlSource[ConfigError], node: CommentedMap) -> str:
    name = _text(r, node, "timezone") if "timezone" in node else None
    if name is None:
        return DEFAULT_TIMEZONE
    problem = (f"unknown time zone {name!r}: use an IANA name like Asia/Tokyo, Europe/Berlin "
               "or UTC")
    if name in _MACHINE_ZONES:  # the zone of whichever machine runs promoter: not one zone
        raise r.fail(node, "timezone", problem)
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError) as exc:
        raise r.fail(node, "timezone", problem) from exc
    return name
