"""Telling remote addresses from local paths, and the host and path of a remote address.

git's own rule: `scheme://...` is a URL, and a colon before the first slash makes an scp-like
`[user@]host:path` address; anything else is a local path.
"""

from __future__ import annotations

import re
from typing import NamedTuple
from urllib.parse import urlsplit

_SCHEME_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
SCP_LIKE = re.compile(
    r"^(?:(?P<user>[^@/:\s]+)@)?(?P<host>\[[^\]/]+\]|[^@/:\s\[\]]{2,}):(?P<path>.*)$", re.DOTALL
)
"""THE scp-like address pattern: [user@]host:path with the colon before any slash. A host is at
least two characters (`c:path` is a file name) or a bracketed IPv6 address."""
NETWORK_SCHEMES = frozenset({"https", "http", "ssh", "git", "git+ssh", "ssh+git"})
"""Schemes whose URLs name a host to reach over the network (file:// names none)."""


class RemoteLocation(NamedTuple):
    host: str  # lower case, IPv6 without brackets
    path: str  # as written: "o/r.git" (scp-like) or "/o/r.git" (URL)


def is_url(repo: str) -> bool:
    """True for file://, ssh://, http(s)://, git:// and scp-style [user@]host:path addresses."""
    return bool(_SCHEME_URL.match(repo) or SCP_LIKE.match(repo))


def remote_location(url: str) -> RemoteLocation | None:
    """Host and path of a network remote: an ssh, git or http(s) URL, or an scp-like address.
    None for local paths, file:// and other schemes, and URLs without a host."""
    if _SCHEME_URL.match(url):
        try:
            parts = urlsplit(url)
            host = parts.hostname
        except ValueError:  # a malformed [IPv6] host or port
            return None
        if parts.scheme.lower() not in NETWORK_SCHEMES or not host:
            return None
        return RemoteLocation(host.lower(), parts.path)
    match = SCP_LIKE.match(url)
    if match is None:
        return None
    return RemoteLocation(match["host"].strip("[]").lower(), match["path"])
