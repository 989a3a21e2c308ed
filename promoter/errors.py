"""One exception hierarchy; each class carries the process exit code the CLI maps it to.

Exit codes (documented in README.md):
0 done or nothing to do; 1 unexpected; 2 usage (unknown environment, malformed argument or
config); 3 refused by policy; 4 invalid repository content or render failure; 5 git or
remote failure after retries; 8 (pr-status only) the pull request is still open.
"""

from __future__ import annotations

from enum import IntEnum

from promoter.sanitize import redact, strip_control


class ExitCode(IntEnum):
    OK = 0
    UNEXPECTED = 1
    USAGE = 2
    POLICY = 3
    INVALID = 4
    REMOTE = 5
    WAITING = 8  # pr-status: the promotion pull request is still open


def _safe(text: str) -> str:
    """No credentials and no terminal control sequences in anything promoter reports."""
    return strip_control(redact(text))


class PromoterError(Exception):
    """Base of every error promoter reports; message says what, where, and what to do."""

    exit_code: ExitCode = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = _safe(message)
        self.hint = _safe(hint) if hint else None
        super().__init__(self.message)

    def details(self) -> dict[str, object]:
        """Fields the --json error document carries beside message, exit_code and type."""
        return {}

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message} ({self.hint})"
        return self.message


class UsageError(PromoterError):
    """Bad argument, unknown environment, malformed option."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """promoter.yaml is malformed."""


class PolicyError(PromoterError):
    """The request is well-formed but the rules refuse it."""

    exit_code = ExitCode.POLICY


class ContentError(PromoterError):
    """The repository content is invalid: kustomization file, overlay, render."""

    exit_code = ExitCode.INVALID


class KustomizationError(ContentError):
    """A kustomization file cannot be read or edited safely."""


class RenderError(ContentError):
    """kustomize failed, is missing, or timed out."""


class VerificationError(ContentError):
    """The edited overlay renders but does not deploy what was asked."""


class GitError(PromoterError):
    """git or the remote failed (after retries where retrying makes sense)."""

    exit_code = ExitCode.REMOTE


class PushRejected(GitError):
    """The remote refused the push. `retryable` is true when the branch simply moved."""

    def __init__(self, message: str, *, retryable: bool, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.retryable = retryable


class ProtectedBranch(PushRejected):
    """The remote refused the push because the branch is protected (GitHub's GH006/GH013, a
    "protected branch hook declined", or 403). Pushing again cannot help: never retried."""

    def __init__(self, message: str, *, branch: str, hint: str | None = None) -> None:
        super().__init__(message, retryable=False, hint=hint)
        self.branch = branch


class Interrupted(PromoterError):
    """Ctrl-C or SIGTERM (a cancelled CI job) stopped a command that may have changed the remote;
    `pushed` says whether the commit `commit` reached it (None: it could not be told)."""

    exit_code = ExitCode.UNEXPECTED

    def __init__(self, message: str, *, pushed: bool | None, commit: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.pushed = pushed
        self.commit = commit

    def details(self) -> dict[str, object]:
        return {"pushed": self.pushed, "commit": self.commit}


class ForgeError(PromoterError):
    """The pull-request provider (GitHub API) failed."""

    exit_code = ExitCode.REMOTE


class CircleCIError(PromoterError):
    """CircleCI's API failed or answered what promoter cannot read (after retries)."""

    exit_code = ExitCode.REMOTE
