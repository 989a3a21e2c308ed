"""promoter.retry: the one retry policy (bounded attempts, jittered backoff, injectable sleep)."""

from __future__ import annotations

import random

import pytest

from promoter.errors import UsageError
from promoter.retry import RetryPolicy


def _policy(attempts: int, **kwargs: float) -> tuple[RetryPolicy, list[float]]:
    slept: list[float] = []
    policy = RetryPolicy(attempts=attempts, sleep=slept.append, rng=random.Random(7), **kwargs)
    return policy, slept


def test_every_attempt_is_offered_and_the_last_is_marked() -> None:
    policy, slept = _policy(4)
    seen = [(a.number, a.last) for a in policy.tries()]
    assert seen == [(1, False), (2, False), (3, False), (4, True)]
    assert len(slept) == 3  # no pause before the first attempt or after the last


def test_pauses_are_jittered_under_an_exponential_ceiling() -> None:
    policy, slept = _policy(10, base=0.5, cap=4.0)
    list(policy.tries())
    ceilings = [min(4.0, 0.5 * 2**i) for i in range(9)]
    assert all(0.0 <= s <= c for s, c in zip(slept, ceilings, strict=True))
    assert len(set(slept)) == len(slept)  # jitter: not a fixed schedule


def test_stopping_early_never_sleeps_for_nothing() -> None:
    policy, slept = _policy(10)
    for attempt in policy.tries():
        if attempt.number == 3:
            break
    assert len(slept) == 2


def test_an_attempt_can_name_its_own_wait() -> None:
    policy, slept = _policy(3)
    for attempt in policy.tries():
        if attempt.number == 1:
            attempt.wait_for(42.0)
    assert slept[0] == 42.0 and slept[1] <= 1.0


def test_a_zero_base_never_waits() -> None:
    policy, slept = _policy(5, base=0.0)
    list(policy.tries())
    assert slept == [0.0] * 4


@pytest.mark.parametrize("attempts", [0, -1])
def test_attempts_must_be_positive(attempts: int) -> None:
    with pytest.raises(UsageError):
        RetryPolicy(attempts=attempts)


def test_negative_backoff_is_refused() -> None:
    with pytest.raises(UsageError):
        RetryPolicy(base=-1.0)
