"""Command line: typer commands only. Parse, call the domain, print, map errors to exit codes.

People get rich text on stdout; `--json` prints exactly one JSON document on stdout. Diagnostics
go to stderr. Every option has a PROMOTER_* environment variable and is accepted after the
command name. Errors become exit codes in one place: `_run`.
"""

from __future__ import annotations

import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from promoter import __version__, promotion, pullrequest
from promoter.circleci_lint.sources import check_pipeline_file
from promoter.errors import ExitCode, PromoterError
from promoter.history import SUBJECT_VERB, split_source
from promoter.promotion import ChangeResult, CommitOptions, RepoOptions
from promoter.sanitize import redact

ROOT_HELP = (
    "Promote the exact image tag staging had to production, through a GitOps repo.\n\n"
    "Exit codes: 0 done or nothing to do, 1 interrupted or unexpected, 2 usage, 3 refused by "
    "policy, "
    "4 invalid content or render failure, 5 git or remote failure, 8 pull request still open "
    "(pr-status)."
)


def _json_requested(args: Sequence[str]) -> bool:
    flag = os.environ.get("PROMOTER_JSON", "").strip().lower() in ("1", "true", "yes", "on")
    return flag or "--json" in args


class _Group(TyperGroup):
    """Parser errors (missing argument, bad option value) also honour --json."""

    def main(self, args: Sequence[str] | None = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             windows_expand_args: bool = True, **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode,
                                windows_expand_args, **extra)
        argv = list(sys.argv[1:] if args is None else args)
        try:
            rv = super().main(argv, prog_name, complete_var, False, windows_expand_args, **extra)
        except Exception as exc:
            code, describe = getattr(exc, "exit_code", None), getattr(exc, "format_message", None)
            if not isinstance(code, int) or describe is None:
                raise
            if _json_requested(argv):
                doc = {"error": {"message": describe(), "exit_code": code,
                                 "type": type(exc).__name__}}
                sys.stdout.write(json.dumps(doc, indent=2) + "\n")
            exc.show()  # type: ignore[attr-defined]
            sys.exit(code)
        sys.exit(rv if isinstance(rv, int) else 0)


app = typer.Typer(
    name="promoter",
    help=ROOT_HELP,
    cls=_Group,
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# ----------------------------------------------------------------------------- options

Repo = Annotated[str, typer.Option(
    "--repo", envvar="PROMOTER_REPO",
    help="GitOps repo: a local working copy or a URL (file://, ssh://, git@host:org/r.git, https://).",
)]
Branch = Annotated[str | None, typer.Option(
    "--branch", envvar="PROMOTER_BRANCH",
    help="Branch to read and commit to \\[default: remote default / current branch].",
)]
ConfigOpt = Annotated[str | None, typer.Option(
    "--config", envvar="PROMOTER_CONFIG",
    help="Config file, relative to the repo root \\[default: promoter.yaml, else overlays/*].",
)]
Push = Annotated[bool, typer.Option(
    "--push/--no-push", envvar="PROMOTER_PUSH",
    help="Push the commit (a local working copy pushes to its upstream).",
)]
Json = Annotated[bool, typer.Option(
    "--json", envvar="PROMOTER_JSON", help="Print one JSON document on stdout.")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", envvar="PROMOTER_DRY_RUN", help="Show the diff; change nothing.")]
Message = Annotated[str | None, typer.Option(
    "--message", "-m", envvar="PROMOTER_MESSAGE", help="Commit message body (why).")]
SkipCi = Annotated[bool, typer.Option(
    "--skip-ci", envvar="PROMOTER_SKIP_CI", help="Add \\[skip ci] to the commit subject.")]
Debug = Annotated[bool, typer.Option(
    "--debug", envvar="PROMOTER_DEBUG", help="Show tracebacks.")]
PrOpt = Annotated[bool, typer.Option(
    "--pr", envvar="PROMOTER_PR",
    help="Open (or update) the environment's promotion pull request instead of pushing.")]
MaxAttempts = Annotated[int, typer.Option(
    "--max-attempts", envvar="PROMOTER_MAX_ATTEMPTS", min=1,
    help="Push attempts when the branch moves under us.")]


@dataclass(frozen=True)
class Common:
    repo: RepoOptions
    commit: CommitOptions
    json: bool
    debug: bool


def _common(repo: str, branch: str | None, config: str | None, push: bool, json_out: bool,
            dry_run: bool, message: str | None, skip_ci: bool, debug: bool,
            max_attempts: int = 10) -> Common:
    return Common(
        RepoOptions(repo=repo, branch=branch, config=config, push=push),
        CommitOptions(dry_run=dry_run, message=message, skip_ci=skip_ci,
                      max_attempts=max_attempts, environ=dict(os.environ)),
        json_out,
        debug,
    )


out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)
if not out.is_terminal and "COLUMNS" not in os.environ:
    out.width = 160  # CI logs are not 80 columns wide; keep tables readable there


def _run(common: Common, action: Callable[[], Any], human: Callable[[Any], None],
         code: Callable[[Any], int] = lambda _: 0) -> None:
    """Call the domain; print its result; map every outcome to its exit code, here only:
    errors by their class, results by `code` (validate, check-pipeline, pr-status)."""
    try:
        result = action()
    except PromoterError as exc:
        _fail(common, str(exc), exc.exit_code, type(exc).__name__)
    except KeyboardInterrupt:
        _fail(common, "interrupted", ExitCode.UNEXPECTED, "KeyboardInterrupt")
    except Exception as exc:  # an unexpected error: one line, traceback only with --debug
        if common.debug:
            err.print_exception()
        _fail(common, f"unexpected error: {redact(repr(exc))} (run with --debug for details)",
              ExitCode.UNEXPECTED, type(exc).__name__)
    if common.json:
        sys.stdout.write(json.dumps(_to_json(result), indent=2) + "\n")
    else:
        human(result)
    for warning in getattr(result, "warnings", ()) or ():
        err.print(f"[yellow]promoter: warning:[/] {escape(warning)}")
    exit_code = code(result)
    if exit_code:
        raise typer.Exit(exit_code)


def _fail(common: Common, message: str, code: ExitCode, kind: str) -> None:
    if common.debug and sys.exc_info()[0] is not None and code != ExitCode.UNEXPECTED:
        err.print_exception()
    err.print(f"[bold red]promoter: error:[/] {escape(message)}")
    if common.json:
        doc = {"error": {"message": message, "exit_code": int(code), "type": kind}}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    raise typer.Exit(int(code))


def _to_json(result: Any) -> Any:
    if hasattr(result, "to_json"):
        return result.to_json()
    if isinstance(result, dict):
        return {k: _to_json(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [_to_json(v) for v in result]
    return result


# ----------------------------------------------------------------------------- human output


def _run_change(c: Common, action: str, planner: promotion.Planner, pr: bool) -> None:
    """promote and rollback: the same plan, pushed to the branch or proposed as a PR."""
    apply = pullrequest.propose if pr else promotion.change
    _run(c, lambda: apply(c.repo, c.commit, action, planner), _show_change)


def _show_change(result: ChangeResult) -> None:
    verb = SUBJECT_VERB.get(result.action, result.action)
    if not result.changed:
        out.print(f"[green]✔[/] {result.environment} already has "
                  f"{_images_text(result)}: nothing to do, no commit")
        return
    for delta in result.images:
        if delta.changed:
            old = _ref(delta.old_tag, delta.old_digest)
            new = _ref(delta.new_tag, delta.new_digest)
            out.print(f"  {escape(delta.name)}  [red]{escape(old)}[/] → [green]{escape(new)}[/]")
    if result.dry_run:
        out.print(f"[yellow]dry run[/]: {verb}({result.environment}) would change "
                  f"{result.path}; nothing was written, committed or pushed")
        out.print(escape(result.diff), end="")
        return
    if result.pull_request is not None:
        pr = result.pull_request
        verb_pr = "updated" if pr["updated"] else "opened"
        out.print(f"[green]✔[/] {verb}({result.environment}): {verb_pr} pull request "
                  f"#{pr['number']} {pr['url']} (branch {escape(pr['branch'])}, commit "
                  f"{(result.commit or '')[:12]})")
        return
    where = "pushed" if result.pushed else "committed locally, not pushed"
    if not result.pushed:
        err.print("[yellow]promoter: warning:[/] the commit was not pushed (--no-push, or the "
                  "branch has no upstream): nothing is deployed until it is pushed")
    source = f" from {result.source}" if result.source else ""
    retries = f" after {result.attempts} attempts" if result.attempts > 1 else ""
    out.print(f"[green]✔[/] {verb}({result.environment}){source}: commit "
              f"{(result.commit or '')[:12]}, {where}{retries}")


def _images_text(result: ChangeResult) -> str:
    return ", ".join(f"{d.name} {_ref(d.new_tag, d.new_digest)}" for d in result.images)


def _ref(tag: str | None, digest: str | None) -> str:
    text = tag or "(no tag)"
    return f"{text}@{digest[:19]}…" if digest else text


# ----------------------------------------------------------------------------- commands


@app.command("set-image")
def set_image_cmd(
    environment: Annotated[str, typer.Argument(help="Environment, e.g. staging.")],
    images: Annotated[list[str], typer.Argument(
        help="IMAGE=TAG, IMAGE:TAG, IMAGE@sha256:HEX, IMAGE=TAG@sha256:HEX, IMAGE=NEWNAME:TAG.")],
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False, max_attempts: MaxAttempts = 10,
) -> None:
    """Deploy a tag to an environment without a source (staging): edit, render, commit, push."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug,
                max_attempts)
    _run(c, lambda: promotion.set_image(c.repo, c.commit, environment, images), _show_change)


@app.command()
def promote(
    target: Annotated[str, typer.Argument(help="Environment to promote into, e.g. production.")],
    tag: Annotated[str | None, typer.Option(
        "--tag", envvar="PROMOTER_TAG",
        help="Promote exactly this tag; it must have been deployed to the source.")] = None,
    image: Annotated[list[str] | None, typer.Option(
        "--image", envvar="PROMOTER_IMAGE", help="Only these images (repeatable).")] = None,
    from_env: Annotated[str | None, typer.Option(
        "--from", envvar="PROMOTER_FROM", help="Source environment (must be the configured one).")
    ] = None,
    pr: PrOpt = False,
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False, max_attempts: MaxAttempts = 10,
) -> None:
    """Copy image tags and digests from TARGET's source environment into TARGET."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug,
                max_attempts)
    _run_change(c, "promote", promotion.promote_planner(target, tag, image or (), from_env), pr)


@app.command()
def rollback(
    environment: Annotated[str, typer.Argument(help="Environment to roll back.")],
    to: Annotated[str | None, typer.Option(
        "--to", envvar="PROMOTER_TO", help="Tag to go back to (from ENV's own history).")] = None,
    pr: PrOpt = False,
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False, max_attempts: MaxAttempts = 10,
) -> None:
    """A new forward commit that sets ENV back to its previous tag, or to --to TAG."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug,
                max_attempts)
    _run_change(c, "rollback", promotion.rollback_planner(environment, to), pr)


@app.command()
def status(
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """Every environment with its images, and whether it matches its source."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)
    _run(c, lambda: {"environments": promotion.status(c.repo)}, _show_status)


def _table(*columns: str, fold: tuple[str, ...] = ()) -> Table:
    """A table whose `fold` columns wrap instead of cutting values: tags must be read whole."""
    table = Table()
    for name in columns:
        table.add_column(name, overflow="fold" if name in fold else "ellipsis",
                         no_wrap=name not in fold)
    return table


def _show_status(result: dict[str, list[promotion.EnvironmentStatus]]) -> None:
    envs = result["environments"]
    digests = any(e.digest for env in envs for e in env.images)
    columns = ["environment", "image", "deploys", "tag", *(["digest"] if digests else []),
               "source", "in sync"]
    table = _table(*columns, fold=("tag", "digest", "deploys"))
    for env in envs:
        sync = {None: "", True: "[green]yes[/]", False: "[yellow]no[/]"}[env.in_sync]
        if env.error is not None:
            table.add_row(env.name, "[red]unreadable (below)[/]", "", "",
                          *([""] if digests else []), env.source or "", "")
            continue
        for i, entry in enumerate(env.images):
            first = i == 0
            table.add_row(env.name if first else "", escape(entry.name),
                          escape(entry.new_name or entry.name), escape(entry.new_tag or ""),
                          *([escape(entry.digest or "")] if digests else []),
                          (env.source or "") if first else "", sync if first else "")
        if not env.images:
            table.add_row(env.name, "(no images: entries)", "", "", *([""] if digests else []),
                          env.source or "", sync)
    out.print(table)
    for env in envs:
        if env.error is not None:
            err.print(f"[red]✘[/] {env.name} ({env.path}): {escape(env.error)}")


@app.command()
def diff(
    source: Annotated[str, typer.Argument(help="Source environment, e.g. staging.")],
    target: Annotated[str, typer.Argument(help="Target environment, e.g. production.")],
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """What `promote TARGET` would change: the image deltas and the overlay diff."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)
    _run(c, lambda: promotion.diff(c.repo, source, target), _show_diff)


def _show_diff(result: ChangeResult) -> None:
    if not result.changed:
        out.print(f"[green]✔[/] {result.environment} already has {_images_text(result)}")
        return
    for delta in result.images:
        if delta.changed:
            out.print(f"  {escape(delta.name)}  {escape(_ref(delta.old_tag, delta.old_digest))}"
                      f" → {escape(_ref(delta.new_tag, delta.new_digest))}")
    out.print(escape(result.diff), end="")


@app.command()
def history(
    environment: Annotated[str, typer.Argument(help="Environment.")],
    limit: Annotated[int | None, typer.Option(
        "--limit", "-n", envvar="PROMOTER_LIMIT", min=1, help="At most N entries.")] = None,
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """The changes to ENV, newest first: images and tags from the overlay at each commit, who,
    why and from which build from the commit trailers (manual edits listed as manual)."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)
    _run(c, lambda: {"environment": environment,
                     "entries": promotion.history(c.repo, environment, limit=limit)},
         _show_history)


def _show_history(result: dict[str, Any]) -> None:
    if not result["entries"]:
        out.print(f"no image changes to {result['environment']} in this branch's history")
        return
    builds = any(e.record.build_url for e in result["entries"])
    table = _table("date", "commit", "author", "action", "images", "source",
                   *(["build"] if builds else []), fold=("images", "build"))
    for entry in result["entries"]:
        record = entry.record
        images = ", ".join(f"{i.name} {_ref(i.tag, i.digest)}" for i in record.images)
        author = entry.author.split(" <", 1)[0]
        date = entry.date[:16].replace("T", " ")
        table.add_row(date, entry.commit[:12], escape(author), record.action,
                      escape(images), escape(_short_source(record.source)),
                      *([escape(record.build_url or "")] if builds else []))
    out.print(f"history of {result['environment']}")
    out.print(table)


@app.command()
def validate(
    environments: Annotated[list[str] | None, typer.Argument(
        help="Environments to render \\[default: all].")] = None,
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """Render each environment with kustomize and list what it deploys; exit 4 on any failure."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)

    def action() -> dict[str, Any]:
        results = promotion.validate(c.repo, environments or ())
        return {"ok": all(r.error is None for r in results), "environments": results}

    _run(c, action, _show_validation,
         code=lambda result: 0 if result["ok"] else int(ExitCode.INVALID))


def _short_source(source: str | None) -> str:
    env, commit = split_source(source)
    return f"{env}@{commit[:12]}" if commit else (env or "")

def _show_validation(result: dict[str, Any]) -> None:
    for item in result["environments"]:
        if item.error is None:
            images = ", ".join(str(i) for i in item.images) or "no images"
            out.print(f"[green]✔[/] {item.name} ({item.path}): {escape(images)}")
        else:
            err.print(f"[red]✘[/] {item.name} ({item.path}): {escape(item.error)}")


@app.command("check-pipeline")
def check_pipeline(
    path: Annotated[str, typer.Argument(help="CircleCI config.")] = ".circleci/config.yml",
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """Fail (exit 4) when a job can change a guarded environment without an approval upstream."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)
    _run(c, lambda: check_pipeline_file(c.repo, path), _show_pipeline,
         code=lambda report: 0 if report.ok else int(ExitCode.INVALID))


def _show_pipeline(report: Any) -> None:
    for line in report.checked:
        out.print(f"  checked: {escape(line)}")
    for finding in report.findings:
        err.print(f"[red]✘[/] {report.path}: workflow {finding.workflow}, job {finding.job}: "
                  f"{escape(finding.message)}")
    if report.ok:
        out.print(f"[green]✔[/] {report.path}: no path reaches a guarded environment "
                  "without approval")


@app.command("pr-status")
def pr_status(
    environment: Annotated[str, typer.Argument(help="Environment whose promotion PR to read.")],
    number: Annotated[int | None, typer.Option(
        "--number", envvar="PROMOTER_PR_NUMBER", min=1,
        help="This pull request (e.g. from promote --pr --json) instead of the open one.")] = None,
    wait: Annotated[bool, typer.Option(
        "--wait", envvar="PROMOTER_WAIT", help="Poll until merged, closed or --timeout.")] = False,
    timeout: Annotated[float, typer.Option(
        "--timeout", envvar="PROMOTER_TIMEOUT", min=0, help="Seconds --wait polls at most.")
    ] = 3600.0,
    interval: Annotated[float, typer.Option(
        "--interval", envvar="PROMOTER_INTERVAL", min=0.01, help="Seconds between polls.")
    ] = 15.0,
    merge: Annotated[bool, typer.Option(
        "--merge", envvar="PROMOTER_MERGE",
        help="Merge the PR once approved and mergeable (guarded by its head sha).")] = False,
    method: Annotated[str, typer.Option(
        "--method", envvar="PROMOTER_MERGE_METHOD", help="merge, squash or rebase.")] = "merge",
    repo: Repo = ".", branch: Branch = None, config: ConfigOpt = None, push: Push = True,
    json_out: Json = False, dry_run: DryRun = False, message: Message = None,
    skip_ci: SkipCi = False, debug: Debug = False,
) -> None:
    """State of ENV's promotion pull request. Exit 0 merged, 3 closed or changes requested,
    8 still open (waiting for approval or merge)."""
    c = _common(repo, branch, config, push, json_out, dry_run, message, skip_ci, debug)
    options = pullrequest.WaitOptions(wait=wait, timeout=timeout, interval=interval, merge=merge,
                                      method=method, dry_run=dry_run)
    _run(c, lambda: pullrequest.pr_status(c.repo, environment, number=number, options=options,
                                          environ=os.environ),
         _show_pr_status, code=lambda report: int(report.exit_code))


def _show_pr_status(report: pullrequest.PullRequestReport) -> None:
    pr = report.status.pr
    colour = {"merged": "green", "closed": "red", "changes-requested": "red",
              "approved": "cyan"}.get(report.state, "yellow")
    done = " (merged by promoter)" if report.merged_now else ""
    if report.would_merge:
        done = " (dry run: would merge now; nothing merged)"
    late = " (timed out waiting)" if report.timed_out else ""
    out.print(f"#{pr.number} {escape(pr.title)}: [{colour}]{report.state}[/]{done}{late}")
    out.print(f"  {pr.url}  branch {escape(pr.head_branch)} @ {pr.head_sha[:12]}")
    approvals = ", ".join(report.status.approvals) or "none"
    out.print(f"  approvals: {escape(approvals)}; mergeable: {report.status.mergeable}")
    if report.status.changes_requested:
        out.print(f"  changes requested by: {escape(', '.join(report.status.changes_requested))}")


@app.command()
def demo(
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", envvar="PROMOTER_YES", help="Approve the production step without asking.")
    ] = False,
    source: Annotated[Path | None, typer.Option(
        "--source", envvar="PROMOTER_DEMO_SOURCE",
        help="Folder with overlays/ and promoter.yaml \\[default: this checkout].")] = None,
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", envvar="PROMOTER_DEMO_WORKDIR",
        help="Where to create the throwaway repo \\[default: a new temp dir].")] = None,
    json_out: Json = False, debug: Debug = False,
) -> None:
    """Run the whole pipeline on a throwaway local GitOps repo made from overlays/."""
    from promoter.demo import Step, run_demo

    c = _common(".", None, None, True, json_out, False, None, False, debug)
    interactive = not yes and not os.environ.get("CI") and sys.stdin.isatty()

    def approve(question: str) -> bool:
        if interactive:
            return typer.confirm(question, default=True, err=True)
        reason = "--yes" if yes else ("CI is set" if os.environ.get("CI") else "no terminal")
        err.print(f"{question} approved automatically ({reason})")
        return True

    def report(step: Step) -> None:
        if not json_out:
            _show_step(step)

    _run(c, lambda: run_demo(report, approve, source=source, workdir=workdir), _show_demo)


def _show_step(step: Any) -> None:
    out.rule(f"[bold]{escape(step.title)}")
    if step.detail:
        out.print(escape(step.detail))
    if step.status is not None:
        _show_status({"environments": step.status})
    if step.change is not None:
        _show_change(step.change)
        if step.change.diff:
            out.print(escape(step.change.diff), end="")
    if step.commit_message:
        out.print("[dim]commit message:[/]")
        for line in step.commit_message.splitlines():
            out.print(f"  [cyan]{escape(line)}[/]")
    if step.history is not None:
        _show_history({"environment": "production", "entries": step.history})
    if step.refusal is not None:
        code = int(step.refusal.exit_code)
        out.print(f"[red]refused (exit {code}):[/] {escape(str(step.refusal))}")
    for line in step.lines:
        out.print(f"  {escape(line)}")


def _show_demo(result: Any) -> None:
    same = result.staging_tag == result.production_tag
    mark = "[green]✔[/]" if same else "[yellow]![/]"
    out.print(f"{mark} staging {result.staging_tag}, production {result.production_tag}; "
              f"demo repo: {result.workdir}")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"promoter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
) -> None:
    """promoter: GitOps manifest promoter (see ROOT_HELP)."""


def _terminate(signum: int, _frame: object) -> None:
    """SIGTERM (a cancelled CI job, `timeout`) unwinds like Ctrl-C, so every cleanup runs:
    edited files restored, kustomize stopped, temporary clones removed."""
    raise KeyboardInterrupt(f"signal {signum}")


def main() -> None:
    signal.signal(signal.SIGTERM, _terminate)
    app()
