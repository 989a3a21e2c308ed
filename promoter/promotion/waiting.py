"""promote --wait: plan on the branch tip, and while the gates refuse in a way waiting can change
(a status missing or pending, a soak not over yet), pause, move to the freshest tip and plan
again, until they pass, fail, or --timeout would pass first (both GateRefused, exit 3).

The pause is the poll interval, or for a soak exactly what is left of it; never more than five
minutes, so a CI log hears from promoter (`notify`) before its no-output timeout.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from promoter.config import Config
from promoter.durations import format_duration
from promoter.gitrepo import Workspace
from promoter.promotion.gating import GateRefused
from promoter.promotion.options import CommitOptions, Waiting
from promoter.promotion.results import Plan, Planner

MAX_PAUSE = 300.0  # seconds between two notes in the log
_SETTLE = 1.0  # seconds after a soak ends before looking again


def ready_plan(ws: Workspace, planner: Planner, load: Callable[[], Config],
               opts: CommitOptions) -> Plan:
    """planner's plan; with opts.waiting.wait, the first one the gates let through."""
    waiting = opts.waiting
    deadline = waiting.monotonic() + waiting.timeout
    while True:
        try:
            return planner(ws, load())
        except GateRefused as refused:
            pause = _pause(refused, waiting, deadline)
            waiting.notify(f"waiting {_seconds(pause)} (at most {_seconds(waiting.timeout)} "
                           f"in all): {refused.message}")
        opts.sleep(pause)
        if ws.will_push:  # the private checkout is moved to the tip only for a real run
            ws.sync()


def _pause(refused: GateRefused, waiting: Waiting, deadline: float) -> float:
    """How long to pause before planning again; the refusal itself when there is no waiting
    for it, or a new one when --timeout ends first."""
    if not waiting.wait or refused.final:
        raise refused
    left = deadline - waiting.monotonic()
    limit = _seconds(waiting.timeout)
    if refused.ready_in is not None and refused.ready_in > left:
        raise GateRefused(f"{refused.message}; --timeout {limit} ends before that",
                          final=True, hint="wait with a longer --timeout, or promote later"
                          ) from refused
    if left <= 0:
        raise GateRefused(f"gave up waiting after --timeout {limit}: {refused.message}",
                          final=True, hint=refused.hint) from refused
    wanted = waiting.interval if refused.ready_in is None else refused.ready_in + _SETTLE
    return max(min(wanted, left, MAX_PAUSE), 0.0)


def _seconds(seconds: float) -> str:
    return format_duration(timedelta(seconds=seconds)) if seconds >= 1 else f"{seconds:g}s"
