"""The change loop: plan on the branch tip, edit the overlay byte-exactly, render and verify it,
commit with trailers, push. When the push is rejected because the branch moved, the workspace
moves to the new tip and the change is planned and applied again there (not a textual rebase),
after a jittered pause (promoter.retry).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace

from promoter.config import Environment, load_config
from promoter.errors import PolicyError, PromoterError, PushRejected, UsageError
from promoter.gitrepo import Workspace, is_url, open_workspace
from promoter.kustomization import FileEdit, ImageChange, read_images, write_atomic
from promoter.overlay import set_images_verified
from promoter.promotion.options import CommitOptions, RepoOptions
from promoter.promotion.results import ChangeResult, ImageDelta, Plan, Planner, deltas
from promoter.promotion.versions import kustomization_rel, read_entries
from promoter.trailers import ImageTrailer, Record, ci_metadata, format_message


def change(repo: RepoOptions, opts: CommitOptions, action: str, planner: Planner, *,
           depth: int | None = None) -> ChangeResult:
    """Plan on the branch tip, edit, verify, commit and push; again on the new tip (after a
    jittered pause) while the push is rejected because the branch moved."""
    if opts.max_attempts < 1:
        raise UsageError(f"--max-attempts must be at least 1, got {opts.max_attempts}")
    if is_url(repo.repo) and not repo.push and not opts.dry_run:
        raise UsageError(
            "--no-push with a repository URL would throw the commit away with the temporary clone",
            hint="use --dry-run to see the change, or run in a local working copy",
        )
    _check_message(opts.message)
    push = repo.push and not opts.dry_run
    with open_workspace(repo.repo, repo.branch, push=push, depth=depth,
                        read_only=opts.dry_run) as ws:
        if not opts.dry_run:
            _check_local_copy(ws)
        start = ws.head()
        try:
            with repo_relative(ws):
                return _attempts(ws, opts, action, planner, repo.config)
        except BaseException:
            if not ws.temporary and ws.head() != start:
                ws.rewind(start)  # a local copy ends where it started, not fast-forwarded
            raise


def _attempts(ws: Workspace, opts: CommitOptions, action: str, planner: Planner,
              config: str | None) -> ChangeResult:
    for attempt in opts.retry_policy().tries():
        if attempt.number > 1:
            ws.sync()  # after the pause: plan again on the freshest tip
        plan = planner(ws, load_config(ws.root, config))
        result = _attempt(ws, plan, action, opts, attempt.number)
        if result is not None:
            return result
    raise PushRejected(
        f"the push was rejected {opts.max_attempts} times because the branch kept moving",
        retryable=True,
        hint="raise --max-attempts (PROMOTER_MAX_ATTEMPTS) or re-run the job",
    )


def _attempt(ws: Workspace, plan: Plan, action: str, opts: CommitOptions,
             attempt: int) -> ChangeResult | None:
    """One plan-edit-commit-push. None means: rejected because the branch moved, try again."""
    base, edit = apply_plan(ws, plan, action, opts, attempt)
    rel = base.path
    if not edit.changed or opts.dry_run:
        return base
    message = commit_message(plan, action, base.images, opts)
    sha = commit_edit(ws, rel, edit, message)
    if not ws.will_push:
        return replace(base, commit=sha, message=message)
    try:
        ws.push_upstream()
    except PushRejected as exc:
        if exc.retryable:
            return None  # the branch moved: the caller syncs (dropping this commit) and retries
        ws.undo_last_commit()
        raise
    except PromoterError:
        ws.undo_last_commit()
        raise
    return replace(base, commit=sha, pushed=True, message=message)


def apply_plan(ws: Workspace, plan: Plan, action: str, opts: CommitOptions,
               attempt: int = 1) -> tuple[ChangeResult, FileEdit]:
    """Edit and verify the overlay for a plan (nothing written on a dry run); no commit."""
    env = plan.environment
    rel = kustomization_rel(ws, env)
    if not opts.dry_run:
        ws.ensure_clean([rel])
    before = read_entries(ws, rel)
    if opts.dry_run:
        edit = _preview(ws, env, plan.changes)
    else:
        edit = set_images_verified(ws.root / env.path, plan.changes)
    changed = deltas(plan.changes, before, read_images(edit.after, source=rel))
    result = ChangeResult(env.name, action, edit.changed, None, False, changed,
                          edit.diff(rel) if edit.changed else "", rel, plan.source,
                          attempts=attempt, dry_run=opts.dry_run)
    return result, edit


def _preview(ws: Workspace, env: Environment, changes: Sequence[ImageChange]) -> FileEdit:
    """A dry run edits, renders and verifies exactly like the real run, but in a scratch
    checkout (a local copy) or in the throwaway clone, restoring the file: it fails when the
    real run would fail, and changes nothing."""
    if not ws.temporary:
        with ws.scratch() as tree:
            try:
                edit = set_images_verified(tree / env.path, changes)
            except PromoterError as exc:  # name repository paths, not the scratch checkout
                exc.message = exc.message.replace(f"{tree}/", "").replace(str(tree), ".")
                exc.hint = exc.hint.replace(f"{tree}/", "") if exc.hint else None
                raise
            return replace(edit, path=ws.root / edit.path.relative_to(tree))
    edit = set_images_verified(ws.root / env.path, changes)
    if edit.changed:
        write_atomic(edit.path, edit.before.encode("utf-8"))
    return edit


def commit_edit(ws: Workspace, rel: str, edit: FileEdit, message: str) -> str:
    try:
        return ws.commit([rel], message)
    except BaseException:
        write_atomic(edit.path, edit.before.encode("utf-8"))
        raise


def commit_message(plan: Plan, action: str, changed: Sequence[ImageDelta],
                   opts: CommitOptions) -> str:
    meta = ci_metadata(opts.environ)
    record = Record(
        action=action,
        environment=plan.environment.name,
        images=tuple(ImageTrailer(d.name, d.new_tag, d.new_digest) for d in changed if d.changed),
        source=plan.source,
        build_url=meta.get("build_url"),
        workflow_id=meta.get("workflow_id"),
        triggered_by=meta.get("triggered_by"),
    )
    return format_message(record, body=opts.message, skip_ci=opts.skip_ci)


def _check_local_copy(ws: Workspace) -> None:
    """A local copy is verified and pushed as it is: it must hold nothing but what is committed
    and pushed, else kustomize would render uncommitted files and the push would carry the
    user's own unpushed commits."""
    if ws.temporary:
        return
    try:
        ws.ensure_clean(["."])
    except PolicyError as exc:
        raise PolicyError(
            f"{exc.message}; kustomize renders the working copy, so promoter only works on a "
            "clean one",
            hint="commit, stash or discard those changes, or pass the repository URL as --repo",
        ) from exc
    ahead = ws.unpushed_commits() if ws.will_push else []
    if ahead:
        raise PolicyError(
            f"branch {ws.branch} in {ws.root} has {len(ahead)} commit(s) not on "
            f"{ws.remote}/{ws.upstream_branch} ({ahead[0][:12]}…); promoter would push them too",
            hint="push or reset them first, or pass the repository URL as --repo",
        )


def _check_message(message: str | None) -> None:
    if message and re.search(r"(?im)^\s*\*?\s*promoter-[a-z-]+\s*:", message):
        raise UsageError(
            "--message may not contain Promoter-* lines: promoter writes those trailers itself",
            hint="say why in plain text; promoter records what, where and from which build",
        )


@contextmanager
def repo_relative(ws: Workspace) -> Iterator[None]:
    """Errors name files relative to the repository: a temporary clone's path means nothing to
    the user once the clone is gone."""
    try:
        yield
    except PromoterError as exc:
        exc.message = relative(ws, exc.message)
        exc.hint = relative(ws, exc.hint) if exc.hint else None
        raise


def relative(ws: Workspace, text: str) -> str:
    if not ws.temporary:
        return text
    root = str(ws.root)
    return text.replace(f"{root}/", "").replace(root, "the repository")
