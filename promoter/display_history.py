"""Human output of `history`: one row per change, with who set it going and who approved it,
what it did to the environment's hold, and what it overrode."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.markup import escape
from rich.table import Table

from promoter.display import (
    SHORT,
    TAG_MIN,
    build_link,
    short_date,
    short_ref,
    short_source,
    table,
)
from promoter.trailers import Record

if TYPE_CHECKING:
    from promoter.history import HistoryEntry

APPROVAL_OVERRIDE = "approval:"  # shown with the people; freeze: and hold: with the images
NARROW = 100  # columns: below, history shows people under the action instead of a column


def people_text(record: Record) -> str:
    """Who set a change going and who approved it: `▸ ci-bot` then `✔ alice (Alice Liddell)`, one
    line each; `override: approval: REASON` for an overridden requirement. (--json has the
    approval jobs too.)"""
    lines = [f"▸ {record.triggered_by}"] if record.triggered_by else []
    lines += [f"✔ {a.approved_by()}" for a in record.approvals]
    lines += [f"override: {override}" for override in record.overrides
              if override.startswith(APPROVAL_OVERRIDE)]
    return "\n".join(lines)


def history_table(entries: list[HistoryEntry], width: int = NARROW) -> Table:
    """One row per change: commits and tags shortened to 12 characters, the build as #N, who
    set it going and who approved it (a column `by`; below NARROW columns, under the action,
    to fit 80)."""
    builds = any(e.record.build_url for e in entries)
    people = any(people_text(e.record) for e in entries)
    column = people and width >= NARROW
    grid = table()
    grid.add_column("date", min_width=len("03:14 +00:00"))
    grid.add_column("commit", no_wrap=True, min_width=SHORT)
    grid.add_column("author", overflow="fold", min_width=8)
    grid.add_column("action", min_width=SHORT)
    grid.add_column("images", overflow="ellipsis", min_width=TAG_MIN)
    if column:
        grid.add_column("by", overflow="fold")
    if builds:
        grid.add_column("build", no_wrap=True)
    for entry in entries:
        record = entry.record
        action = history_action(entry)
        if people and not column:
            action = "\n".join(part for part in (action, people_text(record)) if part)
        grid.add_row(escape(short_date(entry.date)), escape(entry.commit[:SHORT]),
                     escape(entry.author.split(" <", 1)[0]), escape(action),
                     escape("\n".join(history_details(entry))),
                     *([escape(people_text(record))] if column else []),
                     *([build_link(record.build_url)] if builds else []))
    return grid


def history_action(entry: HistoryEntry) -> str:
    """`promote from staging at 3f2a9c1…`, `rollback + hold`, `hold`, `release`."""
    record, source = entry.record, short_source(entry.record.source)
    action = f"{record.action} from {source}" if source else record.action
    if entry.hold is not None and entry.hold.change != record.action:
        action += f" + {entry.hold.change}"
    return action


def history_details(entry: HistoryEntry) -> list[str]:
    """The images and tags, what it did to the hold, and what it overrode: one line each."""
    lines = [f"{i.name} {short_ref(i.tag, i.digest)}" for i in entry.record.images]
    if entry.hold is not None:
        reason = f": {entry.hold.hold.reason}" if entry.hold.hold else ""
        lines.append(f"{'held' if entry.hold.change == 'hold' else 'released'}{reason}")
    lines += [f"override {override}" for override in entry.record.overrides
              if not override.startswith(APPROVAL_OVERRIDE)]
    return lines
