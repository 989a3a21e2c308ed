"""Make text from elsewhere safe to show: credentials out of URLs, no terminal control sequences,
bounded length.

Everything a user reads from promoter that promoter did not write itself (git hook output,
kustomize's stderr, a GitHub API message, a remote URL) passes through here before it reaches a
message. Each function runs in time linear in its input.
"""

from __future__ import annotations

import re

MESSAGE_LIMIT = 4096
"""A foreign message shown to the user is cut after this many characters."""

# user[:password]@ right after `scheme://`. The userinfo may not contain '/', '@' or whitespace,
# so the scan from one "://" stops at the next one: linear.
_CREDENTIALS = re.compile(r"://[^/@\s]+@")
# CSI sequences (colours, cursor moves), OSC sequences (titles, hyperlinks), other two-byte ESC
# sequences, then every remaining C0/C1 control character except tab and newline.
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -~]?"
    r"|[\x00-\x08\x0b-\x1f\x7f-\x9f]"
)


def redact(text: str) -> str:
    """Strip user:password@ from every URL in text."""
    return _CREDENTIALS.sub("://", text)


def strip_control(text: str) -> str:
    """text without terminal escape sequences and control characters (tab and newline stay;
    a carriage return, which can hide a line's start, goes)."""
    return _CONTROL.sub("", text)


def cap(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """text cut to `limit` characters, saying how much more there was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… {len(text) - limit} characters more"


def foreign(text: str, limit: int = MESSAGE_LIMIT) -> str:
    """Text from another program or server, ready for a message: no control characters, no
    credentials, at most `limit` characters."""
    return cap(redact(strip_control(text)), limit)


def one_line(text: str) -> str:
    """Whitespace runs, line breaks included, collapsed to single spaces."""
    return " ".join(text.split())
