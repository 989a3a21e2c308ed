"""Finding `promoter ACTION ENV` in shell scripts: the commands a CircleCI `run:` step runs.

Knows promoter's own options (those that take a value, and flags) so that an option's value is
never mistaken for the environment; tests/circleci_lint/test_shell.py proves these sets agree
with the CLI.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterator
from dataclasses import dataclass

ACTIONS = ("promote", "rollback", "set-image")

# promoter's own options: those that take a value, and flags. Anything else starting with `-` is
# treated as taking a value unless the next word is a known environment or another option.
VALUE_OPTIONS = frozenset({
    "--repo", "--branch", "--config", "--message", "-m", "--max-attempts", "--tag", "--image",
    "--from", "--to", "--limit", "-n", "--source", "--workdir", "--number", "--timeout",
    "--interval", "--method", "--new-name", "--commit-via",
})
FLAG_OPTIONS = frozenset({
    "--push", "--no-push", "--json", "--dry-run", "--skip-ci", "--debug", "--yes", "-y",
    "--version", "--help", "--pr", "--wait", "--merge", "--install-completion",
    "--show-completion", "--sign",
})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash"})
_NOT_RUNNING = frozenset({"echo", "printf"})  # prints words, runs nothing
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "|&", ";;"})


@dataclass(frozen=True)
class PromoterCall:
    """One `promoter ACTION ENV ...` found in a shell command."""

    action: str  # promote | rollback | set-image
    environment: str | None  # None when the argument is not literal ($VAR, << ... >>)
    argument: str  # the environment argument as written ("" when missing)
    command: str  # the promoter command line, for messages


def find_promoter_calls(command: str, environments: Collection[str] = ()) -> list[PromoterCall]:
    """Every `promoter promote|rollback|set-image ENV` run by a shell script.

    Handles line continuations, `;`/`&&`/`|` lists, quoting, options before or after ENV,
    `python -m promoter`, wrappers (`env X=1 promoter ...`, `if promoter ...`, `docker run IMAGE
    promoter ...`) and `bash -c "..."`. It errs on the side of finding too much: a false finding
    is a nuisance, a missed production promotion is not. `environments` disambiguates options
    it does not know.
    """
    text = re.sub(r"\\\r?\n", " ", command)
    calls: list[PromoterCall] = []
    for line in text.splitlines():
        for words in _simple_commands(line):
            calls.extend(_calls_in(words, environments))
    return calls


def _calls_in(words: list[str], environments: Collection[str]) -> list[PromoterCall]:
    if words and words[0] in _NOT_RUNNING:
        return []
    if words and (words[0].rsplit("/", 1)[-1] in _SHELLS or words[0] == "eval"):
        scripts = [words[i + 1] for i, w in enumerate(words[:-1]) if re.fullmatch(r"-[a-z]*c", w)]
        if words[0] == "eval":
            scripts = [" ".join(words[1:])]
        return [c for script in scripts for c in find_promoter_calls(script, environments)]
    call = _promoter_call(words, environments)
    return [call] if call is not None else []


def _simple_commands(line: str) -> Iterator[list[str]]:
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: a multi-line string; good enough for a lint
        tokens = [w.strip("'\"") for w in line.split()]
    words: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            yield words
            words = []
        else:
            words.append(token)
    yield words


def _promoter_call(words: list[str], environments: Collection[str]) -> PromoterCall | None:
    """The first `promoter ACTION` in words (any position: wrappers are many)."""
    for index, word in enumerate(words):
        if word.rsplit("/", 1)[-1] != "promoter":
            continue
        rest = words[index + 1:]
        action_at = _first_positional(rest, environments)
        if action_at is None or rest[action_at] not in ACTIONS:
            continue
        action = rest[action_at]
        args = rest[action_at + 1:]
        env_at = _first_positional(args, environments)
        argument = args[env_at] if env_at is not None else ""
        literal = bool(argument) and not any(c in argument for c in "$`<>{}*?")
        line = " ".join(["promoter", *rest])
        return PromoterCall(action, argument if literal else None, argument, line)
    return None


def _first_positional(args: list[str], environments: Collection[str]) -> int | None:
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return index + 1 if index + 1 < len(args) else None
        if not word.startswith("-") or word == "-":
            return index
        index += 1 + _takes_value(word, args[index + 1] if index + 1 < len(args) else None,
                                  environments)
    return None


def _takes_value(option: str, following: str | None, environments: Collection[str]) -> int:
    if "=" in option or option in FLAG_OPTIONS or following is None:
        return 0
    if option in VALUE_OPTIONS:
        return 1
    if following.startswith("-") or following in environments or following in ACTIONS:
        return 0
    return 1
