"""Command line: typer commands only. Parse, call the domain, print, map errors to exit codes."""

from __future__ import annotations

import typer

from promoter import __version__

app = typer.Typer(
    name="promoter",
    help="Promote the exact image tag staging had to production, through a GitOps repo.",
    no_args_is_help=True,
    add_completion=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"promoter {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """promoter: GitOps manifest promoter."""


def main() -> None:
    app()
