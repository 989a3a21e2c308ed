"""Options declared once (promoter.cli_options): which command takes which option, the
PROMOTER_* variables, and help that reads well at 80 columns."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner, Result

from promoter.cli import app
from promoter.cli_options import (
    OutputOptions,
    commit_options,
    options,
    output_options,
    read_repository,
    reflow,
    write_repository,
)
from promoter.kustomize import arguments
from promoter.promotion import CommitOptions, RepoOptions

NARROW = {"COLUMNS": "80"}
WIDE = {"COLUMNS": "250"}
REPO_VARS = ("PROMOTER_REPO", "PROMOTER_BRANCH", "PROMOTER_CONFIG")
COMMIT_VARS = ("PROMOTER_PUSH", "PROMOTER_DRY_RUN", "PROMOTER_MESSAGE", "PROMOTER_SKIP_CI",
               "PROMOTER_MAX_ATTEMPTS", "PROMOTER_COMMIT_VIA", "PROMOTER_SIGN")
OUTPUT_VARS = ("PROMOTER_JSON", "PROMOTER_DEBUG")
CHANGE_VARS = (*REPO_VARS, *COMMIT_VARS, *OUTPUT_VARS)
READ_VARS = (*REPO_VARS, *OUTPUT_VARS)
HELP_VARS: dict[str, tuple[str, ...]] = {
    "set-image": (*CHANGE_VARS, "PROMOTER_NEW_NAME"),
    "promote": (*CHANGE_VARS, "PROMOTER_TAG", "PROMOTER_IMAGE", "PROMOTER_FROM", "PROMOTER_PR",
                "PROMOTER_WAIT", "PROMOTER_TIMEOUT", "PROMOTER_INTERVAL"),
    "rollback": (*CHANGE_VARS, "PROMOTER_TO", "PROMOTER_PR"),
    "status": READ_VARS,
    "diff": READ_VARS,
    "history": (*READ_VARS, "PROMOTER_LIMIT"),
    "validate": READ_VARS,
    "check-pipeline": READ_VARS,
    "pr-status": (*READ_VARS, "PROMOTER_DRY_RUN", "PROMOTER_PR_NUMBER", "PROMOTER_WAIT",
                  "PROMOTER_TIMEOUT", "PROMOTER_INTERVAL", "PROMOTER_MERGE",
                  "PROMOTER_MERGE_METHOD"),
    "demo": ("PROMOTER_YES", "PROMOTER_DEMO_SOURCE", "PROMOTER_DEMO_WORKDIR", *OUTPUT_VARS),
}
ALL_VARS = {var for names in HELP_VARS.values() for var in names}
USAGE = {
    "set-image": "[OPTIONS] ENV [IMAGE=TAG...]",
    "promote": "[OPTIONS] TARGET",
    "rollback": "[OPTIONS] ENV",
    "status": "[OPTIONS]",
    "diff": "[OPTIONS] SOURCE TARGET",
    "history": "[OPTIONS] ENV",
    "validate": "[OPTIONS] [ENV...]",
    "check-pipeline": "[OPTIONS] [FILE]",
    "pr-status": "[OPTIONS] ENV",
    "demo": "[OPTIONS]",
}
IMAGE_FORMS = ("NAME=TAG", "NAME:TAG", "NAME@sha256:HEX", "NAME=TAG@sha256:HEX")
PLACEHOLDER = re.compile(r"<(?:bool|str|int|float|path|list)[^>]*>")


def invoke(*args: str, env: Mapping[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=dict(env or {}))


def help_text(*args: str, env: Mapping[str, str] = NARROW) -> str:
    result = invoke(*args, "--help", env=env)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def flat(text: str) -> str:
    """Help text without the panel borders and line breaks."""
    return " ".join(text.replace("│", " ").split())


# --------------------------------------------------------------------------- options per command


@pytest.mark.parametrize("command", sorted(HELP_VARS))
def test_every_command_help_names_exactly_its_env_vars(command: str) -> None:
    text = help_text(command, env=WIDE)
    assert f"promoter {command}" in text
    assert [var for var in HELP_VARS[command] if var not in text] == []
    others = ALL_VARS - set(HELP_VARS[command])
    assert [var for var in sorted(others) if re.search(rf"\b{var}\b", text)] == []


@pytest.mark.parametrize("command", ["status", "diff", "history", "validate", "check-pipeline"])
def test_read_only_commands_show_no_commit_options(command: str) -> None:
    text = help_text(command)
    for flag in ("--push", "--no-push", "--dry-run", "--message", "--skip-ci", "--max-attempts"):
        assert flag not in text
    assert "Commit" not in text


def test_skip_ci_help_shows_the_marker() -> None:
    assert "Add [skip ci] to the commit subject" in help_text("set-image", env=WIDE)


def test_branch_and_config_help_show_their_defaults() -> None:
    text = flat(help_text("status", env=WIDE))
    assert "remote default / current branch" in text
    assert "promoter.yaml, else overlays/*" in text


# --------------------------------------------------------------------------- help at 80 columns


@pytest.mark.parametrize("command", ["", *sorted(HELP_VARS)])
def test_help_at_80_columns_has_no_type_placeholders(command: str) -> None:
    text = help_text(*([command] if command else []))
    assert PLACEHOLDER.findall(text) == []
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize(("command", "panels"), [
    ("set-image", ("Arguments", "Options", "Repository", "Commit", "Approval", "Output")),
    ("promote", ("Arguments", "Options", "Repository", "Commit", "Approval", "Output")),
    ("rollback", ("Arguments", "Options", "Repository", "Commit", "Approval", "Output")),
    ("status", ("Repository", "Output")),
    ("history", ("Arguments", "Options", "Repository", "Output")),
    ("pr-status", ("Arguments", "Options", "Repository", "Commit", "Output")),
    ("demo", ("Options", "Output")),
])
def test_help_groups_the_options_in_panels(command: str, panels: tuple[str, ...]) -> None:
    text = help_text(command)
    titles = re.findall(r"╭─ (\w+) ─", text)
    assert [t for t in titles if t != "Options" or "Options" in panels] == list(panels)


@pytest.mark.parametrize(("panel", "flags"), [
    ("Repository", ("--repo", "--branch", "--config", "--push")),
    ("Commit", ("--dry-run", "--message", "--skip-ci", "--max-attempts", "--commit-via",
                "--sign")),
    ("Output", ("--json", "--debug")),
    ("Approval", ("--require-approval", "--override-approval", "--reason")),
])
def test_each_panel_holds_its_group(panel: str, flags: tuple[str, ...]) -> None:
    text = help_text("promote")
    body = text.split(f"╭─ {panel} ─", 1)[1].split("╰", 1)[0]
    found = re.findall(r"│ (--[a-z-]+)", body)
    assert tuple(found) == flags


def test_flags_show_no_value_and_value_options_show_a_metavar() -> None:
    text = help_text("pr-status", env=WIDE)
    assert re.search(r"--wait\s+Poll", text)
    assert re.search(r"--number\s+N \[x>=1\]", text)
    assert re.search(r"--timeout\s+DURATION", text)
    assert re.search(r"--interval\s+SECONDS", text)
    assert re.search(r"--repo\s+PATH\|URL", text)
    assert re.search(r"--config\s+FILE", text)
    assert re.search(r"--message\s+-m\s+TEXT", help_text("set-image", env=WIDE))


@pytest.mark.parametrize(("command", "usage"), sorted(USAGE.items()))
def test_usage_lines_read_naturally(command: str, usage: str) -> None:
    assert f"Usage: promoter {command} {usage}" in help_text(command)


def test_a_missing_argument_is_named_as_in_the_usage() -> None:
    result = invoke("set-image")
    assert result.exit_code == 2
    assert result.stderr == ("promoter: error: Missing argument 'ENV'. "
                             "(see promoter set-image --help)\n")


def test_set_image_without_an_image_or_new_name_is_a_usage_error() -> None:
    result = invoke("set-image", "staging")
    assert result.exit_code == 2
    assert "set-image needs at least one IMAGE=TAG argument or --new-name" in result.stderr


def test_set_image_help_lists_every_image_form() -> None:
    text = help_text("set-image")
    listed = re.findall(r"^ +(NAME\S*) ", text, re.MULTILINE)
    assert listed == list(IMAGE_FORMS) == [form for form, _ in arguments.IMAGE_FORMS]
    assert "NEWNAME:" not in text and "--new-name NAME=NEWNAME" in flat(text)


def test_root_command_list_shows_each_first_paragraph_whole() -> None:
    text = help_text()
    commands = text.split("╭─ Commands ─", 1)[1].split("╰", 1)[0]
    described: dict[str, str] = {}
    name = ""
    for line in commands.splitlines()[1:]:
        cells = line.strip("│ ").split(None, 1)
        if line.startswith("│ ") and not line.startswith("│  "):
            name, cells = cells[0], cells[1:]
        described[name] = " ".join([described.get(name, ""), *cells]).strip()
    group = typer.main.get_command(app)
    for command_name, description in described.items():
        command = group.get_command(typer.Context(group), command_name)  # type: ignore[attr-defined]
        first = command.help.split("\n\n", 1)[0]
        assert " ".join(first.split()) == description


def test_root_help_says_how_to_turn_on_completion() -> None:
    text = flat(help_text())
    assert "--install-completion" in text and "--show-completion" in text


# --------------------------------------------------------------------------- the mechanism


def test_options_hands_the_command_built_groups() -> None:
    seen: dict[str, Any] = {}
    toy = typer.Typer()

    @toy.command()
    @options(repo=write_repository, commit=commit_options, output=output_options)
    def change(env: Annotated[str, typer.Argument()], repo: RepoOptions, commit: CommitOptions,
               output: OutputOptions) -> None:
        """A toy command."""
        seen.update(env=env, repo=repo, commit=commit, output=output)

    result = CliRunner().invoke(toy, ["staging", "--repo", "r", "--no-push", "--json", "-m", "x"],
                                env={"PROMOTER_BRANCH": "b", "PROMOTER_MAX_ATTEMPTS": "4"})
    assert result.exit_code == 0, result.output
    assert seen["env"] == "staging"
    assert seen["repo"] == RepoOptions("r", "b", None, push=False)
    assert (seen["commit"].message, seen["commit"].max_attempts) == ("x", 4)
    assert seen["output"] == OutputOptions(json=True, debug=False)


def test_options_puts_the_group_parameters_into_the_signature() -> None:
    @options(repo=read_repository, output=output_options)
    def read(env: str, repo: RepoOptions, output: OutputOptions) -> None:
        """Read."""

    params = inspect.signature(read).parameters
    assert list(params) == ["env", "repository", "branch", "config", "json_out", "debug"]
    assert read.__doc__ == "Read."
    assert read.__name__ == "read"


def test_options_refuses_an_option_declared_twice() -> None:
    def twice(branch: str, repo: RepoOptions) -> None:
        """Twice."""

    with pytest.raises(TypeError, match="branch"):
        options(repo=read_repository)(twice)


def test_reflow_joins_paragraph_lines_and_keeps_lists() -> None:
    text = "Summary line.\n\nA paragraph\nover two lines.\n\nForms:\n  A  a\n  B  b\nEnd."
    assert reflow(text) == ("Summary line.\n\nA paragraph over two lines.\n\n"
                            "Forms:\n  A  a\n  B  b\nEnd.")
