"""Finding `promoter ACTION ENV` in shell scripts (the commands a CircleCI `run:` step runs), and
the commands that could run promoter where this lint cannot see (promoter.circleci_lint.programs).

Knows promoter's own options (those that take a value, and flags) so that an option's value is
never mistaken for the environment; tests/circleci_lint/test_shell.py proves these sets agree
with the CLI.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field

from promoter.circleci_lint.programs import (
    NOT_RUNNING,
    Inner,
    Opaque,
    Verdict,
    basename,
    classify,
    unwrap,
)
from promoter.circleci_lint.shellwords import SimpleCommand, Word, simple_commands

ACTIONS = ("promote", "rollback", "set-image")

# promoter's own options: those that take a value, and flags. Anything else starting with `-` is
# treated as taking a value unless the next word is a known environment or another option.
VALUE_OPTIONS = frozenset({
    "--repo", "--branch", "--config", "--message", "-m", "--max-attempts", "--tag", "--image",
    "--from", "--to", "--limit", "-n", "--source", "--workdir", "--number", "--timeout",
    "--interval", "--method", "--new-name", "--commit-via", "--reason", "--auto-merge",
})
FLAG_OPTIONS = frozenset({
    "--push", "--no-push", "--json", "--dry-run", "--skip-ci", "--debug", "--yes", "-y",
    "--version", "--help", "--pr", "--wait", "--merge", "--install-completion",
    "--show-completion", "--sign", "--require-approval", "--override-approval",
    "--override-freeze", "--override-hold", "--hold",
})
_KEYWORDS = frozenset({"if", "then", "else", "elif", "fi", "do", "done", "while", "until", "!",
                       "{", "}", "esac", "time"})
_NOT_COMMANDS = frozenset({"for", "case", "select", "function", "in"})
_ASSIGNMENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\[[^]]*\])?\+?=.*", re.DOTALL)
_MAX_DEPTH = 10
_MAX_TEXT = 200


@dataclass(frozen=True)
class PromoterCall:
    """One `promoter ACTION ENV ...` found in a shell command."""

    action: str  # promote | rollback | set-image
    environment: str | None  # None when the argument is not literal ($VAR, << ... >>)
    argument: str  # the environment argument as written ("" when missing)
    command: str  # the promoter command line, for messages


@dataclass(frozen=True)
class Doubt:
    """A command that could run promoter where this lint cannot see (a script, `eval "$X"`, a
    command named by a variable, ...): `reason` says why, `text` is the command as written."""

    reason: str
    text: str
    line: int = 0  # 0-based line of the script it starts on


@dataclass
class Scan:
    """What a shell script runs that matters here: promoter calls, and doubts."""

    calls: list[PromoterCall] = field(default_factory=list)
    doubts: list[Doubt] = field(default_factory=list)


def find_promoter_calls(command: str, environments: Collection[str] = ()) -> list[PromoterCall]:
    """Every `promoter promote|rollback|set-image ENV` run by a shell script.

    Handles line continuations, `;`/`&&`/`|` lists, quoting, options before or after ENV,
    `python -m promoter`, wrappers (`env X=1 promoter ...`, `if promoter ...`, `docker run IMAGE
    promoter ...`), `bash -c '...'` and `eval '...'`, `$(...)`. It errs on the side of finding
    too much: a false finding is a nuisance, a missed production promotion is not.
    `environments` disambiguates options it does not know.
    """
    return scan_script(command, environments).calls


def scan_script(script: str, environments: Collection[str] = (), depth: int = 0) -> Scan:
    """The promoter calls of a shell script, and the commands that could run promoter unseen."""
    scan = Scan()
    for command in simple_commands(script):
        for sub in command.substitutions:
            _merge(scan, scan_script(sub.script, environments, depth + 1), sub.line)
        words = _command_words(command.words)
        if words:
            _command(scan, words, command, environments, depth)
    return scan


def _command(scan: Scan, words: list[Word], command: SimpleCommand,
             environments: Collection[str], depth: int) -> None:
    text = _text(command.words)
    found = _promoter(words, environments)
    if isinstance(found, PromoterCall):
        scan.calls.append(found)
        return
    verdict: Verdict = found
    if verdict is None and words[0].text not in NOT_RUNNING:
        verdict = classify(unwrap(words))
    if isinstance(verdict, Inner):
        if depth >= _MAX_DEPTH:
            verdict = Opaque("scripts nested deeper than this check reads")
        else:
            _merge(scan, scan_script(verdict.script, environments, depth + 1), command.line)
            return
    if isinstance(verdict, Opaque):
        scan.doubts.append(Doubt(_cap(verdict.reason), text, command.line))


def _merge(scan: Scan, inner: Scan, line: int) -> None:
    scan.calls.extend(inner.calls)
    scan.doubts.extend(Doubt(d.reason, d.text, d.line + line) for d in inner.doubts)


def _command_words(words: list[Word]) -> list[Word]:
    """The words from the command name on: keywords (`if`, `do`, `!`) and assignments skipped;
    nothing for `for x in ...` or `case ... in`, which run no command."""
    index = 0
    while index < len(words):
        text = words[index].text
        if text in _NOT_COMMANDS and not words[index].expands:
            return []
        if not (text in _KEYWORDS or _ASSIGNMENT.fullmatch(text)):
            break
        index += 1
    return words[index:]


def _text(words: list[Word]) -> str:
    return _cap(" ".join(w.text if w.text and " " not in w.text else repr(w.text)
                         for w in words))


def _cap(text: str) -> str:
    return text if len(text) <= _MAX_TEXT else text[:_MAX_TEXT - 1] + "…"


def _promoter(words: list[Word], environments: Collection[str]) -> PromoterCall | Opaque | None:
    """The first `promoter ACTION` in words (any position: wrappers are many); Opaque when
    promoter's command is chosen at run time. None: no promoter call (maybe no promoter)."""
    texts = [w.text for w in words]
    for index, word in enumerate(words):
        if basename(word) != "promoter":
            continue
        rest = texts[index + 1:]
        action_at = _first_positional(rest, environments)
        if action_at is None:
            continue
        if words[index + 1 + action_at].expands:
            return Opaque(f"runs promoter with a command chosen at run time ({rest[action_at]})")
        if rest[action_at] not in ACTIONS:
            continue
        return _call(rest, action_at, environments)
    return None


def _call(rest: list[str], action_at: int, environments: Collection[str]) -> PromoterCall:
    action = rest[action_at]
    args = rest[action_at + 1:]
    env_at = _first_positional(args, environments)
    argument = args[env_at] if env_at is not None else ""
    literal = bool(argument) and not any(c in argument for c in "$`<>{}*?")
    line = " ".join(["promoter", *rest])
    return PromoterCall(action, argument if literal else None, argument, line)


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
