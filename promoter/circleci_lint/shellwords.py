"""Splitting a shell script into simple commands and their words, keeping what a lint needs:
which words the shell expands at run time, the scripts of `$(...)`, and each command's line.

Not a shell: enough of POSIX sh and bash for `run:` steps (quotes, escapes, line continuations,
comments, `;`/`&&`/`||`/`|`/`&`/`(`/`)`, redirections, here-documents, `$(...)`, backquotes,
`${...}`, `$((...))`). What it cannot read, it leaves as words; the caller errs on the side
of doubt.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_OPERATORS = ";&|()"
_REDIRECTS = "<>"
_CIRCLECI_PARAMETER = re.compile(r"<<\s*[A-Za-z0-9_.-]+\s*>>")  # not filled in: run-time text


@dataclass
class Word:
    """One shell word: its text with quotes removed; `expands` when the shell puts run-time
    text in it (a `$` or a command substitution outside single quotes)."""

    text: str = ""
    expands: bool = False
    started: bool = False
    line: int = 0


@dataclass(frozen=True)
class Substitution:
    """The script of a `$(...)`, backquote or `<(...)` found in a command, and its line."""

    script: str
    line: int


@dataclass
class SimpleCommand:
    """One simple command: its words (redirection targets left out), the 0-based line of the
    script it starts on, and the command substitutions inside it."""

    words: list[Word] = field(default_factory=list)
    line: int = 0
    substitutions: list[Substitution] = field(default_factory=list)


class _Lexer:
    def __init__(self, script: str) -> None:
        self.text = script
        self.pos = 0
        self.line = 0
        self.commands: list[SimpleCommand] = [SimpleCommand()]
        self.word = Word()
        self.redirect = False  # the next word is a redirection target
        self.heredocs: list[tuple[str, bool]] = []  # (delimiter, strip tabs) pending

    # ------------------------------------------------------------------ words and commands

    @property
    def command(self) -> SimpleCommand:
        return self.commands[-1]

    def end_word(self) -> None:
        if self.word.started:
            if self.redirect:
                self.redirect = False
            else:
                if not self.command.words:
                    self.command.line = self.word.line
                self.command.words.append(self.word)
        self.word = Word()

    def end_command(self) -> None:
        self.end_word()
        self.redirect = False
        if self.command.words or self.command.substitutions:
            self.commands.append(SimpleCommand(line=self.line))

    def start(self) -> None:
        if not self.word.started:
            self.word.started = True
            self.word.line = self.line

    def add(self, chars: str, expands: bool = False) -> None:
        self.start()
        self.word.text += chars
        self.word.expands = self.word.expands or expands

    def peek(self, offset: int = 0) -> str:
        at = self.pos + offset
        return self.text[at] if at < len(self.text) else ""

    def at(self, chars: str, offset: int = 0) -> bool:
        """Whether the character at pos + offset is one of chars (never at the end)."""
        char = self.peek(offset)
        return bool(char) and char in chars

    def advance(self, count: int = 1) -> str:
        taken = self.text[self.pos:self.pos + count]
        self.line += taken.count("\n")
        self.pos += count
        return taken

    # ------------------------------------------------------------------ the main loop

    def run(self) -> list[SimpleCommand]:
        while self.pos < len(self.text):
            self.step(self.peek())
        self.end_command()
        return [c for c in self.commands if c.words or c.substitutions]

    def step(self, char: str) -> None:
        if char == "\n":
            self.advance()
            self.end_command()
            self.skip_heredocs()
        elif char in " \t\r":
            self.advance()
            self.end_word()
        elif char == "#" and not self.word.started:
            while self.pos < len(self.text) and self.peek() != "\n":
                self.advance()
        elif char == "\\":
            self.escape()
        elif char == "'":
            self.single_quoted()
        elif char == '"':
            self.double_quoted()
        elif char in "$`":
            self.dollar_or_backquote(char)
        elif char in _REDIRECTS:
            self.redirection(char)
        elif char in _OPERATORS:
            self.advance()
            self.end_command()
        else:
            self.add(self.advance())

    def escape(self) -> None:
        self.advance()
        if self.peek() == "\n":
            self.advance()  # a line continuation
        elif self.peek():
            self.add(self.advance())

    def single_quoted(self) -> None:
        self.start()
        self.advance()
        end = self.text.find("'", self.pos)
        end = len(self.text) if end < 0 else end
        self.add(self.advance(end - self.pos))
        self.advance()

    def double_quoted(self) -> None:
        self.start()
        self.advance()
        while self.pos < len(self.text) and self.peek() != '"':
            char = self.peek()
            if char == "\\" and self.at('$`"\\\n', 1):
                self.advance()
                self.add(self.advance())
            elif char in "$`":
                self.dollar_or_backquote(char)
            else:
                self.add(self.advance())
        self.advance()

    def dollar_or_backquote(self, char: str) -> None:
        self.start()
        if char == "`":
            self.advance()
            start, line = self.pos, self.line
            while self.pos < len(self.text) and self.peek() != "`":
                self.advance(2 if self.peek() == "\\" else 1)
            self.substitution(self.text[start:self.pos], line)
            self.advance()
            self.add("$(...)", expands=True)
        elif self.peek(1) == "(":
            arithmetic = self.peek(2) == "("
            self.advance(2)
            script, line = self.balanced(")"), self.line
            if not arithmetic:
                self.substitution(script, line)
            self.add("$(...)", expands=True)
        elif self.peek(1) == "{":
            self.advance(2)
            self.add("${" + self.balanced("}") + "}", expands=True)
        elif self.peek(1) == "'":  # $'...': ANSI-C quoting, literal
            self.advance()
            self.single_quoted()
        else:
            self.add(self.advance(), expands=bool(self.peek().strip()))

    def balanced(self, close: str) -> str:
        """The text up to the `close` matching an already consumed opener; consumes it."""
        opener = "(" if close == ")" else "{"
        depth, start, quote = 1, self.pos, ""
        while self.pos < len(self.text):
            char = self.advance()
            if quote:
                quote = "" if char == quote else quote
            elif char in "'\"":
                quote = char
            elif char == "\\":
                self.advance()
            elif char == opener:
                depth += 1
            elif char == close:
                depth -= 1
                if depth == 0:
                    return self.text[start:self.pos - 1]
        return self.text[start:self.pos]

    def substitution(self, script: str, line: int) -> None:
        self.command.substitutions.append(Substitution(script, line))

    def redirection(self, char: str) -> None:
        placeholder = _CIRCLECI_PARAMETER.match(self.text, self.pos)
        if placeholder:
            self.add(self.advance(placeholder.end() - self.pos), expands=True)
            return
        if self.word.started and self.word.text.isdigit() and not self.word.expands:
            self.word = Word()  # `2>`: the descriptor, not a word
        self.end_word()
        if self.peek(1) == "(":  # <(...) >(...): process substitution
            self.advance(2)
            self.substitution(self.balanced(")"), self.line)
            return
        if char == "<" and self.peek(1) == "<" and self.peek(2) != "<":
            self.advance(2)
            self.heredoc()
            return
        self.advance()
        while self.at("<>&|"):
            self.advance()
        self.redirect = self.peek() != "-"  # `2>&-` closes; anything else names a target

    def heredoc(self) -> None:
        strip = self.peek() == "-"
        if strip:
            self.advance()
        while self.at(" \t"):
            self.advance()
        delimiter = ""
        while self.peek() and not self.at(" \t\n;&|<>()"):
            char = self.advance()
            delimiter += "" if char in "'\"\\" else char
        if delimiter:
            self.heredocs.append((delimiter, strip))

    def skip_heredocs(self) -> None:
        while self.heredocs:
            delimiter, strip = self.heredocs.pop(0)
            while self.pos < len(self.text):
                end = self.text.find("\n", self.pos)
                end = len(self.text) if end < 0 else end
                body = self.text[self.pos:end]
                self.advance(min(end + 1, len(self.text)) - self.pos)
                if (body.lstrip("\t") if strip else body) == delimiter:
                    break
        if self.commands[-1].words or self.commands[-1].substitutions:
            return
        self.commands[-1].line = self.line


def simple_commands(script: str) -> list[SimpleCommand]:
    """Every simple command of `script`, in order (compound commands' parts included: the
    `if`, `while`, `do` ... keywords stay as words for the caller to skip)."""
    return _Lexer(script).run()
