"""The planners: what set-image, promote and rollback change, decided on the branch's current tip
(and again on the new tip after a rejected push, or after a pause of promote --wait), and the
policy checks they apply (promote: the target's gates, promotion.gating)."""

from __future__ import annotations

from collections.abc import Sequence

from promoter.config import Config, Environment
from promoter.errors import PolicyError, UsageError
from promoter.gitrepo import Workspace
from promoter.kustomize.arguments import image_changes
from promoter.kustomize.entries import ImageChange, ImageEntry, find_entry
from promoter.promotion.change import change
from promoter.promotion.gating import GateContext, GatePass, check_gates
from promoter.promotion.options import CommitOptions, RepoOptions, clean_reason
from promoter.promotion.results import ChangeResult, Plan, Planner
from promoter.promotion.versions import (
    current_state,
    find_in_history,
    in_place,
    kustomization_rel,
    previous_state,
    read_entries,
    select,
)


def set_image(repo: RepoOptions, opts: CommitOptions, environment: str, images: Sequence[str],
              new_names: Sequence[str] = ()) -> ChangeResult:
    """Write IMAGE=TAG (and the other forms) into an environment without a source; new_names
    (`--new-name IMAGE=NEWNAME`) change entries' newName in the same commit."""
    changes = image_changes(images, new_names)

    def plan(ws: Workspace, cfg: Config) -> Plan:
        env = cfg.environment(environment)
        if env.source is not None:
            raise PolicyError(
                f"{env.name} receives images only from {env.source}: set-image cannot change it",
                hint=f"use promote: promoter promote {env.name} --tag TAG",
            )
        _check_tag_policy(cfg, changes)
        _check_name_policy(cfg, changes)
        return Plan(env, changes)

    return change(repo, opts, "set-image", plan, depth=1)


GATES = GateContext()  # the gates checked with the process's environment and the system's time


def promote(repo: RepoOptions, opts: CommitOptions, target: str, *, tag: str | None = None,
            images: Sequence[str] = (), from_env: str | None = None) -> ChangeResult:
    """Copy image entries (tag and digest) from TARGET's source environment."""
    gates = GateContext(opts.environ, opts.now)
    return change(repo, opts, "promote", promote_planner(target, tag, images, from_env, gates),
                   depth=None)


def promote_planner(target: str, tag: str | None, images: Sequence[str],
                    from_env: str | None, gates: GateContext | None = GATES) -> Planner:
    """What promote changes; with `gates` (None only for `diff`, which promotes nothing), the
    target's gates must let the versions through."""

    def plan(ws: Workspace, cfg: Config) -> Plan:
        env, source = _source_of(cfg, target, from_env)
        rel = kustomization_rel(ws, source)
        if tag is None:
            at, entries = current_state(ws, rel)
            entries = select(entries, images, source.name)
        else:
            at, entries = find_in_history(ws, rel, tag, images, source.name)
        current = read_entries(ws, kustomization_rel(ws, env))
        changes = tuple(_copy_change(e, current) for e in entries if e.new_tag or e.digest)
        if not changes:
            raise PolicyError(f"{source.name} has no image tag or digest to promote to {env.name}")
        gate = _gate(ws, cfg, env, source, entries, current, gates)
        return Plan(env, changes, source=f"{source.name}@{at}", gate=gate)

    return plan


def _gate(ws: Workspace, cfg: Config, env: Environment, source: Environment,
          entries: Sequence[ImageEntry], current: Sequence[ImageEntry],
          gates: GateContext | None) -> GatePass | None:
    """The target's gates for the versions it does not have yet; none to pass when it has no
    gates, when it has every version already, or for `diff` (gates None)."""
    wanted = [e for e in entries if (e.new_tag or e.digest) and not in_place(e, current)]
    if env.gates is None or gates is None:
        return None
    return check_gates(ws, cfg, env, source, wanted, gates)


def rollback(repo: RepoOptions, opts: CommitOptions, environment: str, *,
             to: str | None = None, hold: bool = False) -> ChangeResult:
    """A new forward commit setting ENV back to its previous images, or to tag TO; with hold,
    the same commit holds ENV (for opts.overrides.reason)."""
    return change(repo, opts, "rollback", rollback_planner(environment, to, hold=hold),
                  depth=None)


def rollback_planner(environment: str, to: str | None, *, hold: bool = False) -> Planner:
    def plan(ws: Workspace, cfg: Config) -> Plan:
        env = cfg.environment(environment)
        rel = kustomization_rel(ws, env)
        current = read_entries(ws, rel)
        if to is not None:
            _, entries = find_in_history(ws, rel, to, (), env.name)
        else:
            entries = previous_state(ws, rel, current, env.name)
        changes = tuple(ImageChange(e.name, new_tag=e.new_tag, digest=e.digest) for e in entries)
        return Plan(env, changes, hold=hold)

    return plan


def hold(repo: RepoOptions, opts: CommitOptions, environment: str) -> ChangeResult:
    """Commit a hold record for ENV (the reason is opts.overrides.reason): set-image, promote
    and rollback refuse to change it until release. Already held: nothing to do."""
    if clean_reason(opts.overrides.reason) is None:
        raise UsageError(f"promoter hold {environment} needs --reason TEXT",
                         hint="say why; the reason is in the hold record and the commit")

    def plan(ws: Workspace, cfg: Config) -> Plan:
        return Plan(cfg.environment(environment), (), hold=True)

    return change(repo, opts, "hold", plan, depth=1)


def release(repo: RepoOptions, opts: CommitOptions, environment: str) -> ChangeResult:
    """Commit the removal of ENV's hold record. Not held: nothing to do."""

    def plan(ws: Workspace, cfg: Config) -> Plan:
        return Plan(cfg.environment(environment), (), release=True)

    return change(repo, opts, "release", plan, depth=1)


def _check_tag_policy(cfg: Config, changes: Sequence[ImageChange]) -> None:
    for wanted in changes:
        if wanted.new_tag is not None and not cfg.tag_matches(wanted.new_tag):
            raise PolicyError(
                f"tag {wanted.new_tag!r} for {wanted.name} does not match tag_pattern "
                f"{cfg.tag_pattern!r}",
                hint="deploy an image tagged with the commit hash, or change tag_pattern in "
                "promoter.yaml",
            )


def _check_name_policy(cfg: Config, changes: Sequence[ImageChange]) -> None:
    for wanted in changes:
        if wanted.new_name is not None and not cfg.name_allowed(wanted.new_name):
            listed = ", ".join(repr(p) for p in cfg.allowed_names or ()) or "an empty list"
            raise PolicyError(
                f"new name {wanted.new_name!r} for {wanted.name} matches none of allowed_names "
                f"in {cfg.path or 'promoter.yaml'} ({listed})",
                hint="use an image name that one of them matches in full, or add a pattern to "
                "allowed_names",
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


def _copy_change(entry: ImageEntry, target: Sequence[ImageEntry]) -> ImageChange:
    """Tag and digest travel; newName travels only when the target has no entry yet."""
    new_name = entry.new_name if find_entry(target, entry.name) is None else None
    return ImageChange(entry.name, new_name=new_name, new_tag=entry.new_tag, digest=entry.digest)
