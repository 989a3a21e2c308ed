"""The pauses between push attempts: full-jitter exponential backoff.

Kept here until the push and publish loops move onto promoter.retry.
"""

from __future__ import annotations

import random
from collections.abc import Iterator

from promoter.errors import UsageError


def backoff_delays(
    max_attempts: int,
    *,
    base: float = 0.5,
    cap: float = 15.0,
    rng: random.Random | None = None,
) -> Iterator[float]:
    """Yield max_attempts full-jitter delays: the i-th is the wait after attempt i fails.

    Delay i is uniform in [0, min(cap, base * 2**i)]. The last one is normally unused (there is
    no attempt after the last); yielding it keeps `zip(range(n), backoff_delays(n))` whole.
    """
    if max_attempts < 1:
        raise UsageError(f"the number of push attempts must be at least 1, got {max_attempts}")
    if base < 0 or cap < 0:
        raise UsageError(f"backoff base and cap must not be negative (base={base}, cap={cap})")
    chooser = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    for attempt in range(max_attempts):
        yield chooser.uniform(0.0, min(cap, base * 2.0 ** min(attempt, 60)))
