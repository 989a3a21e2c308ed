"""Durations as people write them in promoter.yaml and on the command line: `30m`, `64h`, `1h30m`,
`45s`, `2d`; parsed into a timedelta, and written back in the same form (`47m`, `1h5m`)."""

from __future__ import annotations

import re
from datetime import timedelta

_UNITS = (("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_DURATION = re.compile(r"(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?",
                       re.ASCII)
_MAX_DAYS = 3_650  # ten years: more is a typo, and timedelta has limits
FORMS = "a number and a unit: 45s, 30m, 64h, 2d, or several: 1h30m"


def parse_duration(text: str) -> timedelta:
    """`30m` -> 30 minutes. ValueError with a readable reason for anything else: no unit, an
    unknown unit, units out of order (d, h, m, s), a negative or absurdly long duration."""
    value = text.strip()
    if not value:
        raise ValueError(f"an empty duration: write {FORMS}")
    if value.startswith("-"):
        raise ValueError(f"{value!r} is negative: a duration is {FORMS}")
    match = _DURATION.fullmatch(value)
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"{value!r} is not a duration: write {FORMS}")
    seconds = sum(int(match[unit] or 0) * size for unit, size in _UNITS)
    if seconds > _MAX_DAYS * 86_400:
        raise ValueError(f"{value!r} is longer than {_MAX_DAYS} days")
    return timedelta(seconds=seconds)


def format_duration(duration: timedelta) -> str:
    """A duration in the form parse_duration reads, to the second (rounded down): `47m`,
    `1h5m30s`, `2d`; `0s` for nothing (or less than a second, or negative)."""
    left = max(int(duration.total_seconds()), 0)
    parts = []
    for unit, size in _UNITS:
        count, left = divmod(left, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"
