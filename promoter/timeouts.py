"""Timeouts from the environment: one reader for every PROMOTER_*_TIMEOUT variable."""

from __future__ import annotations

import math
import os
from collections.abc import Mapping

from promoter.errors import UsageError
from promoter.sanitize import foreign


def seconds_from_env(name: str, default: float, what: str,
                     environ: Mapping[str, str] | None = None) -> float:
    """The seconds in environment variable `name`, else `default`. UsageError (exit 2) unless
    it is a finite positive number; `what` says what the timeout bounds, for the hint."""
    value = (os.environ if environ is None else environ).get(name, "").strip()
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds <= 0:
        raise UsageError(f"{name}={foreign(value, 64)!r} is not a positive number of seconds",
                         hint=f"set {name} to the seconds {what} may take (default "
                         f"{default:g}), or unset it")
    return seconds
