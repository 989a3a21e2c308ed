"""What time it is: the one place "now" is read, so that tests and end-to-end runs can fix it.

`PROMOTER_NOW` (ISO 8601 with a UTC offset, e.g. `2024-05-01T12:30:00+09:00`) fixes now for a
run of the installed command; without it, now is the system's time, in UTC.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime

from promoter.errors import UsageError
from promoter.sanitize import foreign

NOW_VARIABLE = "PROMOTER_NOW"


def utc_now() -> datetime:
    """The system's time, timezone-aware, in UTC."""
    return datetime.now(UTC)


def now(environ: Mapping[str, str]) -> datetime:
    """PROMOTER_NOW when it is set, else the system's time (timezone-aware, UTC). UsageError
    (exit 2) when PROMOTER_NOW is not an ISO 8601 time with a UTC offset."""
    value = environ.get(NOW_VARIABLE, "").strip()
    if not value:
        return utc_now()
    try:
        fixed = datetime.fromisoformat(value)
    except ValueError:
        fixed = None
    if fixed is None or fixed.tzinfo is None or fixed.utcoffset() is None:
        raise UsageError(
            f"{NOW_VARIABLE}={foreign(value, 64)!r} is not an ISO 8601 time with a UTC offset",
            hint=f"write e.g. {NOW_VARIABLE}=2024-05-01T12:30:00+00:00, or unset it")
    return fixed
