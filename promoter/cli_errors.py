"""How the command line reports a failure: one clean line on stderr, the error document on stdout
with --json, and the exit code its class carries. Used by cli._run for errors from the domain,
and by Group for command lines that cannot be parsed."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import typer
from typer._click import Context, HelpFormatter
from typer.core import TyperGroup

from promoter.cli_options import OutputOptions, plain_flags
from promoter.display import Display
from promoter.errors import ExitCode
from promoter.sanitize import foreign, one_line


def _json_requested(args: Sequence[str]) -> bool:
    flag = os.environ.get("PROMOTER_JSON", "").strip().lower() in ("1", "true", "yes", "on")
    return flag or "--json" in args


class Group(TyperGroup):
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
            _parse_error(exc, one_line(foreign(describe())), code, _json_requested(argv))
            sys.exit(code)
        sys.exit(rv if isinstance(rv, int) else 0)

    def format_help(self, ctx: Context, formatter: HelpFormatter) -> None:
        plain_flags(self.get_params(ctx))
        super().format_help(ctx, formatter)


def _parse_error(exc: Exception, message: str, code: int, as_json: bool) -> None:
    """A command line promoter cannot parse: one line on stderr (plain `promoter` shows the
    help instead), and the error document with --json."""
    if type(exc).__name__ == "NoArgsIsHelpError":
        exc.show()  # type: ignore[attr-defined]
        return
    if as_json:
        doc = {"error": {"message": message, "exit_code": code, "type": type(exc).__name__}}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    context = getattr(exc, "ctx", None)
    where = context.command_path if context is not None else "promoter"
    sys.stderr.write(f"promoter: error: {message} (see {where} --help)\n")


def fail(output: OutputOptions, screen: Display, message: str, code: ExitCode,
          kind: str, details: dict[str, object] | None = None) -> None:
    if output.debug and sys.exc_info()[0] is not None and code != ExitCode.UNEXPECTED:
        screen.err.print_exception()
    message = one_line(foreign(message))
    screen.error(message)
    if output.json:
        error = {"message": message, "exit_code": int(code), "type": kind, **(details or {})}
        sys.stdout.write(json.dumps({"error": error}, indent=2) + "\n")
    raise typer.Exit(int(code))


