"""The rules every change meets on the branch tip, whatever it changes: freeze windows and holds;
and what a change does to the environment's hold record (hold, release, rollback --hold).

    action               in a freeze window                  while the environment is held
    set-image, promote   exit 3, unless --override-freeze    exit 3, unless --override-hold
                         --reason TEXT                       --reason TEXT
    rollback             exit 3, unless --reason TEXT        exit 3, unless --override-hold ...
    hold, release        allowed                             hold: nothing to do; release

Each rule that let a change through is recorded in its commit as `Promoter-Override: freeze:
TEXT` or `Promoter-Override: hold: TEXT`. The rules are applied to every plan, on the tip it was
made on (so again after a rejected push), by `settled`: no planner can forget them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from promoter.config import Config, Environment
from promoter.durations import format_duration
from promoter.errors import ContentError, PolicyError, UsageError
from promoter.freeze import OpenWindow, open_window
from promoter.gitrepo import Workspace
from promoter.holds import Hold, hold_path, hold_text, read_hold
from promoter.promotion.options import CommitOptions, Overrides
from promoter.promotion.results import FileChange, Plan, Planner
from promoter.trailers import ci_metadata

DEPLOYS = frozenset({"set-image", "promote", "rollback"})  # the actions freezes and holds stop


def settled(planner: Planner, action: str, opts: CommitOptions) -> Planner:
    """planner, followed on the same tip by the freeze and hold rules (settle)."""

    def plan(ws: Workspace, cfg: Config) -> Plan:
        return settle(ws, planner(ws, cfg), action, opts)

    return plan


def settle(ws: Workspace, plan: Plan, action: str, opts: CommitOptions) -> Plan:
    """plan, refused (PolicyError; UsageError for a hold without a reason) or completed: the
    overrides it is let through with, the hold file it writes or removes."""
    if plan.release:
        return _released(ws, plan)
    held = read_hold(ws.root, plan.environment.name)
    if action in DEPLOYS:
        plan = replace(plan, overrides=_overrides(plan.environment, action, held, opts))
    if not plan.hold:
        return plan
    if held is not None:  # already held (rollback --hold --override-hold): the hold stays
        return replace(plan, held=held)
    reason = opts.overrides.reason
    if reason is None:
        raise UsageError(f"holding {plan.environment.name} needs --reason TEXT",
                         hint="say why; the reason is in the hold record and the commit")
    new = Hold(plan.environment.name, reason, by=_who(ws, opts),
               since=opts.now().replace(microsecond=0).isoformat(),
               build_url=ci_metadata(opts.environ).get("build_url"))
    return replace(plan, files=(FileChange(new.path, hold_text(new)),), held=new)


def _released(ws: Workspace, plan: Plan) -> Plan:
    """release: the hold file removed; one that cannot be read is removed all the same (that
    is how a broken hold is ended). Nothing to do when there is none."""
    rel = hold_path(plan.environment.name)
    try:
        held = read_hold(ws.root, plan.environment.name)
    except ContentError:
        return replace(plan, files=(FileChange(rel, None),))
    if held is None:
        return plan
    return replace(plan, files=(FileChange(rel, None),), held=held)


def _who(ws: Workspace, opts: CommitOptions) -> str:
    """Who holds: the CI's user (CIRCLE_USERNAME), else the git identity that commits."""
    return ci_metadata(opts.environ).get("triggered_by") or ws.author()


def _overrides(env: Environment, action: str, held: Hold | None,
               opts: CommitOptions) -> tuple[str, ...]:
    found = []
    window = open_window(env.freeze, opts.now())
    if window is not None:
        found.append(_through_freeze(env, action, window, opts.overrides))
    if held is not None:
        found.append(_through_hold(env, action, held, opts.overrides))
    return tuple(found)


def _through_freeze(env: Environment, action: str, window: OpenWindow,
                    given: Overrides) -> str:
    """The override a change inside a freeze window is let through with, or the refusal."""
    frozen = (f"{env.name} is in {window.window.describe()} until {when(window.end)} "
              f"({format_duration(window.left)} left)")
    if action == "rollback":
        if given.reason is None:
            raise PolicyError(f"{frozen}: a rollback is allowed, but needs --reason TEXT",
                             hint="say why with --reason; it is recorded in the commit as "
                             "Promoter-Override: freeze: TEXT")
    elif not given.freeze:
        raise PolicyError(f"{frozen}: {action} is refused",
                          hint="wait until the window ends, or pass --override-freeze --reason "
                          "TEXT (recorded in the commit)")
    return f"freeze: {given.reason}"


def _through_hold(env: Environment, action: str, held: Hold, given: Overrides) -> str:
    """The override a change to a held environment is let through with, or the refusal."""
    if not given.hold:
        raise PolicyError(f"{env.name} is {held.describe()} ({held.path}); {action} is refused",
                          hint=f"promoter release {env.name} ends the hold; or pass "
                          "--override-hold --reason TEXT (recorded in the commit)")
    return f"hold: {given.reason}"


def when(moment: datetime) -> str:
    """`2026-11-30 09:00 +09:00`: minutes and the UTC offset."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M} {offset[:3]}:{offset[3:5]}"
