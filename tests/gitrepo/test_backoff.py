"""gitrepo.backoff: the full-jitter pauses between push attempts."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.errors import UsageError
from promoter.gitrepo import backoff_delays


@settings(max_examples=50, deadline=None)
@given(
    attempts=st.integers(min_value=1, max_value=80),
    base=st.floats(min_value=0.0, max_value=3.0),
    cap=st.floats(min_value=0.0, max_value=30.0),
    seed=st.integers(),
)
def test_backoff_delays_stay_within_full_jitter_bounds(
    attempts: int, base: float, cap: float, seed: int
) -> None:
    delays = list(backoff_delays(attempts, base=base, cap=cap, rng=random.Random(seed)))
    assert len(delays) == attempts
    for attempt, delay in enumerate(delays):
        assert 0.0 <= delay <= min(cap, base * 2.0 ** min(attempt, 60))


def test_backoff_delays_grow_until_the_cap() -> None:
    class Top(random.Random):
        def uniform(self, a: float, b: float) -> float:
            return b

    assert list(backoff_delays(6, base=0.5, cap=5.0, rng=Top())) == [0.5, 1, 2, 4, 5, 5]


def test_backoff_delays_are_reproducible_with_a_seeded_rng() -> None:
    first = list(backoff_delays(5, rng=random.Random(7)))
    assert first == list(backoff_delays(5, rng=random.Random(7)))
    assert len(set(first)) > 1


def test_backoff_delays_refuse_zero_attempts() -> None:
    with pytest.raises(UsageError, match="at least 1"):
        list(backoff_delays(0))
