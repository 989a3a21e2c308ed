"""The CircleCI API stand-in, started for one test and checked for surprises after it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .standin import CircleCIStandin


@pytest.fixture
def circleci() -> Iterator[CircleCIStandin]:
    standin = CircleCIStandin().start()
    try:
        yield standin
    finally:
        standin.stop()
    assert not standin.problems, standin.problems
