"""promoter.circleci_lint.shell: `promoter ACTION ENV` in shell scripts, and promoter's options."""

from __future__ import annotations

import itertools
import shlex
from collections.abc import Iterator
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter import cli
from promoter.circleci_lint.shell import FLAG_OPTIONS, VALUE_OPTIONS, find_promoter_calls
from tests.circleci_lint.configs import ENVS


@pytest.mark.parametrize(("command", "expected"), [
    ("promoter promote production --tag abc", [("promote", "production")]),
    ("promoter promote --tag abc --repo \"$R\" production", [("promote", "production")]),
    ("promoter --config p.yaml set-image staging web=abc", [("set-image", "staging")]),
    ("promoter rollback \\\n  production \\\n  --to abc", [("rollback", "production")]),
    ("cd x && ~/venv/bin/promoter promote production; echo done", [("promote", "production")]),
    ("PROMOTER_JSON=1 python -m promoter promote production", [("promote", "production")]),
    ("promoter promote --frobnicate production", [("promote", "production")]),
    ("promoter promote --json -- production", [("promote", "production")]),
    ("promoter promote staging\npromoter promote production", [("promote", "staging"),
                                                               ("promote", "production")]),
    ("if promoter promote production; then echo ok; fi", [("promote", "production")]),
    ("timeout 5m promoter promote production", [("promote", "production")]),
    ("uv run promoter promote production", [("promote", "production")]),
    ("docker run --rm img:1 promoter rollback production", [("rollback", "production")]),
    ("bash -ec 'promoter promote production'", [("promote", "production")]),
    ("bash -c 'cd x && promoter promote production'", [("promote", "production")]),
    ("eval \"promoter rollback production\"", [("rollback", "production")]),
    ("promoter promote $ENV", [("promote", None)]),
    ("promoter promote", [("promote", None)]),
    ("pip install promoter", []),
    ("pip install --quiet promoter && promoter --version", []),
    ("echo 'promoter promote production'", []),
    ("promoter status production", []),
    ("# promoter promote production", []),
    ("promoter check-pipeline .circleci/config.yml", []),
])
def test_find_promoter_calls(command: str, expected: list[tuple[str, str | None]]) -> None:
    calls = find_promoter_calls(command, ENVS)
    assert [(c.action, c.environment) for c in calls] == expected


@pytest.mark.parametrize(("command", "expected"), [
    ("promoter promote --pr prod-eu", ("promote", "prod-eu")),
    ("promoter promote --pr prod-eu --tag abc1234", ("promote", "prod-eu")),
    ("promoter --json promote --pr production", ("promote", "production")),
    ("promoter rollback --pr --no-push prod-eu --to abc1234", ("rollback", "prod-eu")),
    ("promoter promote --wait prod-eu", ("promote", "prod-eu")),
    ("promoter promote --merge --debug prod-eu", ("promote", "prod-eu")),
    ("promoter promote --timeout 60 --interval 5 prod-eu", ("promote", "prod-eu")),
    ("promoter promote --number 12 --method squash production", ("promote", "production")),
])
def test_promoter_flags_never_take_the_environment(command: str,
                                                   expected: tuple[str, str]) -> None:
    """`--pr` is a flag: `prod-eu` after it is the environment (even one the lint is not told)."""
    assert [(c.action, c.environment) for c in find_promoter_calls(command, ENVS)] == [expected]


def test_unbalanced_quotes_fall_back_to_words() -> None:
    calls = find_promoter_calls("promoter promote production -m \"multi\nline\"", ENVS)
    assert [(c.action, c.environment) for c in calls] == [("promote", "production")]


_OPTIONS = st.lists(st.sampled_from([
    ["--tag", "abc1234"], ["--repo", "git@github.com:o/r.git"], ["--skip-ci"], ["--dry-run"],
    ["--message", "why not"], ["--tag=abc1234"], ["--max-attempts", "3"], ["--no-push"],
    ["--pr"], ["--json"],
]), max_size=4)


@settings(max_examples=60, deadline=None)
@given(before=_OPTIONS, after=_OPTIONS, action=st.sampled_from(["promote", "rollback"]),
       env=st.sampled_from(ENVS))
def test_options_anywhere_never_hide_the_environment(
    before: list[list[str]], after: list[list[str]], action: str, env: str
) -> None:
    words = ["promoter", action, *itertools.chain(*before), env, *itertools.chain(*after)]
    calls = find_promoter_calls(shlex.join(words), ENVS)
    assert [(c.action, c.environment) for c in calls] == [(action, env)]


# ----------------------------------------------------------------------------- agree with the CLI

# typer adds these to the root command when shell completion is on (it is off today).
_COMPLETION = {"--install-completion", "--show-completion"}


def _commands(command: Any) -> Iterator[Any]:
    """The root command and every command under it, however deeply grouped."""
    yield command
    for sub in getattr(command, "commands", {}).values():
        yield from _commands(sub)


def _cli_options() -> dict[str, set[bool]]:
    """Every option name (secondary names like --no-push too) of every command of promoter's
    CLI, with whether it takes a value (True) or is a flag (False), as click parses it."""
    found: dict[str, set[bool]] = {}
    for command in _commands(typer.main.get_command(cli.app)):
        for name in command.get_help_option_names(command.context_class(command)):
            found.setdefault(name, set()).add(False)
        for param in command.params:
            if param.param_type_name != "option":
                continue
            takes_value = not (param.is_flag or param.count)
            for name in [*param.opts, *param.secondary_opts]:
                found.setdefault(name, set()).add(takes_value)
    return found


def test_option_sets_agree_with_the_cli() -> None:
    """Every option of every command is in exactly the right set: a value option missing from
    VALUE_OPTIONS, or a flag missing from FLAG_OPTIONS (`--pr`), could hide the environment."""
    found = _cli_options()
    assert {True, False} <= set().union(*found.values()), "introspection found no options"
    assert any(name.startswith("--no-") for name in found), "secondary names not introspected"
    assert not VALUE_OPTIONS & FLAG_OPTIONS
    for name, kinds in sorted(found.items()):
        assert len(kinds) == 1, f"{name} is a flag in one command and takes a value in another"
        if True in kinds:
            assert name in VALUE_OPTIONS and name not in FLAG_OPTIONS, f"{name} takes a value"
        else:
            assert name in FLAG_OPTIONS and name not in VALUE_OPTIONS, f"{name} is a flag"
    stale = (VALUE_OPTIONS | FLAG_OPTIONS) - set(found) - _COMPLETION
    assert not stale, f"options the CLI no longer has: {sorted(stale)}"
