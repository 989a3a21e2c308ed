"""Who approved a change, and whether it may go ahead without one: asks CircleCI (inside a
CircleCI job with a token) for the approvers upstream of this job, enforces
`--require-approval` / `approval: required`, and records `--override-approval --reason`.

Without a requirement, a failed lookup is a warning and the change goes ahead unrecorded; with
one, no approver found is exit 3 (PolicyError) and a failed API exit 5 (CircleCIError).
"""

from __future__ import annotations

from dataclasses import replace

from promoter.circleci_api.approvers import Lookup, lookup_approvals
from promoter.circleci_api.http import CircleCIAPI
from promoter.circleci_api.settings import (
    AUTH_HINT,
    JobContext,
    api_url,
    job_context,
    request_timeout,
    token_from_env,
)
from promoter.config import Environment
from promoter.errors import CircleCIError, PolicyError, UsageError
from promoter.promotion.options import CommitOptions
from promoter.promotion.results import Approval, ChangeResult, Plan
from promoter.retry import RetryPolicy
from promoter.trailers import Approver

_OVERRIDE_HINT = ("run it in the CircleCI job that follows the approval job, or pass "
                  "--override-approval --reason TEXT (the reason is recorded in the commit)")


class ApprovalGate:
    """The approval of each environment a change touches, looked up once per run; `notes`
    holds what the user should know (a lookup that failed where nothing required it)."""

    def __init__(self, opts: CommitOptions) -> None:
        self._opts = opts
        self._found: dict[str, Approval | None] = {}
        self.notes: list[str] = []
        if opts.override_approval and not (opts.reason or "").strip():
            raise UsageError("--override-approval needs --reason TEXT: the reason is recorded in "
                             "the commit (Promoter-Override)", hint="say why, e.g. --reason "
                             "'CircleCI API down, approved by alice on the incident call'")

    def __call__(self, environment: Environment) -> Approval | None:
        """What the change to `environment` records about its approval; PolicyError when it
        requires an approval that is not there."""
        if environment.name not in self._found:
            self._found[environment.name] = self._check(environment)
        return self._found[environment.name]

    def approved(self, result: ChangeResult, plan: Plan) -> ChangeResult:
        """result with its approval, when it changes something (a change that changes nothing
        needs no approval)."""
        return replace(result, approval=self(plan.environment)) if result.changed else result

    def noted(self, result: ChangeResult) -> ChangeResult:
        """result with the notes of the lookups."""
        return replace(result, notes=(*self.notes, *result.notes)) if self.notes else result

    def _check(self, environment: Environment) -> Approval | None:
        opts = self._opts
        if not opts.approval_check:
            return None
        required = opts.require_approval or environment.approval_required
        if opts.override_approval and not required:
            self.notes.append(f"--override-approval: nothing requires an approval for "
                              f"{environment.name}, so no override is recorded")
        elif opts.override_approval:
            reason = (opts.reason or "").strip()
            return Approval(self._optional_lookup(), override=reason)
        if not required:
            approvers = self._optional_lookup()
            return Approval(approvers) if approvers else None
        return Approval(_required(environment.name, self._lookup_required(environment.name)))

    def _client(self, token: str) -> CircleCIAPI:
        environ = self._opts.environ
        return CircleCIAPI(token, api_url=api_url(environ), timeout=request_timeout(environ),
                           retry=RetryPolicy(attempts=4, base=1.0, cap=30.0,
                                             sleep=self._opts.sleep))

    def _lookup(self, context: JobContext, token: str) -> Lookup:
        with self._client(token) as api:
            return lookup_approvals(api, context)

    def _optional_lookup(self) -> tuple[Approver, ...]:
        """The approvers when this is a CircleCI job with a token; () otherwise, and () with a
        note when CircleCI cannot say."""
        context, token = job_context(self._opts.environ), token_from_env(self._opts.environ)
        if context is None or token is None:
            return ()
        try:
            lookup = self._lookup(context, token)
        except CircleCIError as exc:
            self.notes.append(f"the approver is not recorded: {exc}")
            return ()
        if not lookup.job_found:
            self.notes.append(f"the approver is not recorded: {_not_in_workflow(lookup)}")
        return lookup.approvers

    def _lookup_required(self, environment: str) -> Lookup:
        context = job_context(self._opts.environ)
        if context is None:
            raise PolicyError(
                f"{environment} requires an approval recorded by CircleCI, and this is not a "
                "CircleCI job (CIRCLE_WORKFLOW_ID is not set): refused", hint=_OVERRIDE_HINT)
        token = token_from_env(self._opts.environ)
        if token is None:
            raise UsageError(
                f"{environment} requires an approval recorded by CircleCI, and no CircleCI "
                "token is set to ask CircleCI who approved", hint=AUTH_HINT)
        return self._lookup(context, token)


def _required(environment: str, lookup: Lookup) -> tuple[Approver, ...]:
    """The approvers, when the approval jobs upstream were all approved; PolicyError else."""
    refused = f"{environment} requires an approval, and "
    if not lookup.job_found:
        raise PolicyError(refused + _not_in_workflow(lookup), hint=_OVERRIDE_HINT)
    if lookup.unapproved:
        jobs = "; ".join(job.describe() for job in lookup.unapproved)
        raise PolicyError(f"{refused}an approval job upstream of {lookup.where} was not "
                          f"approved: {jobs}", hint="approve it in CircleCI and re-run the job")
    if not lookup.approvers:
        raise PolicyError(f"{refused}no approval job runs before {lookup.where}",
                          hint="add a `type: approval` job that this job requires, or pass "
                          "--override-approval --reason TEXT (recorded in the commit)")
    return lookup.approvers


def _not_in_workflow(lookup: Lookup) -> str:
    return (f"CircleCI does not list {lookup.where} ({lookup.jobs_read} jobs read; CIRCLE_JOB "
            "and CIRCLE_BUILD_NUM name this job)")


def approval_line(approval: Approval | None) -> str | None:
    """The promotion pull request's line about the approval (Markdown), or None."""
    if approval is None:
        return None
    parts = [f"`{_tick_free(a.approved_by())}` (approval job `{_tick_free(a.job or '?')}`)"
             for a in approval.approvers]
    line = f"Approved in CircleCI by {', then '.join(parts)}." if parts else ""
    if approval.override:
        line += f" Approval requirement overridden: `{_tick_free(approval.override)}`."
    return line.strip() or None


def _tick_free(text: str) -> str:
    """text fit for a Markdown code span: no backticks, no line breaks."""
    return " ".join(text.replace("`", "'").split())
