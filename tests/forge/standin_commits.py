"""createCommitOnBranch for the GitHub stand-in's GraphQL endpoint (standin_graphql.py), for tests.

It writes a real commit into the stand-in's bare repository: the tree is built with git plumbing
from the branch tip and the base64 contents (byte for byte), the author is the caller, the
committer GitHub; the branch moves only if it is still at expectedHeadOid (else STALE_DATA, as
GitHub answers), and the commit's signature is reported as GitHub reports the commits it signs.

Test-side knobs: commit_state(standin).move_before_commit (a branch someone pushes to just
before the next commit on it) and .signed_by_github (the commits "signed").
"""

from __future__ import annotations

import base64
import binascii
import os
import subprocess
import tempfile
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .standin_graphql import GraphQLFailure, Payload, resolver

if TYPE_CHECKING:
    from .github_standin import BareRepo, GitHubStandIn


@dataclass
class CommitState:
    """What tests set and read about one stand-in's API commits."""

    move_before_commit: list[str] = field(default_factory=list)  # branches moved first, once
    signed_by_github: set[str] = field(default_factory=set)  # commits GitHub "signed"


_STATES: weakref.WeakKeyDictionary[GitHubStandIn, CommitState] = weakref.WeakKeyDictionary()


def commit_state(standin: GitHubStandIn) -> CommitState:
    return _STATES.setdefault(standin, CommitState())


def _stale(expected: str) -> str:
    return f"Expected branch to point to \"{expected}\" but it did not. Pull and try again."


@resolver("createCommitOnBranch")
def create_commit_on_branch(standin: GitHubStandIn, arguments: dict[str, Any],
                            user: str) -> Payload:
    """A commit of fileChanges on the branch's tip, made only if the tip is expectedHeadOid."""
    from .github_standin import GITHUB_COMMITTER, Ident

    git = standin.git
    if git is None:
        raise GraphQLFailure("the stand-in has no repository (git_dir=)")
    given = arguments["input"]
    name = _branch_name(standin, given["branch"])
    tip = git.branch_sha(name)
    if tip is None:
        raise GraphQLFailure(f"A ref named \"refs/heads/{name}\" does not exist.", "NOT_FOUND")
    if name in commit_state(standin).move_before_commit:  # someone pushes just before us
        commit_state(standin).move_before_commit.remove(name)
        tip = standin._new_git_commit(name)
        git.update_branch(name, tip)
    expected = given["expectedHeadOid"]
    if tip != expected:
        raise GraphQLFailure(_stale(expected), "STALE_DATA")
    tree = _tree(git, tip, given.get("fileChanges") or {})
    message = given["message"]
    text = message["headline"] + (f"\n\n{message['body']}" if message.get("body") else "")
    sha = git.commit_tree(tree, [tip], text, Ident.of_user(user), Ident(*GITHUB_COMMITTER))
    if not git.update_branch(name, sha, tip):
        raise GraphQLFailure(_stale(expected), "STALE_DATA")
    commit_state(standin).signed_by_github.add(sha)
    return {"commit": _commit_json(standin, sha)}


def _branch_name(standin: GitHubStandIn, branch: dict[str, Any]) -> str:
    named = branch.get("repositoryNameWithOwner")
    if branch.get("id") is not None or not named or not branch.get("branchName"):
        raise GraphQLFailure("the stand-in takes the branch by repositoryNameWithOwner and "
                             "branchName")
    if str(named).lower() != standin.full_name.lower():
        raise GraphQLFailure(f"Could not resolve to a Repository with the name '{named}'.",
                             "NOT_FOUND")
    return str(branch["branchName"])


def _tree(git: BareRepo, tip: str, changes: dict[str, Any]) -> str:
    """tip's tree with the additions (base64 contents, byte for byte) and deletions applied."""
    with tempfile.TemporaryDirectory() as scratch:
        env = {"GIT_INDEX_FILE": os.path.join(scratch, "index")}
        git.git("read-tree", tip, env=env)
        for addition in changes.get("additions") or ():
            try:
                data = base64.b64decode(addition["contents"], validate=True)
            except binascii.Error as exc:
                raise GraphQLFailure(f"contents of {addition['path']} are not base64") from exc
            blob = _write_blob(git, data)
            mode = git.git("ls-tree", tip, "--", addition["path"]).split(" ", 1)[0] or "100644"
            git.git("update-index", "--add", "--cacheinfo",
                    f"{mode},{blob},{addition['path']}", env=env)
        removed = "".join(f"0 {'0' * 40}\t{d['path']}\n" for d in changes.get("deletions") or ())
        if removed:  # --index-info: mode 0 removes the path (--force-remove needs a work tree)
            git.git("update-index", "--index-info", input=removed, env=env)
        return git.git("write-tree", env=env).strip()


def _write_blob(git: BareRepo, data: bytes) -> str:
    done = subprocess.run(["git", f"--git-dir={git.path}", "hash-object", "-w", "--stdin"],
                          input=data, capture_output=True, check=True)
    return done.stdout.decode().strip()


def _commit_json(standin: GitHubStandIn, sha: str) -> Payload:
    """The Commit object (enough for any selection promoter makes), signed by GitHub."""
    return {
        "oid": sha,
        "abbreviatedOid": sha[:7],
        "url": f"https://github.com/{standin.full_name}/commit/{sha}",
        "signature": {
            "__typename": "GpgSignature",
            "isValid": True,
            "state": "VALID",
            "wasSignedByGitHub": True,
            "email": "noreply@github.com",
            "payload": "",
            "signature": "-----BEGIN PGP SIGNATURE-----\n(stand-in)\n-----END PGP SIGNATURE-----",
            "signer": None,
            "verifiedAt": "2023-11-14T22:13:20Z",
            "keyId": "B5690EEEBB952194",
        },
    }
