"""How `promoter demo` talks to the person running it: the approval question (asked at a
terminal, answered automatically with --yes, in CI or without a terminal), each step printed
as it happens (nothing with --json, which prints the one result document), and the outcome."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

import typer
from rich.markup import escape

from promoter.cli_options import OutputOptions
from promoter.demo import DemoResult, Step
from promoter.display import Display


def approver(screen: Display, yes: bool) -> Callable[[str], bool]:
    """The demo's approval: a question at a terminal, else approved saying why."""
    interactive = not yes and not os.environ.get("CI") and sys.stdin.isatty()

    def approve(question: str) -> bool:
        if interactive:
            return typer.confirm(question, default=True, err=True)
        reason = "--yes" if yes else ("CI is set" if os.environ.get("CI") else "no terminal")
        screen.err.print(f"{question} approved automatically ({reason})")
        return True

    return approve


def reporter(screen: Display, output: OutputOptions) -> Callable[[Step], None]:
    """Each demo step printed for people (nothing with --json)."""

    def report(step: Step) -> None:
        if not output.json:
            show_step(screen, step)

    return report


def show_step(screen: Display, step: Step) -> None:
    """One demo step: a rule with its title, then what it did."""
    out = screen.out
    out.rule(f"[bold]{escape(step.title)}")
    if step.detail:
        out.print(escape(step.detail))
    if step.status is not None:
        screen.status({"environments": step.status})
    if step.change is not None:
        screen.change(step.change)
        if step.change.diff:
            out.print(escape(step.change.diff), end="")
    if step.commit_message:
        out.print("[dim]commit message:[/]")
        for line in step.commit_message.splitlines():
            out.print(f"  [cyan]{escape(line)}[/]")
    if step.history is not None:
        screen.history({"environment": "production", "entries": step.history})
    if step.refusal is not None:
        code = int(step.refusal.exit_code)
        out.print(f"[red]refused (exit {code}):[/] {escape(str(step.refusal))}")
    for line in step.lines:
        out.print(f"  {escape(line)}")


def show_demo(screen: Display, result: DemoResult) -> None:
    """The outcome: staging's and production's tags, and where the demo repository is."""
    same = result.staging_tag == result.production_tag
    mark = "[green]✔[/]" if same else "[yellow]![/]"
    screen.out.print(f"{mark} staging {escape(str(result.staging_tag))}, production "
                     f"{escape(str(result.production_tag))}; demo repo: "
                     f"{escape(str(result.workdir))}")
