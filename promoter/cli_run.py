"""Running one command: call the domain, print its result, and map every outcome to its exit
code, in this one place: errors by their class (through promoter.cli_errors), results by the
command's own rule (validate, check-pipeline, pr-status). SIGTERM unwinds like Ctrl-C
(terminate), and once the result is being reported neither changes the outcome any more.
"""

from __future__ import annotations

import json
import signal
import sys
from collections.abc import Callable
from typing import Any

import typer

from promoter.cli_errors import fail
from promoter.cli_options import OutputOptions
from promoter.display import Display
from promoter.errors import ExitCode, PromoterError
from promoter.sanitize import redact


def run(output: OutputOptions, action: Callable[[], Any], show: Callable[[Display, Any], None],
        code: Callable[[Any], int] = lambda _: 0, screen: Display | None = None) -> None:
    """Call the domain; print its result; map every outcome to its exit code, here only:
    errors by their class, results by `code` (validate, check-pipeline, pr-status)."""
    screen = screen or Display()
    try:
        result = action()
    except PromoterError as exc:
        fail(output, screen, str(exc), exc.exit_code, type(exc).__name__, exc.details())
    except KeyboardInterrupt:
        fail(output, screen, "interrupted", ExitCode.UNEXPECTED, "KeyboardInterrupt")
    except Exception as exc:  # an unexpected error: one line, traceback only with --debug
        if output.debug:
            screen.err.print_exception()
        fail(output, screen, f"unexpected error: {redact(repr(exc))} (run with --debug for "
              "details)", ExitCode.UNEXPECTED, type(exc).__name__)
    finished()
    if output.json:
        sys.stdout.write(json.dumps(to_json(result), indent=2) + "\n")
    else:
        show(screen, result)
    for warning in getattr(result, "warnings", ()) or ():
        screen.warning(warning)
    exit_code = code(result)
    if exit_code:
        raise typer.Exit(exit_code)


def finished() -> None:
    """The command's work is done and its result is being reported: a late Ctrl-C or SIGTERM no
    longer changes the outcome, so it is ignored rather than turning a success into a kill.
    (Only in the `promoter` process itself: main() installed promoter's signal handling.)"""
    if signal.getsignal(signal.SIGTERM) is terminate:
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_IGN)


def to_json(result: Any) -> Any:
    if hasattr(result, "to_json"):
        return result.to_json()
    if isinstance(result, dict):
        return {k: to_json(v) for k, v in result.items()}
    if isinstance(result, list | tuple):
        return [to_json(v) for v in result]
    return result


def terminate(signum: int, _frame: object) -> None:
    """SIGTERM (a cancelled CI job, `timeout`) unwinds like Ctrl-C, so every cleanup runs:
    edited files restored, kustomize stopped, temporary clones removed."""
    raise KeyboardInterrupt(f"signal {signum}")
