"""Reading a branch's protection on GitHub (GET /repos/{owner}/{repo}/branches/{branch}/protection)
and saying in words what it requires; reading it needs the Administration permission, which a
promoter token usually lacks: then the reason it could not be read is said instead."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from promoter.errors import ForgeError
from promoter.forge.github.http import GitHubAPI, github_message


def describe_protection(api: GitHubAPI, branch: str) -> str:
    """What the protection of `branch` requires, in words (one line); why it could not be read
    when GitHub does not show it to this token."""
    action = f"read the protection of branch {branch}"
    reply = api.send("GET", api.repo_path("branches", quote(branch, safe=""), "protection"),
                     action=action)
    status = reply.response.status_code
    if status in (403, 404):
        said = github_message(reply.response)
        if status == 404 and said == "Branch not protected":
            return f"GitHub reports no classic branch protection on {branch} (a ruleset may " \
                   "apply)"
        return (f"the rule of {branch} could not be read ({status} {said}: reading it needs "
                "the Administration: read permission)")
    try:
        api.raise_for_status(reply.response, action=action)
        data = api.json_object(reply.response, action)
    except ForgeError as exc:
        return f"the rule of {branch} could not be read: {exc.message}"
    rules = protection_rules(data)
    return f"branch protection of {branch}: " + ("; ".join(rules) if rules else
                                                  "no requirement promoter recognises")


def protection_rules(data: dict[str, Any]) -> list[str]:
    """GitHub's protection object as sentences, the ones that refuse a plain push first."""
    rules: list[str] = []
    reviews = data.get("required_pull_request_reviews")
    if isinstance(reviews, dict):
        count = reviews.get("required_approving_review_count")
        approvals = f" and {count} approving review{'s' if count != 1 else ''}" if isinstance(
            count, int) and count > 0 else ""
        owners = ", code owners' review" if reviews.get("require_code_owner_reviews") else ""
        rules.append(f"changes must go through a pull request{approvals}{owners}")
    if _enabled(data, "lock_branch"):
        rules.append("the branch is locked (read-only)")
    if _enabled(data, "required_signatures"):
        rules.append("commits must be signed")
    if _enabled(data, "required_linear_history"):
        rules.append("history must be linear")
    checks = data.get("required_status_checks")
    if isinstance(checks, dict):
        contexts = [c for c in checks.get("contexts") or [] if isinstance(c, str)]
        rules.append("status checks must pass" + (f" ({', '.join(contexts)})" if contexts else ""))
    if isinstance(data.get("restrictions"), dict):
        rules.append("only the listed people, teams and apps may push")
    return rules


def _enabled(data: dict[str, Any], key: str) -> bool:
    value = data.get(key)
    return isinstance(value, dict) and value.get("enabled") is True
