"""Human output of check-pipeline: what it checked, the guarded jobs table, the steps it could
not see into (reviewed or not), the findings and the verdict."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from promoter.circleci_lint.report import PipelineReport, UnverifiedStep


def show_pipeline(out: Console, err: Console, report: PipelineReport,
                  table_factory: Callable[[str], Table]) -> None:
    for line in report.checked:
        out.print(f"  checked: {escape(line)}")
    if report.guarded:
        out.print(_guarded_table(report, table_factory))
    for step in report.unverified:
        if not step.fails:
            out.print(f"  {_unverified(step)}")
    for finding in report.findings:
        err.print(f"[red]✘[/] {escape(report.path)}: workflow {escape(finding.workflow)}, "
                  f"job {escape(finding.job)}: {escape(finding.message)}")
    if report.ok:
        reviewed = len(report.reviewed)
        note = f" ({reviewed} reviewed by `# promoter: reviewed`)" if reviewed else ""
        out.print(f"[green]✔[/] {escape(report.path)}: no path reaches a guarded environment "
                  f"without approval, and nothing it cannot see runs in a job that reaches "
                  f"one{note}")


def _guarded_table(report: PipelineReport, table_factory: Callable[[str], Table]) -> Table:
    table = table_factory("Jobs that reach a guarded environment")
    for column in ("workflow", "job", "environment", "how", "approval path", "serial-group"):
        table.add_column(column, overflow="fold")  # names matter whole, even on 80 columns
    for job in report.guarded:
        table.add_row(escape(job.workflow), escape(job.job), escape(", ".join(job.environments)),
                      escape(job.how), escape(job.approval_path),
                      escape(job.serial_group or "none"))
    return table


def _unverified(step: UnverifiedStep) -> str:
    where = f"{escape(step.location)}: workflow {escape(step.workflow)}, job {escape(step.job)}"
    what = f"{escape(step.reason)}: `{escape(step.command)}`"
    if step.reviewed is not None:
        return f"reviewed: {where}: {what}; pragma {escape(step.reviewed)}"
    return (f"cannot see into: {where}: {what} (not counted: the job reaches no guarded "
            "environment)")
