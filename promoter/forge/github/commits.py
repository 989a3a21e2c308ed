"""Commits made by GitHub: the GraphQL mutation createCommitOnBranch, which writes a commit onto a
branch only if the branch is still at the commit the change was planned on (expectedHeadOid),
and which GitHub signs (a "Verified" commit that "require signed commits" accepts).

HTTP, retries and token masking are promoter.forge.github.http's; what GitHub says reaches a
message only through promoter.sanitize.foreign.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from promoter.errors import ForgeError, PushRejected
from promoter.forge.github.graphql import graphql_url
from promoter.forge.github.http import GitHubAPI
from promoter.sanitize import foreign, one_line

CREATE_COMMIT = """\
mutation PromoterCreateCommit($input: CreateCommitOnBranchInput!) {
  createCommitOnBranch(input: $input) {
    commit {
      oid
      url
      signature {
        isValid
        state
        wasSignedByGitHub
      }
    }
  }
}
"""
"""The one GraphQL document promoter sends to make a commit (checked against GitHub's schema
by the tests)."""

_STALE = ("expectedheadoid", "expected branch to point to")


@dataclass(frozen=True)
class FileChange:
    """A file of the commit: its new contents (bytes, exactly), or None when it is deleted."""

    path: str
    contents: bytes | None


@dataclass(frozen=True)
class CreatedCommit:
    """The commit GitHub made, and how GitHub reports its signature."""

    oid: str
    url: str
    signature_state: str | None  # GitSignatureState (VALID, ...), None: not signed
    signed_by_github: bool


class StaleHead(PushRejected):
    """The branch is no longer at expectedHeadOid: it moved, as a rejected push says.
    `after_retry`: an earlier try of the same request failed, so this very mutation may be what
    moved the branch."""

    def __init__(self, message: str, *, after_retry: bool) -> None:
        super().__init__(message, retryable=True,
                         hint="the branch moved on GitHub; promoter plans again on the new tip")
        self.after_retry = after_retry


def mutation_input(repository: str, branch: str, expected_head: str, message: str,
                   files: Sequence[FileChange]) -> dict[str, Any]:
    """The CreateCommitOnBranchInput: the message's first line is the headline, the rest (with
    the trailers) the body; contents travel base64-encoded, byte for byte."""
    headline, _, body = message.strip("\n").partition("\n")
    return {
        "branch": {"repositoryNameWithOwner": repository, "branchName": branch},
        "expectedHeadOid": expected_head,
        "message": {"headline": headline, "body": body.strip("\n")},
        "fileChanges": {
            "additions": [{"path": f.path, "contents": base64.b64encode(f.contents).decode()}
                          for f in files if f.contents is not None],
            "deletions": [{"path": f.path} for f in files if f.contents is None],
        },
    }


class GitHubCommits:
    """createCommitOnBranch in one repository, through the provider's API client."""

    def __init__(self, api: GitHubAPI) -> None:
        self._api = api

    def create(self, branch: str, expected_head: str, message: str,
               files: Sequence[FileChange]) -> CreatedCommit:
        """The commit GitHub made on `branch`; StaleHead when the branch is no longer at
        expected_head, ForgeError for anything else GitHub refused."""
        action = f"create the commit on branch {branch}"
        variables = {"input": mutation_input(self._api.repository, branch, expected_head,
                                             message, files)}
        reply = self._api.send("POST", graphql_url(self._api.api_url), action=action,
                               json={"query": CREATE_COMMIT, "variables": variables})
        self._api.raise_for_status(reply.response, action=action)
        data = self._api.json_object(reply.response, action)
        errors = data.get("errors")
        if errors:
            raise self._refused(errors, action, branch, after_retry=reply.retried)
        return self._created(data, action)

    def _created(self, data: dict[str, Any], action: str) -> CreatedCommit:
        payload = (data.get("data") or {}).get("createCommitOnBranch") or {}
        commit = payload.get("commit") if isinstance(payload, dict) else None
        if not isinstance(commit, dict) or not isinstance(commit.get("oid"), str):
            raise self._api.unexpected(action, "no commit in the createCommitOnBranch answer")
        signature = commit.get("signature") if isinstance(commit.get("signature"), dict) else {}
        assert isinstance(signature, dict)
        state = signature.get("state")
        return CreatedCommit(
            oid=commit["oid"], url=str(commit.get("url") or ""),
            signature_state=state if isinstance(state, str) else None,
            signed_by_github=signature.get("wasSignedByGitHub") is True)

    def _refused(self, errors: object, action: str, branch: str, *,
                 after_retry: bool) -> ForgeError | StaleHead:
        items = [e for e in errors if isinstance(e, dict)] if isinstance(errors, list) else []
        said = "; ".join(one_line(foreign(str(e.get("message", "")), 300)) for e in items)
        said = said or "no reason given"
        if any(e.get("type") == "STALE_DATA" or _mentions_stale(e.get("message")) for e in items):
            return StaleHead(self._api.mask(f"branch {branch} of {self._api.repository} moved "
                                            f"before GitHub made the commit: {said}"),
                             after_retry=after_retry)
        kinds = {e.get("type") for e in items}
        hint = ("a GitHub App needs Contents: write on the repository; a token the repo scope "
                "or Contents: write; a ruleset may forbid the change")
        if "NOT_FOUND" in kinds:
            hint = (f"check that branch {branch} exists in {self._api.repository} and that the "
                    "token or App may read it")
        return ForgeError(self._api.mask(f"GitHub refused to {action} in "
                                         f"{self._api.repository}: {said}"), hint=hint)


def _mentions_stale(message: object) -> bool:
    return isinstance(message, str) and any(mark in message.lower() for mark in _STALE)
