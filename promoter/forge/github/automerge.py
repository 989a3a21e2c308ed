"""Auto-merge of a pull request on GitHub (GraphQL enablePullRequestAutoMerge): GitHub merges it
with the chosen method once its required reviews and checks pass."""

from __future__ import annotations

from typing import Any

from promoter.config import AUTO_MERGE_METHODS
from promoter.errors import ForgeError, UsageError
from promoter.forge.github.graphql import run_graphql
from promoter.forge.github.http import GitHubAPI

PULL_REQUEST_ID = """\
query PromotionPullRequest($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) { id }
  }
}
"""

ENABLE_AUTO_MERGE = """\
mutation EnableAutoMerge($pullRequestId: ID!, $mergeMethod: PullRequestMergeMethod!) {
  enablePullRequestAutoMerge(
    input: {pullRequestId: $pullRequestId, mergeMethod: $mergeMethod}
  ) {
    pullRequest { number autoMergeRequest { mergeMethod } }
  }
}
"""


def check_method(method: str) -> str:
    """method when it is squash, merge or rebase; UsageError otherwise."""
    if method not in AUTO_MERGE_METHODS:
        raise UsageError(f"unknown auto-merge method {method!r}",
                         hint=f"use one of {', '.join(AUTO_MERGE_METHODS)}")
    return method


def enable_auto_merge(api: GitHubAPI, owner: str, repo: str, number: int, method: str) -> None:
    """Turn on auto-merge of pull request `number` with `method`; ForgeError (GraphQLRefused
    with GitHub's reason) when GitHub does not, e.g. the repository does not allow it."""
    check_method(method)
    action = f"enable auto-merge of pull request #{number}"
    found = run_graphql(api, PULL_REQUEST_ID, {"owner": owner, "name": repo, "number": number},
                        action=action)
    node_id = _dig(found, "repository", "pullRequest", "id")
    if not isinstance(node_id, str):
        raise api.unexpected(action, "a pull request without an id")
    done = run_graphql(api, ENABLE_AUTO_MERGE,
                       {"pullRequestId": node_id, "mergeMethod": method.upper()}, action=action)
    enabled = _dig(done, "enablePullRequestAutoMerge", "pullRequest", "autoMergeRequest",
                   "mergeMethod")
    if not isinstance(enabled, str) or enabled.lower() != method:
        raise ForgeError(api.mask(f"GitHub did not enable auto-merge of pull request #{number} "
                                  f"in {api.repository}"))


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data
