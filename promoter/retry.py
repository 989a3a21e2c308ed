"""The one retry policy: bounded attempts with full-jitter exponential backoff.

Used for push retries (the branch moved), publishing a promotion pull request (another run got in
between) and GitHub API calls (5xx, network errors, rate limits). The pause before attempt n+1 is
uniform in [0, min(cap, base * 2**(n-1))] unless the attempt asked for a given wait (a server's
Retry-After). Sleep and randomness are injectable, so tests control time.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from promoter.errors import UsageError


@dataclass
class Attempt:
    number: int  # 1-based
    last: bool  # no attempt follows this one
    wait: float | None = None  # set to choose the pause before the next attempt

    def wait_for(self, seconds: float) -> None:
        """Pause this long before the next attempt instead of the jittered backoff."""
        self.wait = max(seconds, 0.0)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 10
    base: float = 0.5  # seconds: the first pause is at most this
    cap: float = 15.0  # seconds: no pause is longer
    sleep: Callable[[float], None] = field(default=time.sleep, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise UsageError(f"the number of attempts must be at least 1, got {self.attempts}",
                             hint="pass --max-attempts 1 or more")
        if self.base < 0 or self.cap < 0:
            raise UsageError(f"backoff base and cap must not be negative "
                             f"(base={self.base}, cap={self.cap})")

    def delay(self, failures: int) -> float:
        """The jittered pause after `failures` failed attempts (1 or more)."""
        ceiling = min(self.cap, self.base * 2.0 ** min(max(failures - 1, 0), 60))
        return self.rng.uniform(0.0, ceiling)

    def tries(self) -> Iterator[Attempt]:
        """Attempts 1..attempts; the pause before each one after the first is taken here, so a
        caller that stops iterating (it succeeded, or gave up) never sleeps for nothing."""
        previous: Attempt | None = None
        for number in range(1, self.attempts + 1):
            if previous is not None:
                wait = previous.wait if previous.wait is not None else self.delay(number - 1)
                self.sleep(wait)
            previous = Attempt(number, last=number == self.attempts)
            yield previous
