"""The use cases: set-image, promote, rollback, status, diff, history, validate; and the guards.

Every change runs the same loop: plan on the current tip of the branch, edit the overlay
byte-exactly, render and verify it, commit with trailers, push. When the push is rejected
because the branch moved, the workspace is moved to the new tip and the change is planned and
applied again there (not a textual rebase), with jittered backoff.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from promoter.config import Config, Environment, load_config
from promoter.errors import (
    ContentError,
    KustomizationError,
    PolicyError,
    PromoterError,
    UsageError,
)
from promoter.gitrepo import (
    CommitInfo,
    PushRejected,
    Workspace,
    backoff_delays,
    is_url,
    open_workspace,
)
from promoter.history import (
    HistoryEntry,
    ImageTrailer,
    Record,
    ci_metadata,
    format_message,
    parse_record,
)
from promoter.history import environment_history as _environment_history
from promoter.kustomization import (
    FileEdit,
    ImageChange,
    ImageEntry,
    find_entry,
    find_kustomization,
    parse_image_arg,
    read_file,
    read_images,
    write_atomic,
)
from promoter.kustomize import ImageRef, list_images
from promoter.overlay import set_images_verified


@dataclass(frozen=True)
class RepoOptions:
    """Where the GitOps repository is and how to treat it."""

    repo: str = "."
    branch: str | None = None
    config: str | None = None
    push: bool = True


@dataclass(frozen=True)
class CommitOptions:
    """How a change is recorded."""

    dry_run: bool = False
    message: str | None = None
    skip_ci: bool = False
    max_attempts: int = 10
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    sleep: Callable[[float], None] = time.sleep


@dataclass(frozen=True)
class ImageDelta:
    name: str
    old_tag: str | None
    new_tag: str | None
    old_digest: str | None
    new_digest: str | None

    @property
    def changed(self) -> bool:
        return (self.old_tag, self.old_digest) != (self.new_tag, self.new_digest)

    def to_json(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "old_tag": self.old_tag,
            "new_tag": self.new_tag,
            "old_digest": self.old_digest,
            "new_digest": self.new_digest,
        }


@dataclass(frozen=True)
class ChangeResult:
    environment: str
    action: str
    changed: bool
    commit: str | None
    pushed: bool
    images: tuple[ImageDelta, ...]
    diff: str
    path: str
    source: str | None = None
    message: str | None = None
    attempts: int = 1
    dry_run: bool = False
    pull_request: dict[str, Any] | None = None

    @property
    def warnings(self) -> tuple[str, ...]:
        """Things that went wrong after the change was made (e.g. PR labels); exit stays 0."""
        return tuple((self.pull_request or {}).get("warnings", ()))

    def to_json(self) -> dict[str, Any]:
        return {
            "environment": self.environment,
            "action": self.action,
            "changed": self.changed,
            "commit": self.commit,
            "pushed": self.pushed,
            "dry_run": self.dry_run,
            "path": self.path,
            "source": self.source,
            "attempts": self.attempts,
            "images": [d.to_json() for d in self.images],
            "diff": self.diff,
            "pull_request": self.pull_request,
        }


@dataclass(frozen=True)
class Plan:
    """What one attempt will change, computed on the current tip."""

    environment: Environment
    changes: tuple[ImageChange, ...]
    source: str | None = None  # "ENV@COMMIT" for promotions


Planner = Callable[[Workspace, Config], Plan]


# --------------------------------------------------------------------------- use cases


def set_image(repo: RepoOptions, opts: CommitOptions, environment: str,
              images: Sequence[str]) -> ChangeResult:
    """Write IMAGE=TAG (and the other kustomize forms) into an environment without a source."""
    if not images:
        raise UsageError("set-image needs at least one IMAGE=TAG argument")
    changes = tuple(parse_image_arg(arg) for arg in images)
    names = [c.name for c in changes]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise UsageError(f"image {', '.join(repeated)} is given more than once",
                         hint="give each image once")

    def plan(ws: Workspace, cfg: Config) -> Plan:
        env = cfg.environment(environment)
        if env.source is not None:
            raise PolicyError(
                f"{env.name} receives images only from {env.source}: set-image cannot change it",
                hint=f"use promote: promoter promote {env.name} --tag TAG",
            )
        _check_tag_policy(cfg, changes)
        return Plan(env, changes)

    return change(repo, opts, "set-image", plan, depth=1)


def promote(repo: RepoOptions, opts: CommitOptions, target: str, *, tag: str | None = None,
            images: Sequence[str] = (), from_env: str | None = None) -> ChangeResult:
    """Copy image entries (tag and digest) from TARGET's source environment."""
    return change(repo, opts, "promote", promote_planner(target, tag, images, from_env),
                   depth=None)


def promote_planner(target: str, tag: str | None, images: Sequence[str],
                    from_env: str | None) -> Planner:
    def plan(ws: Workspace, cfg: Config) -> Plan:
        env, source = _source_of(cfg, target, from_env)
        rel = kustomization_rel(ws, source)
        if tag is None:
            at, entries = _current_state(ws, rel)
            entries = _select(entries, images, source.name)
        else:
            at, entries = _find_in_history(ws, rel, tag, images, source.name)
        current = read_entries(ws, kustomization_rel(ws, env))
        changes = tuple(_copy_change(e, current) for e in entries if e.new_tag or e.digest)
        if not changes:
            raise PolicyError(f"{source.name} has no image tag or digest to promote to {env.name}")
        return Plan(env, changes, source=f"{source.name}@{at}")

    return plan


def rollback(repo: RepoOptions, opts: CommitOptions, environment: str, *,
             to: str | None = None) -> ChangeResult:
    """A new forward commit setting ENV back to its previous images, or to tag TO."""
    return change(repo, opts, "rollback", rollback_planner(environment, to), depth=None)


def rollback_planner(environment: str, to: str | None) -> Planner:
    def plan(ws: Workspace, cfg: Config) -> Plan:
        env = cfg.environment(environment)
        rel = kustomization_rel(ws, env)
        current = read_entries(ws, rel)
        if to is not None:
            _, entries = _find_in_history(ws, rel, to, (), env.name)
        else:
            entries = _previous_state(ws, rel, current, env.name)
        changes = tuple(ImageChange(e.name, new_tag=e.new_tag, digest=e.digest) for e in entries)
        return Plan(env, changes)

    return plan


@dataclass(frozen=True)
class EnvironmentStatus:
    name: str
    path: str
    source: str | None
    images: tuple[ImageEntry, ...]
    in_sync: bool | None  # None for an environment without a source (or unreadable)
    error: str | None = None  # this environment's kustomization could not be read

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "source": self.source,
            "in_sync": self.in_sync,
            "error": self.error,
            "images": [e.to_json() for e in self.images],
        }


def status(repo: RepoOptions) -> list[EnvironmentStatus]:
    """Every environment's images; one unreadable overlay is reported, not fatal."""
    with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
        cfg = load_config(ws.root, repo.config)
        entries: dict[str, list[ImageEntry]] = {}
        errors: dict[str, str] = {}
        for env in cfg.environments:
            try:
                entries[env.name] = read_entries(ws, kustomization_rel(ws, env))
            except ContentError as exc:
                errors[env.name] = _relative(ws, str(exc))
        result = []
        for env in cfg.environments:
            mine, theirs = entries.get(env.name), entries.get(env.source or "")
            in_sync = None if mine is None or theirs is None else _same_images(theirs, mine)
            result.append(EnvironmentStatus(env.name, env.path, env.source, tuple(mine or ()),
                                            in_sync, errors.get(env.name)))
        return result


def diff(repo: RepoOptions, source: str, target: str) -> ChangeResult:
    """What `promote TARGET` (from SOURCE, which must be TARGET's source) would change."""
    return change(RepoOptions(repo.repo, repo.branch, repo.config, push=False),
                   CommitOptions(dry_run=True), "promote",
                   promote_planner(target, None, (), source), depth=None)


def history(repo: RepoOptions, environment: str, *, limit: int | None = None
            ) -> list[HistoryEntry]:
    if limit is not None and limit < 1:
        raise UsageError(f"--limit must be at least 1, got {limit}")
    with (open_workspace(repo.repo, repo.branch, push=False, depth=None, read_only=True) as ws,
          _repo_relative(ws)):
        env = load_config(ws.root, repo.config).environment(environment)
        rel = kustomization_rel(ws, env)
        return _environment_history(ws, env.name, path=rel, limit=limit)


@dataclass(frozen=True)
class Validation:
    name: str
    path: str
    images: tuple[ImageRef, ...]
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "path": self.path,
            "ok": self.error is None,
            "error": self.error,
            "images": [{"name": i.name, "tag": i.tag, "digest": i.digest} for i in self.images],
        }


def validate(repo: RepoOptions, environments: Sequence[str] = ()) -> list[Validation]:
    """Render each environment; the caller turns any error into exit 4."""
    with open_workspace(repo.repo, repo.branch, push=False, depth=1, read_only=True) as ws:
        cfg = load_config(ws.root, repo.config)
        envs = [cfg.environment(n) for n in environments] or list(cfg.environments)
        results = []
        for env in envs:
            try:
                kustomization_rel(ws, env)
                found = tuple(list_images(ws.root / env.path))
                results.append(Validation(env.name, env.path, found, None))
            except PromoterError as exc:
                results.append(Validation(env.name, env.path, (), _relative(ws, str(exc))))
        return results


# --------------------------------------------------------------------------- the change loop


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
            with _repo_relative(ws):
                return _attempts(ws, opts, action, planner, repo.config)
        except BaseException:
            if not ws.temporary and ws.head() != start:
                ws.rewind(start)  # a local copy ends where it started, not fast-forwarded
            raise


def _attempts(ws: Workspace, opts: CommitOptions, action: str, planner: Planner,
              config: str | None) -> ChangeResult:
    delays = backoff_delays(opts.max_attempts)
    for attempt in range(1, opts.max_attempts + 1):
        if attempt > 1:
            opts.sleep(next(delays, 0.0))  # back off first, then plan on the freshest tip
            ws.sync()
        plan = planner(ws, load_config(ws.root, config))
        result = _attempt(ws, plan, action, opts, attempt)
        if result is not None:
            return result
    raise PushRejected(
        f"the push was rejected {opts.max_attempts} times because the branch kept moving",
        retryable=True,
        hint="raise --max-attempts (PROMOTER_MAX_ATTEMPTS) or re-run the job",
    )


@contextmanager
def _repo_relative(ws: Workspace) -> Iterator[None]:
    """Errors name files relative to the repository: a temporary clone's path means nothing to
    the user once the clone is gone."""
    try:
        yield
    except PromoterError as exc:
        exc.message = _relative(ws, exc.message)
        exc.hint = _relative(ws, exc.hint) if exc.hint else None
        raise


def _relative(ws: Workspace, text: str) -> str:
    if not ws.temporary:
        return text
    root = str(ws.root)
    return text.replace(f"{root}/", "").replace(root, "the repository")


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


# --------------------------------------------------------------------------- guards and reads


def _check_tag_policy(cfg: Config, changes: Sequence[ImageChange]) -> None:
    pattern = cfg.tag_regex
    for change in changes:
        if change.new_tag is not None and not pattern.search(change.new_tag):
            raise PolicyError(
                f"tag {change.new_tag!r} for {change.name} does not match tag_pattern "
                f"{cfg.tag_pattern!r}",
                hint="deploy an image tagged with the commit hash, or change tag_pattern in "
                "promoter.yaml",
            )


def _source_of(cfg: Config, target: str, from_env: str | None) -> tuple[Environment, Environment]:
    env = cfg.environment(target)
    if env.source is None:
        raise PolicyError(
            f"{env.name} has no source environment to promote from",
            hint=f"use set-image for {env.name}, or give it 'from:' in promoter.yaml",
        )
    if from_env is not None and from_env != env.source:
        cfg.environment(from_env)
        raise PolicyError(
            f"{env.name} receives images only from {env.source}, not from {from_env}",
            hint=f"drop --from, or promote {from_env}'s images through {env.source} first",
        )
    return env, cfg.environment(env.source)


def kustomization_rel(ws: Workspace, env: Environment) -> str:
    overlay = ws.root / env.path
    if not overlay.is_dir():
        raise KustomizationError(
            f"overlay {env.path} of environment {env.name} does not exist in the repository",
            hint="check the path in promoter.yaml",
        )
    return find_kustomization(overlay).relative_to(ws.root).as_posix()


def read_entries(ws: Workspace, rel: str) -> list[ImageEntry]:
    return read_images(read_file(ws.root / rel, label=rel), source=rel)


def _current_state(ws: Workspace, rel: str) -> tuple[str, list[ImageEntry]]:
    """The file's images now, and the commit that last changed the file (where they came from)."""
    commits = ws.path_commits(rel, max_count=1)
    return (commits[0] if commits else ws.head()), read_entries(ws, rel)


def _select(entries: Sequence[ImageEntry], names: Sequence[str], env: str) -> list[ImageEntry]:
    if not names:
        return list(entries)
    chosen = []
    for name in names:
        entry = find_entry(entries, name)
        if entry is None:
            known = ", ".join(e.name for e in entries) or "none"
            raise UsageError(f"{env} has no image {name!r} (it has: {known})")
        chosen.append(entry)
    return chosen


def _versions(ws: Workspace, rel: str) -> Iterator[tuple[CommitInfo, list[ImageEntry]]]:
    """Each readable version of the file, newest first, with the commit that made it."""
    ws.prefetch(rel)  # deepens a shallow clone; one fetch for all versions in a partial clone
    for info in ws.commits(rel):
        text = ws.file_at(info.sha, rel)
        if text is None:
            continue
        try:
            yield info, read_images(text, source=f"{rel}@{info.sha[:12]}")
        except KustomizationError:
            continue


def _find_in_history(ws: Workspace, rel: str, tag: str, names: Sequence[str],
                     env: str) -> tuple[str, list[ImageEntry]]:
    """The newest commit at which ENV had TAG (for the named images), with those entries."""
    for info, entries in _versions(ws, rel):
        hits = [e for e in entries if e.new_tag == tag and (not names or _named(e, names))]
        if hits and all(any(_named(e, [n]) for e in hits) for n in names):
            return info.sha, hits
    which = f" for {', '.join(names)}" if names else ""
    raise PolicyError(
        f"{tag} was never deployed to {env}{which}",
        hint=f"only a tag that {env} has had can be used; deploy it to {env} first",
    )


def _named(entry: ImageEntry, names: Sequence[str]) -> bool:
    return entry.name in names or (entry.new_name is not None and entry.new_name in names)


def _previous_state(ws: Workspace, rel: str, current: Sequence[ImageEntry],
                    env: str) -> list[ImageEntry]:
    """The images ENV had before its current ones. A rollback steps back along the history, so
    rolling back twice goes back two deployments (it does not undo the first rollback)."""
    stack: list[list[ImageEntry]] = []
    for entries, by_rollback in _distinct_states(ws, rel):
        key = _state_key(entries)
        back = [i for i, seen in enumerate(stack) if _state_key(seen) == key]
        if by_rollback and back:
            del stack[back[-1] + 1:]
        else:
            stack.append(entries)
    if len(stack) >= 2:
        changed = [e for e in stack[-2] if _differs(e, current) and (e.new_tag or e.digest)]
        if changed:
            return changed
    raise PolicyError(
        f"nothing to go back to: {env} has no earlier images in this branch's history",
        hint="use --to TAG with a tag from promoter history",
    )


def _distinct_states(ws: Workspace, rel: str) -> Iterator[tuple[list[ImageEntry], bool]]:
    """The file's successive image states, oldest first, each with whether a rollback made it."""
    last: tuple[tuple[str, str | None, str | None], ...] | None = None
    for info, entries in reversed(list(_versions(ws, rel))):
        key = _state_key(entries)
        if key == last:
            continue
        last = key
        record = parse_record(info.message)
        yield entries, record is not None and record.action == "rollback"


def _state_key(entries: Sequence[ImageEntry]) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple(sorted((e.name, e.new_tag, e.digest) for e in entries))


def _differs(entry: ImageEntry, current: Sequence[ImageEntry]) -> bool:
    now = find_entry(current, entry.name)
    return now is None or (now.new_tag, now.digest) != (entry.new_tag, entry.digest)


def _copy_change(entry: ImageEntry, target: Sequence[ImageEntry]) -> ImageChange:
    """Tag and digest travel; newName travels only when the target has no entry yet."""
    new_name = entry.new_name if find_entry(target, entry.name) is None else None
    return ImageChange(entry.name, new_name=new_name, new_tag=entry.new_tag, digest=entry.digest)


def _same_images(source: Sequence[ImageEntry], target: Sequence[ImageEntry]) -> bool:
    for entry in source:
        other = find_entry(target, entry.name)
        if other is None or (other.new_tag, other.digest) != (entry.new_tag, entry.digest):
            return False
    return True


def deltas(changes: Sequence[ImageChange], before: Sequence[ImageEntry],
            after: Sequence[ImageEntry]) -> tuple[ImageDelta, ...]:
    deltas = []
    for change in changes:
        old, new = find_entry(before, change.name), find_entry(after, change.name)
        deltas.append(ImageDelta(
            change.name,
            old.new_tag if old else None,
            new.new_tag if new else None,
            old.digest if old else None,
            new.digest if new else None,
        ))
    return tuple(deltas)
