"""A promotion pull request records who approved the CircleCI job that proposed it."""

from __future__ import annotations

from promoter.promotion import CommitOptions, RepoOptions, promote_planner
from promoter.pullrequest import propose
from tests.circleci_api.standin import (
    ALICE,
    WORKFLOW,
    CircleCIStandin,
    circleci,
    job_environ,
    production_workflow,
)
from tests.pullrequest.conftest import Bench

__all__ = ["circleci"]


def test_the_pull_request_body_and_commit_name_the_approver(bench: Bench,
                                                             circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.users["u-alice"] = ALICE
    opts = CommitOptions(environ=job_environ(circleci), require_approval=True)
    result = propose(RepoOptions(repo=bench.gitops.url), opts, "promote",
                     promote_planner("production", None, (), None),
                     provider_factory=bench.factory)
    assert result.pull_request is not None
    body = bench.forge.pulls[result.pull_request["number"]].body
    assert ("Approved in CircleCI by `alice (Alice Liddell)` (approval job `hold-production`)."
            in body)
    assert "Promoter-Approved-By: alice (Alice Liddell)" in (result.message or "")
    assert result.to_json()["approved_by"] == [
        {"login": "alice", "name": "Alice Liddell", "job": "hold-production"}]
