"""Reading git push's answer: which ref the remote refused and why, what its hooks said, and
whether pushing again can help."""

from __future__ import annotations

from promoter.sanitize import foreign

_RETRYABLE = ("non-fast-forward", "fetch first", "stale info", "cannot lock ref",
              "incorrect old value")
_PROTECTED = ("protected branch hook declined", "GH006", "GH013", "returned error: 403",
              "Protected branch update failed", "Repository rule violations")
PROTECTED_HINT = ("the branch is protected: promote with --pr (a promotion pull request), or "
                  "--commit-via api (GitHub makes and signs the commit; the App or token must "
                  "be allowed to bypass the rule)")


def push_rejection(porcelain: str) -> str | None:
    """The summary of the first rejected ref in `git push --porcelain` output, if any."""
    for line in porcelain.splitlines():
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] == "!":
            return foreign(parts[2].strip())
    return None


def remote_said(stderr: str) -> str:
    """The remote's own lines (hooks, branch protection) on one line, safe to show."""
    lines = [line.removeprefix("remote:").strip() for line in stderr.splitlines()
             if line.startswith("remote:")]
    return foreign("; ".join(line for line in lines if line))


def protected(*reasons: str) -> bool:
    """True when the reasons say the remote protects the branch (GitHub's branch protection or
    rulesets, or an http 403): pushing again cannot help."""
    text = " ".join(reasons)
    return any(reason in text for reason in _PROTECTED)


def retryable(*reasons: str) -> bool:
    """True when the reasons say the branch moved (pushing again after a fetch can succeed).

    A concurrent push to the same ref can also surface as "failed to update ref" with the remote
    explaining "cannot lock ref ... is at X but expected Y": the branch moved."""
    text = " ".join(reasons)
    return any(reason in text for reason in _RETRYABLE)
