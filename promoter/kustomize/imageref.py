"""The one image reference parser: NAME[:TAG][@DIGEST] split into its parts, and the Docker
grammar of each part.

Splitting never judges: callers check the parts with is_image_name / is_tag / is_digest and raise
the error of their trade (a malformed argument, a render that makes no sense).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NAME_MAX = 255
"""Longest image name (registry and path) Docker accepts."""
TAG_MAX = 128
"""Longest tag Docker accepts."""

_TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
_DIGEST_RE = re.compile(
    r"(?P<algo>[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*):(?P<hex>[0-9a-fA-F]{32,})"
)
_KNOWN_DIGESTS = {"sha256": re.compile(r"[0-9a-f]{64}"), "sha512": re.compile(r"[0-9a-f]{128}")}
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"(?:{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?"
_PATH_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_NAME_RE = re.compile(rf"(?:{_DOMAIN}/)?{_PATH_COMPONENT}(?:/{_PATH_COMPONENT})*")


@dataclass(frozen=True)
class ImageRef:
    """A container image reference split into name (with registry and port), tag and digest."""

    name: str
    tag: str | None = None
    digest: str | None = None

    def __str__(self) -> str:
        text = self.name
        if self.tag is not None:
            text += f":{self.tag}"
        if self.digest is not None:
            text += f"@{self.digest}"
        return text


def split_image_ref(ref: str) -> ImageRef:
    """Split `registry:port/path/name:tag@sha256:...` into its parts; str() gives ref back.

    The digest is what follows the first '@' (None without one, "" after a bare '@'). The tag is
    the part after the last ':' that follows the last '/', so a registry port is never mistaken
    for a tag ("" after a bare ':'). Nothing is checked: an empty name comes back empty.
    """
    head, at, digest = ref.partition("@")
    colon = head.rfind(":")
    if colon > head.rfind("/"):
        name, tag = head[:colon], head[colon + 1 :]
    else:
        name, tag = head, None
    return ImageRef(name=name, tag=tag, digest=digest if at else None)


def is_image_name(name: str) -> bool:
    """A Docker image name: optional registry (host, port), lowercase path; no tag, no digest."""
    return len(name) <= NAME_MAX and _NAME_RE.fullmatch(name) is not None


def is_tag(tag: str) -> bool:
    """A Docker tag: [A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters."""
    return len(tag) <= TAG_MAX and _TAG_RE.fullmatch(tag) is not None


def is_digest(digest: str) -> bool:
    """ALGORITHM:HEX; sha256 and sha512 must have their exact length in lowercase hex."""
    match = _DIGEST_RE.fullmatch(digest)
    if match is None:
        return False
    known = _KNOWN_DIGESTS.get(match.group("algo"))
    return known is None or known.fullmatch(match.group("hex")) is not None
