"""Branch protection in the GitHub stand-in: GET /repos/{owner}/{repo}/branches/{branch}/protection
(for the tokens allowed to read it; an App without Administration permission gets 403), and,
with a bare repository behind the stand-in, a pre-receive hook that refuses pushes to a
protected branch with GitHub's own words (GH006, "protected branch hook declined").
"""

from __future__ import annotations

import re
import stat
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

from .standin_checkers import SPEC_SERVER, Json

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn, Reply

_PROTECTION = re.compile(
    r"^/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)/branches/(?P<branch>.+)/protection$")


@dataclass
class Protection:
    """What a protected branch requires; `readers` may read the rule through the API."""

    approvals: int | None = 1  # None: no pull request required
    signatures: bool = False
    contexts: tuple[str, ...] = ()
    readers: frozenset[str] = frozenset()  # logins; others get 403


def protect(standin: GitHubStandIn, branch: str, protection: Protection) -> None:
    """Protect `branch`: the API reports the rule and (with a bare repository) pushes to it are
    refused as GitHub refuses them."""
    standin.protection[branch] = protection
    if standin.git is not None:
        hook = standin.git.path / "hooks" / "pre-receive"
        hook.parent.mkdir(exist_ok=True)
        hook.write_text(_hook(sorted(standin.protection)), encoding="utf-8")
        hook.chmod(hook.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)


def _hook(branches: list[str]) -> str:
    refs = " ".join(f"refs/heads/{b}" for b in branches)
    return f"""#!/bin/sh
# the GitHub stand-in's branch protection
status=0
while read old new ref; do
  for protected in {refs}; do
    if [ "$ref" = "$protected" ]; then
      echo "$ref" >> refused.log
      echo "error: GH006: Protected branch update failed for $ref." >&2
      echo "error: Changes must be made through a pull request." >&2
      status=1
    fi
  done
done
exit $status
"""


def protection_route(standin: GitHubStandIn, method: str, path: str, headers: Headers,
                     payload: Json) -> Reply | None:
    """The answer to GET .../branches/{branch}/protection; None for every other request."""
    from .github_standin import Reply, _error
    found = _PROTECTION.match(path) if method == "GET" else None
    if found is None:
        return None
    user = standin._user(headers)
    if user is None:
        return _error(401, "Bad credentials")
    if f"{found['owner']}/{found['repo']}".lower() != standin.full_name.lower():
        return _error(404, "Not Found")
    rule = standin.protection.get(found["branch"])
    if rule is None:
        return _error(404, "Branch not protected")
    if user not in rule.readers:
        return _error(403, "Resource not accessible by integration")
    return Reply(200, _protection_json(standin, found["branch"], rule))


def _protection_json(standin: GitHubStandIn, branch: str, rule: Protection) -> dict[str, Json]:
    url = f"{SPEC_SERVER}/repos/{standin.full_name}/branches/{branch}/protection"
    checker = standin.checker
    values: dict[str, Json] = {
        "url": url,
        "required_signatures": {"url": f"{url}/required_signatures", "enabled": rule.signatures},
        "enforce_admins": {"url": f"{url}/enforce_admins", "enabled": True},
    }
    if rule.approvals is not None:
        values["required_pull_request_reviews"] = checker.example(
            "protected-branch-pull-request-review", url=f"{url}/required_pull_request_reviews",
            dismiss_stale_reviews=False, require_code_owner_reviews=False,
            required_approving_review_count=rule.approvals)
    if rule.contexts:
        values["required_status_checks"] = checker.example(
            "protected-branch-required-status-check", url=f"{url}/required_status_checks",
            contexts=list(rule.contexts), checks=[{"context": c, "app_id": None}
                                                  for c in rule.contexts], strict=True)
    return checker.example("branch-protection", **values)
