"""The promotion branch of an environment: promoter/ENV/promotion."""

from __future__ import annotations

import pytest

from promoter.errors import UsageError
from promoter.pullrequest import branch_prefix, promotion_branch


def test_the_branch_of_an_environment() -> None:
    assert promotion_branch("production") == "promoter/production/promotion"
    assert promotion_branch("prod--eu") == "promoter/prod--eu/promotion"
    assert promotion_branch("production").startswith(branch_prefix("production"))
    assert not promotion_branch("production-eu").startswith(branch_prefix("production"))


@pytest.mark.parametrize("name", ["prod..eu", "prod.", "prod.lock", ".prod"])
def test_environment_names_git_cannot_put_in_a_branch_are_refused(name: str) -> None:
    with pytest.raises(UsageError, match="cannot be part of a git branch name"):
        promotion_branch(name)
