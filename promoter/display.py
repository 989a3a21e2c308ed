"""Human output: the change lines, the status/history/validate tables, pr-status and demo steps.

People read these on a terminal (often 80 columns) or in a CI log (160 columns unless COLUMNS is
set). Tables shorten hashes rather than fold them mid-hash; the full values are in --json.
Values are escaped where they meet markup; CleanConsole takes every control character out of
what is printed, in one place.
"""

from __future__ import annotations

import os
from datetime import datetime
from typing import TYPE_CHECKING, Any

from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from promoter.display_pipeline import show_pipeline
from promoter.sanitize import strip_control
from promoter.trailers import SUBJECT_VERB, Record, split_source

if TYPE_CHECKING:
    from promoter.demo import DemoResult, Step
    from promoter.history import HistoryEntry
    from promoter.promotion import ChangeResult, EnvironmentStatus, Validation
    from promoter.pullrequest import PullRequestReport

LOG_WIDTH = 160  # CI logs are not 80 columns wide; keep tables readable there
SHORT = 12  # characters of a commit id or a long tag shown in tables
TAG_MIN = SHORT + 1  # a shortened tag: 12 characters and the ellipsis
NARROW = 100  # columns: below, history shows people under the action instead of a column


class CleanConsole(Console):
    """A Console that never prints a control character it was given: every string it renders
    (a line, a table cell, a title, markup and links included) is cleaned by
    promoter.sanitize.strip_control before rich reads it. Its own colours are unaffected."""

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str(strip_control(text), **options)


def consoles() -> tuple[CleanConsole, CleanConsole]:
    """stdout and stderr for this run: the terminal's width, COLUMNS, or 160 in a log."""
    out = CleanConsole(highlight=False, soft_wrap=True)
    if not out.is_terminal and "COLUMNS" not in os.environ:
        out.width = LOG_WIDTH
    return out, CleanConsole(stderr=True, highlight=False, soft_wrap=True)


def short(value: str, keep: int = SHORT) -> str:
    """`value` cut to `keep` characters and an ellipsis when longer."""
    return value if len(value) <= keep + 1 else f"{value[:keep]}…"


def ref(tag: str | None, digest: str | None) -> str:
    text = tag or "(no tag)"
    return f"{text}@{digest[:19]}…" if digest else text


def short_ref(tag: str | None, digest: str | None) -> str:
    """A tag and digest for a table cell: both shortened, a space between (it may wrap there)."""
    text = short(tag) if tag else "(no tag)"
    return f"{text} {short(digest, len('sha256:') + SHORT)}" if digest else text


def short_source(source: str | None) -> str:
    env, commit = split_source(source)
    return f"{env} at {commit[:SHORT]}" if commit else (env or "")


def short_date(iso: str) -> str:
    """'2026-11-29T03:14:15+01:00' -> '2026-11-29 03:14 +01:00' (the zone stays visible)."""
    try:
        when = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    if when.tzinfo is None:
        return when.strftime("%Y-%m-%d %H:%M")
    zone = when.strftime("%z")
    return f"{when:%Y-%m-%d %H:%M} {zone[:3]}:{zone[3:5]}"


def build_link(url: str | None) -> str:
    """A CI build as its number (`#102`), linked to the build, or a shortened link."""
    if not url:
        return ""
    last = url.rstrip("/").rsplit("/", 1)[-1]
    text = f"#{last}" if last.isdigit() else short(url.split("://", 1)[-1], 24)
    target = url.replace("[", "%5B").replace("]", "%5D")  # a markup tag ends at its first ]
    return f"[link={target}]{escape(text)}[/link]"


def table(title: str | None = None) -> Table:
    """A table for people: a rule under the header, no vertical lines (room for values)."""
    return Table(title=title, box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False,
                 collapse_padding=True, title_justify="left")


class Display:
    """Prints results for people: `out` for results, `err` for diagnostics."""

    def __init__(self, out: CleanConsole | None = None, err: CleanConsole | None = None) -> None:
        default_out, default_err = consoles() if out is None or err is None else (out, err)
        self.out, self.err = out or default_out, err or default_err

    def warning(self, text: str) -> None:
        self.err.print(f"[yellow]promoter: warning:[/] {escape(text)}")

    def error(self, text: str) -> None:
        self.err.print(f"[bold red]promoter: error:[/] {escape(text)}")

    def note(self, text: str) -> None:
        """Progress on stderr (promote --wait), so a CI log hears from promoter."""
        self.err.print(f"[dim]promoter:[/] {escape(text)}")

    # ------------------------------------------------------------------------- changes

    def change(self, result: ChangeResult) -> None:
        """set-image, promote, rollback: what changed and where it went."""
        if not result.changed:
            self.out.print(f"[green]✔[/] {escape(result.environment)} already has "
                           f"{escape(images_text(result))}: nothing to do, no commit")
            return
        self.deltas(result)
        self.gates(result.gate)
        verb = SUBJECT_VERB.get(result.action, result.action)
        if result.dry_run:
            self.out.print(f"[yellow]dry run[/]: {verb}({escape(result.environment)}) would "
                           f"change {escape(result.path)}; nothing was written, committed or "
                           "pushed")
            self.out.print(escape(result.diff), end="")
        elif result.pull_request is not None:
            self.proposed(result, verb)
        else:
            self.committed(result, verb)
        self.approval(result)

    def approval(self, result: ChangeResult) -> None:
        """Who approved the change in CircleCI, and an overridden requirement's reason."""
        approval = result.approval
        for approver in approval.approvers if approval else ():
            job = f" (approval job {escape(approver.job)})" if approver.job else ""
            self.out.print(f"  approved by {escape(approver.approved_by())}{job}")
        if approval and approval.override:
            self.out.print(f"  [yellow]approval requirement overridden[/]: "
                           f"{escape(approval.override)}")

    def deltas(self, result: ChangeResult, colour: bool = True) -> None:
        """One line per changed image: `name  old → new` (old red, new green); a renamed
        image also `name  image OLDNAME → NEWNAME`."""
        old_style, new_style = ("red", "green") if colour else ("default", "default")
        for delta in result.images:
            if delta.renamed:
                old = escape(delta.old_new_name or delta.name)
                new = escape(delta.new_new_name or delta.name)
                self.out.print(f"  {escape(delta.name)}  image [{old_style}]{old}[/] → "
                               f"[{new_style}]{new}[/]")
            if (delta.old_tag, delta.old_digest) != (delta.new_tag, delta.new_digest):
                old = escape(ref(delta.old_tag, delta.old_digest))
                new = escape(ref(delta.new_tag, delta.new_digest))
                self.out.print(f"  {escape(delta.name)}  [{old_style}]{old}[/] → "
                               f"[{new_style}]{new}[/]")

    def gates(self, gate: dict[str, Any] | None) -> None:
        """What let a promotion through: `gates: argocd/web-staging success on 3f2a9c1e0b7d;
        soak 47m`."""
        if not gate:
            return
        parts = [f"{g['context']} {g['state']} on {g['commit'][:SHORT]}" for g in gate["gates"]]
        if gate.get("soak"):
            parts.append(f"soak {gate['soak']}")
        self.out.print(f"  gates: {escape('; '.join(parts))}")

    def proposed(self, result: ChangeResult, verb: str) -> None:
        pr = result.pull_request or {}
        verb_pr = "updated" if pr["updated"] else "opened"
        self.out.print(f"[green]✔[/] {verb}({escape(result.environment)}): {verb_pr} pull "
                       f"request #{pr['number']} {escape(pr['url'])} (branch "
                       f"{escape(pr['branch'])}, commit {(result.commit or '')[:SHORT]})")

    def committed(self, result: ChangeResult, verb: str) -> None:
        where = "pushed" if result.pushed else "committed locally, not pushed"
        if not result.pushed:
            self.warning("the commit was not pushed (--no-push, or the branch has no upstream): "
                         "nothing is deployed until it is pushed")
        source = f" from {escape(result.source)}" if result.source else ""
        retries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
        self.out.print(f"[green]✔[/] {verb}({escape(result.environment)}){source}: commit "
                       f"{(result.commit or '')[:SHORT]}, {where}{retries}")

    def diff(self, result: ChangeResult) -> None:
        if not result.changed:
            self.out.print(f"[green]✔[/] {escape(result.environment)} already has "
                           f"{escape(images_text(result))}")
            return
        self.deltas(result, colour=False)
        self.out.print(escape(result.diff), end="")

    # ------------------------------------------------------------------------- tables

    def status(self, result: dict[str, list[EnvironmentStatus]]) -> None:
        envs = result["environments"]
        self.out.print(status_table(envs))
        for env in envs:
            if env.error is not None:
                self.err.print(f"[red]✘[/] {escape(env.name)} ({escape(env.path)}): "
                               f"{escape(env.error)}")

    def history(self, result: dict[str, Any]) -> None:
        if not result["entries"]:
            self.out.print(f"no image changes to {escape(result['environment'])} in this "
                           "branch's history")
            return
        self.out.print(f"history of {escape(result['environment'])}")
        self.out.print(history_table(result["entries"], self.out.width))

    def validation(self, result: dict[str, Any]) -> None:
        item: Validation
        for item in result["environments"]:
            if item.error is None:
                images = ", ".join(str(i) for i in item.images) or "no images"
                self.out.print(f"[green]✔[/] {escape(item.name)} ({escape(item.path)}): "
                               f"{escape(images)}")
            else:
                self.err.print(f"[red]✘[/] {escape(item.name)} ({escape(item.path)}): "
                               f"{escape(item.error)}")

    def pipeline(self, report: Any) -> None:
        show_pipeline(self.out, self.err, report, table)

    def pr_status(self, report: PullRequestReport) -> None:
        pr = report.status.pr
        colour = {"merged": "green", "closed": "red", "changes-requested": "red",
                  "approved": "cyan"}.get(report.state, "yellow")
        done = " (merged by promoter)" if report.merged_now else ""
        if report.would_merge:
            done = " (dry run: would merge now; nothing merged)"
        late = " (timed out waiting)" if report.timed_out else ""
        self.out.print(f"#{pr.number} {escape(pr.title)}: [{colour}]{report.state}[/]{done}{late}")
        self.out.print(f"  {escape(pr.url)}  branch {escape(pr.head_branch)} @ "
                       f"{escape(pr.head_sha[:SHORT])}")
        approvals = ", ".join(report.status.approvals) or "none"
        self.out.print(f"  approvals: {escape(approvals)}; mergeable: {report.status.mergeable}")
        if report.status.changes_requested:
            names = ", ".join(report.status.changes_requested)
            self.out.print(f"  changes requested by: {escape(names)}")
        if report.gate is not None:
            self.gates(report.gate.to_json())

    # ------------------------------------------------------------------------- demo

    def step(self, step: Step) -> None:
        self.out.rule(f"[bold]{escape(step.title)}")
        if step.detail:
            self.out.print(escape(step.detail))
        if step.status is not None:
            self.status({"environments": step.status})
        if step.change is not None:
            self.change(step.change)
            if step.change.diff:
                self.out.print(escape(step.change.diff), end="")
        if step.commit_message:
            self.out.print("[dim]commit message:[/]")
            for line in step.commit_message.splitlines():
                self.out.print(f"  [cyan]{escape(line)}[/]")
        if step.history is not None:
            self.history({"environment": "production", "entries": step.history})
        if step.refusal is not None:
            code = int(step.refusal.exit_code)
            self.out.print(f"[red]refused (exit {code}):[/] {escape(str(step.refusal))}")
        for line in step.lines:
            self.out.print(f"  {escape(line)}")

    def demo(self, result: DemoResult) -> None:
        same = result.staging_tag == result.production_tag
        mark = "[green]✔[/]" if same else "[yellow]![/]"
        self.out.print(f"{mark} staging {escape(str(result.staging_tag))}, production "
                       f"{escape(str(result.production_tag))}; demo repo: "
                       f"{escape(str(result.workdir))}")


def images_text(result: ChangeResult) -> str:
    return ", ".join(f"{d.name} {ref(d.new_tag, d.new_digest)}" for d in result.images)


def status_table(envs: list[EnvironmentStatus]) -> Table:
    """Every environment's images; tags and digests are cut with an ellipsis when narrow."""
    digests = any(e.digest for env in envs for e in env.images)
    grid = table()
    grid.add_column("environment", no_wrap=True)
    grid.add_column("image", overflow="fold")
    grid.add_column("deploys", overflow="fold")
    grid.add_column("tag, digest" if digests else "tag", overflow="ellipsis", min_width=TAG_MIN)
    grid.add_column("source", no_wrap=True)
    grid.add_column("in sync", no_wrap=True)
    for env in envs:
        for row in _status_rows(env):
            grid.add_row(*row)
    return grid


def _status_rows(env: EnvironmentStatus) -> list[list[str]]:
    sync = {None: "", True: "[green]yes[/]", False: "[yellow]no[/]"}[env.in_sync]
    if env.error is not None:
        return [[escape(env.name), "[red]unreadable (below)[/]", "", "",
                 escape(env.source or ""), ""]]
    if not env.images:
        return [[escape(env.name), "(no images: entries)", "", "", escape(env.source or ""),
                 sync]]
    rows = []
    for i, entry in enumerate(env.images):
        first = i == 0
        version = "\n".join(value for value in (entry.new_tag, entry.digest) if value)
        rows.append([escape(env.name) if first else "", escape(entry.name),
                     escape(entry.new_name or entry.name), escape(version),
                     escape(env.source or "") if first else "", sync if first else ""])
    return rows


def people_text(record: Record) -> str:
    """Who set a change going and who approved it: `▸ ci-bot` then `✔ alice (Alice Liddell)`, one
    line each; `override: approval: REASON` for an overridden requirement. (--json has the
    approval jobs too.)"""
    lines = [f"▸ {record.triggered_by}"] if record.triggered_by else []
    lines += [f"✔ {a.approved_by()}" for a in record.approvals]
    lines += [f"override: {override}" for override in record.overrides]
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
        images = "\n".join(f"{i.name} {short_ref(i.tag, i.digest)}" for i in record.images)
        source = short_source(record.source)
        action = f"{record.action} from {source}" if source else record.action
        if people and not column:
            action = "\n".join(part for part in (action, people_text(record)) if part)
        grid.add_row(escape(short_date(entry.date)), escape(entry.commit[:SHORT]),
                     escape(entry.author.split(" <", 1)[0]), escape(action), escape(images),
                     *([escape(people_text(record))] if column else []),
                     *([build_link(record.build_url)] if builds else []))
    return grid
