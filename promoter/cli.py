"""Command line: typer commands only. Parse, call the domain, print, map errors to exit codes.

People get rich text on stdout (promoter.display); `--json` prints exactly one JSON document on
stdout. Diagnostics go to stderr. Every option has a PROMOTER_* environment variable and is
accepted after the command name; the shared ones are declared once, in promoter.cli_options.
Errors become exit codes in one place: promoter.cli_run.run, through promoter.cli_errors (which
also reports command lines that cannot be parsed).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer

from promoter import __version__, clock, promotion, pullrequest
from promoter.circleci_lint.sources import check_pipeline_file
from promoter.cli_errors import Group, fail
from promoter.cli_options import (
    AutoMerge,
    Command,
    Interval,
    OutputOptions,
    Pr,
    Timeout,
    Wait,
    commit_options,
    deploy_overrides,
    dry_run_option,
    options,
    output_options,
    read_repository,
    rollback_overrides,
    write_repository,
)
from promoter.cli_run import run, terminate
from promoter.display import Display
from promoter.errors import ExitCode
from promoter.forge.github.credentials import app_for_git
from promoter.kustomize.arguments import forms_help
from promoter.promotion import CommitOptions, Overrides, RepoOptions
from promoter.promotion.gating import GateContext
from promoter.promotion.options import Waiting, clock_of

ROOT_HELP = (
    "Promote the exact image tag staging had to production, through a GitOps repo.\n\n"
    "Exit codes: 0 done or nothing to do, 1 interrupted or unexpected, 2 usage, 3 refused by "
    "policy, 4 invalid content or render failure, 5 git or remote failure, 8 pull request still "
    "open (pr-status).\n\n"
    "Shell completion: promoter --install-completion (bash, zsh, fish, PowerShell)."
)
F = TypeVar("F", bound=Callable[..., Any])


app = typer.Typer(
    name="promoter",
    help=ROOT_HELP,
    cls=Group,
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
)


def command(name: str | None = None, help: str | None = None) -> Callable[[F], F]:
    """Register a command of the app, with promoter's help presentation (help: instead of the
    docstring)."""
    return app.command(name, cls=Command, help=help)


# ----------------------------------------------------------------------------- shared


def _change(output: OutputOptions, repo: RepoOptions, commit: CommitOptions, action: str,
            planner: promotion.Planner, pr: bool, auto_merge: str | None = None) -> None:
    """promote and rollback: the same plan, pushed to the branch or proposed as a PR."""
    if auto_merge is not None and not pr:
        fail(output, Display(), "--auto-merge needs --pr (it merges the promotion pull request)",
             ExitCode.USAGE, "UsageError")
    apply = pullrequest.propose if pr else promotion.change
    options = replace(commit, auto_merge=auto_merge)
    run(output, lambda: apply(repo, options, action, planner), Display.change)


# ----------------------------------------------------------------------------- commands that commit


SET_IMAGE_HELP = f"""\
Deploy a tag to an environment without a source (staging): edit, render, commit, push.

Image forms (NAME is the name, or newName, of an images: entry of the overlay):
{forms_help()}
What follows = is always a tag, never an image name. Give several to change them in one commit.

--new-name NAME=NEWNAME changes the image the entry points to (its newName), with or without
a tag in the same commit; allowed_names in promoter.yaml limits the new names.
"""


@command("set-image", help=SET_IMAGE_HELP)
@options(repo=write_repository, commit=commit_options, output=output_options,
         overrides=deploy_overrides)
def set_image(
    environment: Annotated[str, typer.Argument(
        metavar="ENV", help="Environment without a source, e.g. staging.")],
    images: Annotated[list[str] | None, typer.Argument(
        metavar="IMAGE=TAG...", help="Images, in the forms above.")] = None,
    new_name: Annotated[list[str] | None, typer.Option(
        "--new-name", envvar="PROMOTER_NEW_NAME", metavar="NAME=NEWNAME",
        help="Point the entry NAME to image NEWNAME (its newName; repeatable).")] = None,
    *, repo: RepoOptions, commit: CommitOptions, output: OutputOptions, overrides: Overrides,
) -> None:
    """Deploy a tag to an environment without a source (see SET_IMAGE_HELP)."""
    commit = replace(commit, overrides=replace(overrides, reason=commit.reason))
    run(output, lambda: promotion.set_image(repo, commit, environment, images or (),
                                            new_name or ()), Display.change)


@command()
@options(repo=write_repository, commit=commit_options, output=output_options,
         overrides=deploy_overrides)
def promote(
    target: Annotated[str, typer.Argument(
        metavar="TARGET", help="Environment to promote into, e.g. production.")],
    tag: Annotated[str | None, typer.Option(
        "--tag", envvar="PROMOTER_TAG", metavar="TAG",
        help="Promote exactly this tag; it must have been deployed to the source.")] = None,
    image: Annotated[list[str] | None, typer.Option(
        "--image", envvar="PROMOTER_IMAGE", metavar="NAME",
        help="Only these images (repeatable).")] = None,
    from_env: Annotated[str | None, typer.Option(
        "--from", envvar="PROMOTER_FROM", metavar="ENV",
        help="Source environment (must be the configured one).")] = None,
    pr: Pr = False,
    auto_merge: AutoMerge = None,
    wait: Wait = False,
    timeout: Timeout = 3600.0,
    interval: Interval = 15.0,
    *, repo: RepoOptions, commit: CommitOptions, output: OutputOptions, overrides: Overrides,
) -> None:
    """Copy image tags and digests from TARGET's source environment into TARGET.

    When TARGET has gates (promoter.yaml), the source must have run those versions healthy
    first: exit 3 until then, or with --wait, once they pass (exit 3 if they fail or --timeout
    passes first).
    """
    notify = Display().note
    commit = replace(commit, waiting=Waiting(wait=wait, timeout=timeout, interval=interval,
                                             notify=notify),
                     overrides=replace(overrides, reason=commit.reason))
    gates = GateContext(commit.environ, commit.now)
    planner = promotion.promote_planner(target, tag, image or (), from_env, gates)
    _change(output, repo, commit, "promote", planner, pr, auto_merge)


@command()
@options(repo=write_repository, commit=commit_options, output=output_options,
         overrides=rollback_overrides)
def rollback(
    environment: Annotated[str, typer.Argument(metavar="ENV", help="Environment to roll back.")],
    to: Annotated[str | None, typer.Option(
        "--to", envvar="PROMOTER_TO", metavar="TAG",
        help="Tag to go back to (from ENV's own history).")] = None,
    hold: Annotated[bool, typer.Option(
        "--hold", envvar="PROMOTER_HOLD",
        help="Hold ENV in the same commit (needs --reason), so the next deploy does not undo "
             "the rollback.")] = False,
    pr: Pr = False,
    auto_merge: AutoMerge = None,
    *, repo: RepoOptions, commit: CommitOptions, output: OutputOptions, overrides: Overrides,
) -> None:
    """A new forward commit that sets ENV back to its previous tag, or to --to TAG.

    Never stopped by a freeze window (there it needs --reason); stopped by a hold unless
    --override-hold.
    """
    planner = promotion.rollback_planner(environment, to, hold=hold)
    commit = replace(commit, overrides=replace(overrides, reason=commit.reason))
    _change(output, repo, commit, "rollback", planner, pr, auto_merge)


@command()
@options(repo=write_repository, commit=commit_options, output=output_options)
def hold(
    environment: Annotated[str, typer.Argument(metavar="ENV", help="Environment to hold.")],
    *, repo: RepoOptions, commit: CommitOptions, output: OutputOptions,
) -> None:
    """Hold ENV: commit .promoter/holds/ENV.yaml; set-image, promote and rollback refuse it.

    The hold record says why (--reason, required), who and since when. It stays until
    promoter release ENV; --override-hold --reason TEXT lets one change through.
    """
    commit = replace(commit, overrides=Overrides(reason=commit.reason))
    run(output, lambda: promotion.hold(repo, commit, environment), Display.change)


@command()
@options(repo=write_repository, commit=commit_options, output=output_options)
def release(
    environment: Annotated[str, typer.Argument(metavar="ENV", help="Environment to release.")],
    *, repo: RepoOptions, commit: CommitOptions, output: OutputOptions,
) -> None:
    """End ENV's hold: commit the removal of .promoter/holds/ENV.yaml."""
    run(output, lambda: promotion.release(repo, commit, environment), Display.change)


# ----------------------------------------------------------------------------- read-only commands


@command()
@options(repo=read_repository, output=output_options)
def status(repo: RepoOptions, output: OutputOptions) -> None:
    """Every environment with its images, whether it matches its source, its hold and any
    freeze window open now."""
    run(output, lambda: {"environments": promotion.status(repo, clock_of(os.environ))},
        Display.status)


@command()
@options(repo=read_repository, output=output_options)
def diff(
    source: Annotated[str, typer.Argument(
        metavar="SOURCE", help="Source environment, e.g. staging.")],
    target: Annotated[str, typer.Argument(
        metavar="TARGET", help="Target environment, e.g. production.")],
    repo: RepoOptions, output: OutputOptions,
) -> None:
    """What `promote TARGET` would change: the image deltas and the overlay diff."""
    run(output, lambda: promotion.diff(repo, source, target), Display.diff)


@command()
@options(repo=read_repository, output=output_options)
def history(
    environment: Annotated[str, typer.Argument(metavar="ENV", help="Environment.")],
    limit: Annotated[int | None, typer.Option(
        "--limit", "-n", envvar="PROMOTER_LIMIT", metavar="N", min=1,
        help="At most N entries.")] = None,
    *, repo: RepoOptions, output: OutputOptions,
) -> None:
    """The changes to ENV, newest first: images, tags, who, why and from which build.

    Images and tags come from the overlay at each commit (hand edits are listed as manual); who,
    why and the build come from the commit trailers. --json has the full commit ids and tags.
    """
    run(output, lambda: {"environment": environment,
                         "entries": promotion.history(repo, environment, limit=limit)},
        Display.history)


@command()
@options(repo=read_repository, output=output_options)
def validate(
    environments: Annotated[list[str] | None, typer.Argument(
        metavar="ENV...", help="Environments to render \\[default: all].")] = None,
    *, repo: RepoOptions, output: OutputOptions,
) -> None:
    """Render each environment with kustomize and list what it deploys; exit 4 on any failure."""

    def action() -> dict[str, Any]:
        results = promotion.validate(repo, environments or ())
        return {"ok": all(r.error is None for r in results), "environments": results}

    run(output, action, Display.validation,
        code=lambda result: 0 if result["ok"] else int(ExitCode.INVALID))


@command("check-pipeline")
@options(repo=read_repository, output=output_options)
def check_pipeline(
    path: Annotated[str, typer.Argument(
        metavar="FILE", help="CircleCI config.")] = ".circleci/config.yml",
    *, repo: RepoOptions, output: OutputOptions,
) -> None:
    """Fail (exit 4) when a job can change a guarded environment without an approval upstream."""
    run(output, lambda: check_pipeline_file(repo, path), Display.pipeline,
        code=lambda report: 0 if report.ok else int(ExitCode.INVALID))


@command("pr-status")
@options(repo=read_repository, dry_run=dry_run_option, output=output_options)
def pr_status(
    environment: Annotated[str, typer.Argument(
        metavar="ENV", help="Environment whose promotion PR to read.")],
    number: Annotated[int | None, typer.Option(
        "--number", envvar="PROMOTER_PR_NUMBER", metavar="N", min=1,
        help="This pull request (e.g. from promote --pr --json) instead of the open one.")] = None,
    wait: Wait = False,
    timeout: Timeout = 3600.0,
    interval: Interval = 15.0,
    merge: Annotated[bool, typer.Option(
        "--merge", envvar="PROMOTER_MERGE",
        help="Merge the PR once approved and mergeable (guarded by its head sha).")] = False,
    method: Annotated[str, typer.Option(
        "--method", envvar="PROMOTER_MERGE_METHOD", metavar="METHOD",
        help="merge, squash or rebase.")] = "merge",
    *, repo: RepoOptions, dry_run: bool, output: OutputOptions,
) -> None:
    """State of ENV's promotion pull request: exit 0 merged, 3 closed or changes requested, 8 open.

    Open means waiting for approval or merge (or --wait timed out). With --merge --dry-run it
    says whether it would merge, and merges nothing. --merge also waits for (--wait) or is
    refused by (exit 3) ENV's gates, as promote is.
    """
    wait_options = pullrequest.WaitOptions(wait=wait, timeout=timeout, interval=interval,
                                           merge=merge, method=method, dry_run=dry_run,
                                           now=partial(clock.now, dict(os.environ)))
    run(output, lambda: pullrequest.pr_status(repo, environment, number=number,
                                              options=wait_options, environ=os.environ),
        Display.pr_status, code=lambda report: int(report.exit_code))


# ----------------------------------------------------------------------------- demo and root


@command()
@options(output=output_options)
def demo(
    yes: Annotated[bool, typer.Option(
        "--yes", "-y", envvar="PROMOTER_YES",
        help="Approve the production step without asking.")] = False,
    source: Annotated[Path | None, typer.Option(
        "--source", envvar="PROMOTER_DEMO_SOURCE", metavar="DIR",
        help="Folder with overlays/ and promoter.yaml \\[default: the shipped sample].")] = None,
    workdir: Annotated[Path | None, typer.Option(
        "--workdir", envvar="PROMOTER_DEMO_WORKDIR", metavar="DIR",
        help="Where to create the throwaway repo \\[default: a new temp dir].")] = None,
    *, output: OutputOptions,
) -> None:
    """Run the whole pipeline on a throwaway local GitOps repo made from overlays/."""
    from promoter.cli_demo import approver, reporter, show_demo
    from promoter.demo import run_demo

    screen = Display()
    run(output, lambda: run_demo(reporter(screen, output), approver(screen, yes), source=source,
                                 workdir=workdir), show_demo, screen=screen)


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


def main() -> None:
    signal.signal(signal.SIGTERM, terminate)
    app_for_git()  # a GitHub App's installation token authenticates git over https too
    app()
