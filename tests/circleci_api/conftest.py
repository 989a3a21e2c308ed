"""The CircleCI API stand-in fixture (`circleci`), for every test here."""

from .standin import circleci

__all__ = ["circleci"]
