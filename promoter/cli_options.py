"""Every shared command-line option, declared once, and how commands receive them as one object.

A group of options is a builder function: its parameters are the options (each an `Annotated`
alias below, with its flag, PROMOTER_* variable, metavar and help panel), its result is what the
command receives. `@options(repo=write_repository, output=output_options)` puts the builders'
parameters into the command's signature for typer and calls the command with the built objects
under those names (`repo: RepoOptions`, `output: OutputOptions`).
"""

from __future__ import annotations

import inspect
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Annotated, Any, get_type_hints

import typer
from typer._click import Context, HelpFormatter, Parameter
from typer.core import TyperArgument, TyperCommand, TyperOption

from promoter.durations import FORMS, parse_duration
from promoter.promotion import CommitOptions, Overrides, RepoOptions
from promoter.promotion.options import clock_of

REPOSITORY_PANEL = "Repository"
COMMIT_PANEL = "Commit"
OUTPUT_PANEL = "Output"
APPROVAL_PANEL = "Approval"

# ----------------------------------------------------------------------------- the options

Repo = Annotated[str, typer.Option(
    "--repo", envvar="PROMOTER_REPO", metavar="PATH|URL", rich_help_panel=REPOSITORY_PANEL,
    help="GitOps repo: a local working copy or a URL (file://, ssh://, git@host:org/r.git, "
         "https://).")]
Branch = Annotated[str | None, typer.Option(
    "--branch", envvar="PROMOTER_BRANCH", metavar="BRANCH", rich_help_panel=REPOSITORY_PANEL,
    help="Branch to read and commit to \\[default: remote default / current branch].")]
ConfigFile = Annotated[str | None, typer.Option(
    "--config", envvar="PROMOTER_CONFIG", metavar="FILE", rich_help_panel=REPOSITORY_PANEL,
    help="Config file, relative to the repo root \\[default: promoter.yaml, else overlays/*].")]
Push = Annotated[bool, typer.Option(
    "--push/--no-push", envvar="PROMOTER_PUSH", rich_help_panel=REPOSITORY_PANEL,
    help="Push the commit (a local working copy pushes to its upstream).")]
DryRun = Annotated[bool, typer.Option(
    "--dry-run", envvar="PROMOTER_DRY_RUN", rich_help_panel=COMMIT_PANEL,
    help="Show what would be done (the diff, the merge); change nothing.")]
Message = Annotated[str | None, typer.Option(
    "--message", "-m", envvar="PROMOTER_MESSAGE", metavar="TEXT", rich_help_panel=COMMIT_PANEL,
    help="Commit message body (why).")]
SkipCi = Annotated[bool, typer.Option(
    "--skip-ci", envvar="PROMOTER_SKIP_CI", rich_help_panel=COMMIT_PANEL,
    help="Add \\[skip ci] to the commit subject.")]
MaxAttempts = Annotated[int, typer.Option(
    "--max-attempts", envvar="PROMOTER_MAX_ATTEMPTS", metavar="N", min=1,
    rich_help_panel=COMMIT_PANEL, help="Push attempts when the branch moves under us.")]
AutoMerge = Annotated[str | None, typer.Option(
    "--auto-merge", envvar="PROMOTER_AUTO_MERGE", metavar="METHOD",
    help="With --pr: let GitHub merge the pull request (squash, merge or rebase) once its "
    "required reviews and checks pass (default: pr.auto_merge in promoter.yaml).")]
CommitVia = Annotated[str | None, typer.Option(
    "--commit-via", envvar="PROMOTER_COMMIT_VIA", metavar="git|api",
    rich_help_panel=COMMIT_PANEL,
    help="How the commit reaches the branch: git push, or made (and signed) by GitHub through "
         "its API \\[default: commit_via in promoter.yaml, else git].")]
Sign = Annotated[bool, typer.Option(
    "--sign", envvar="PROMOTER_SIGN", rich_help_panel=COMMIT_PANEL,
    help="Sign the commit with your key (git's user.signingkey and gpg.format: ssh or "
         "openpgp).")]
RequireApproval = Annotated[bool, typer.Option(
    "--require-approval", envvar="PROMOTER_REQUIRE_APPROVAL", rich_help_panel=APPROVAL_PANEL,
    help="Refuse (exit 3) unless CircleCI names who approved this job's approval jobs "
         "(also `approval: required` on the environment in promoter.yaml).")]
OverrideApproval = Annotated[bool, typer.Option(
    "--override-approval", envvar="PROMOTER_OVERRIDE_APPROVAL", rich_help_panel=APPROVAL_PANEL,
    help="Go ahead without a required approval; needs --reason, recorded in the commit.")]
Reason = Annotated[str | None, typer.Option(
    "--reason", envvar="PROMOTER_REASON", metavar="TEXT", rich_help_panel=APPROVAL_PANEL,
    help="Why, recorded in the commit (Promoter-Override, Promoter-Hold): needed by the "
         "overrides, by a hold, and by a rollback inside a freeze window.")]
Json = Annotated[bool, typer.Option(
    "--json", envvar="PROMOTER_JSON", rich_help_panel=OUTPUT_PANEL,
    help="Print one JSON document on stdout.")]
Debug = Annotated[bool, typer.Option(
    "--debug", envvar="PROMOTER_DEBUG", rich_help_panel=OUTPUT_PANEL, help="Show tracebacks.")]
Pr = Annotated[bool, typer.Option(
    "--pr", envvar="PROMOTER_PR",
    help="Open (or update) the environment's promotion pull request instead of pushing.")]
OverrideFreeze = Annotated[bool, typer.Option(
    "--override-freeze", envvar="PROMOTER_OVERRIDE_FREEZE",
    help="Change ENV inside one of its freeze windows (needs --reason; recorded).")]
OverrideHold = Annotated[bool, typer.Option(
    "--override-hold", envvar="PROMOTER_OVERRIDE_HOLD",
    help="Change ENV although it is held (needs --reason; recorded).")]


def seconds_or_duration(value: str | float) -> float:
    """--timeout: seconds (`3600`) or a duration (`15m`, `1h30m`); not negative."""
    if isinstance(value, int | float):
        return float(value)
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            seconds = parse_duration(text).total_seconds()
        except ValueError as exc:
            raise typer.BadParameter(f"{exc} (or seconds)") from None
    if not math.isfinite(seconds) or seconds < 0:
        raise typer.BadParameter(f"{text!r} is not a number of seconds or a duration ({FORMS})")
    return seconds


Wait = Annotated[bool, typer.Option(
    "--wait", envvar="PROMOTER_WAIT",
    help="Poll until decided, at most --timeout: pr-status until merged or closed, promote "
    "until the target's gates pass or fail.")]
Timeout = Annotated[float, typer.Option(
    "--timeout", envvar="PROMOTER_TIMEOUT", metavar="DURATION", parser=seconds_or_duration,
    show_default="1h", help="How long --wait polls at most: seconds (3600) or a duration (15m).")]
Interval = Annotated[float, typer.Option(
    "--interval", envvar="PROMOTER_INTERVAL", metavar="SECONDS", min=0.01,
    help="Seconds between polls.")]


@dataclass(frozen=True)
class OutputOptions:
    """How results and errors are printed."""

    json: bool = False
    debug: bool = False


# ----------------------------------------------------------------------------- the groups


def read_repository(repository: Repo = ".", branch: Branch = None,
                    config: ConfigFile = None) -> RepoOptions:
    """The repository options of commands that only read (no --push)."""
    return RepoOptions(repo=repository, branch=branch, config=config)


def write_repository(repository: Repo = ".", branch: Branch = None, config: ConfigFile = None,
                     push: Push = True) -> RepoOptions:
    """The repository options of commands that commit."""
    return replace(read_repository(repository, branch, config), push=push)


def commit_options(dry_run: DryRun = False, message: Message = None, skip_ci: SkipCi = False,
                   max_attempts: MaxAttempts = 10, commit_via: CommitVia = None,
                   sign: Sign = False, require_approval: RequireApproval = False,
                   override_approval: OverrideApproval = False,
                   reason: Reason = None) -> CommitOptions:
    """How a change is recorded, and what it needs approved; --reason is also the reason of
    --override-freeze, --override-hold and a hold."""
    environ = dict(os.environ)
    return CommitOptions(dry_run=dry_run, message=message, skip_ci=skip_ci,
                         max_attempts=max_attempts, environ=environ, now=clock_of(environ),
                         commit_via=commit_via, sign=sign, require_approval=require_approval,
                         override_approval=override_approval, reason=reason)


def deploy_overrides(override_freeze: OverrideFreeze = False,
                     override_hold: OverrideHold = False) -> Overrides:
    """What set-image and promote may be let through: a freeze window, a hold (the reason is
    the commit options' --reason)."""
    return Overrides(freeze=override_freeze, hold=override_hold)


def rollback_overrides(override_hold: OverrideHold = False) -> Overrides:
    """A rollback is never stopped by a freeze window (it needs only --reason there), but is
    by a hold."""
    return Overrides(hold=override_hold)


def dry_run_option(dry_run: DryRun = False) -> bool:
    """--dry-run alone, for a command that changes something without committing (pr-status)."""
    return dry_run


def output_options(json_out: Json = False, debug: Debug = False) -> OutputOptions:
    """How results and errors are printed."""
    return OutputOptions(json=json_out, debug=debug)


def options(**groups: Callable[..., Any]) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Give a command option groups: `@options(repo=write_repository, output=output_options)`.

    typer sees the command's own parameters followed by every builder's parameters (it reads
    `inspect.signature(func, eval_str=True)` and `get_type_hints(func)`); the command is called
    with each group built, under the name it was given here."""
    members = {name: list(inspect.signature(build, eval_str=True).parameters.values())
               for name, build in groups.items()}

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = inspect.signature(command, eval_str=True)
        added = [param.replace(kind=inspect.Parameter.KEYWORD_ONLY)
                 for params in members.values() for param in params]
        kept = [param for name, param in own.parameters.items() if name not in groups]
        clash = {p.name for p in kept} & {p.name for p in added}
        if clash:
            raise TypeError(f"{command.__name__}: options declared twice: {sorted(clash)}")

        def wrapper(**values: Any) -> None:
            for name, build in groups.items():
                values[name] = build(**{p.name: values.pop(p.name) for p in members[name]})
            command(**values)

        wrapper.__name__, wrapper.__doc__ = command.__name__, command.__doc__
        wrapper.__module__, wrapper.__qualname__ = command.__module__, command.__qualname__
        wrapper.__signature__ = own.replace(parameters=[*kept, *added])  # type: ignore[attr-defined]
        hints = get_type_hints(command, include_extras=True)
        wrapper.__annotations__ = {
            **{p.name: hints[p.name] for p in kept if p.name in hints},
            **{p.name: p.annotation for p in added}, "return": None}
        return wrapper

    return decorate


# ----------------------------------------------------------------------------- help


class NamedArgument(TyperArgument):
    """An argument named by its metavar (ENV, IMAGE=TAG...): that name in the usage line,
    without braces, and no `<str>` type beside it in the Arguments panel."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None if self.metavar else super().display_type_rich(ctx)

    def get_usage_pieces(self, ctx: Context) -> list[str]:
        name = self.metavar or (self.name or "").upper()
        if self.nargs != 1 and not name.endswith("..."):
            name += "..."
        return [name if self.required else f"[{name}]"]


def plain_flags(params: list[Parameter]) -> None:
    """Flags are shown as flags: no `<bool>` placeholder (--help and the completion flags too)."""
    for param in params:
        if isinstance(param, TyperOption) and param.is_flag and param.metavar is None:
            param.metavar = ""


def reflow(text: str | None) -> str | None:
    """Docstring paragraphs as one line each (the terminal wraps them); a paragraph with an
    indented line (a list) keeps its lines."""
    if text is None:
        return None
    paragraphs = text.split("\n\n")
    return "\n\n".join(p if any(line[:1].isspace() for line in p.splitlines())
                       else " ".join(p.split("\n")) for p in paragraphs)


class Command(TyperCommand):
    """A command whose help reads well at 80 columns: named arguments, plain flags, paragraphs
    wrapped by the terminal rather than where the docstring's lines end."""

    def __init__(self, name: str | None, *, help: str | None = None, **settings: Any) -> None:
        super().__init__(name, help=reflow(help), **settings)
        for param in self.params:
            if type(param) is TyperArgument:
                param.__class__ = NamedArgument  # typer builds the arguments; this names them

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        plain_flags(self.get_params(ctx))
        super().format_help(ctx, formatter)
