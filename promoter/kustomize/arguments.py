"""The `set image` argument grammar: NAME=TAG and the other kustomize forms parsed into an
ImageChange, every malformed argument a UsageError that names it.

Semantics follow `kustomize edit set image`, with one deliberate difference: `NAME=X` and
`NAME=X@DIGEST`, where X has no ':' or '/', set the TAG X (kustomize would set newName X). A new
name needs a registry or path (`NAME=ghcr.io/o/x`) or a tag (`NAME=x:TAG`).
"""

from __future__ import annotations

from promoter.errors import UsageError
from promoter.kustomize.entries import ImageChange
from promoter.kustomize.imageref import is_digest, is_image_name, is_tag, split_image_ref

PRESERVE = "*"
"""`*` as new name, tag or digest keeps the value already in the file (as in kustomize)."""

ARG_FORMS = (
    "NAME=TAG, NAME:TAG, NAME@sha256:HEX, NAME=TAG@sha256:HEX, NAME=NEWNAME:TAG, "
    "NAME=NEWNAME@sha256:HEX or NAME=NEWNAME:TAG@sha256:HEX"
)


def _usage(arg: str, reason: str) -> UsageError:
    return UsageError(f"invalid image argument {arg!r}: {reason}", hint=f"use {ARG_FORMS}")


def _check_name(name: str, arg: str) -> None:
    """Raise UsageError (naming arg) unless name is a Docker image name (no tag, no digest)."""
    if not name:
        raise _usage(arg, "the image name is empty")
    if not is_image_name(name):
        raise _usage(arg, f"{name!r} is not a valid image name (lowercase path, optional registry)")


def _check_tag(tag: str, arg: str) -> None:
    if not is_tag(tag):
        raise _usage(
            arg, f"{tag!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most 128 characters)"
        )


def _check_digest(digest: str, arg: str) -> None:
    if not is_digest(digest):
        raise _usage(arg, f"{digest!r} is not a valid digest (sha256: and 64 lowercase hex digits)")


def _split(ref: str, arg: str) -> tuple[str, str | None, str | None]:
    if ref.count("@") > 1:
        raise _usage(arg, "more than one '@'")
    parts = split_image_ref(ref)
    return parts.name, parts.tag, parts.digest


def parse_image_arg(arg: str) -> ImageChange:
    """Parse one `set image` argument; raise UsageError (naming the argument) when malformed."""
    if arg.count("=") > 1:
        raise _usage(arg, "more than one '='")
    if "=" in arg:
        name, _, rhs = arg.partition("=")
        _check_name(name, arg)
        new_name, tag, digest = _parse_target(rhs, arg)
    else:
        name, tag, digest = _split(arg, arg)
        new_name = None
        _check_name(name, arg)
        if tag is None and digest is None:
            raise _usage(arg, "no tag or digest given")
    return _build_change(arg, name, new_name, tag, digest)


def _parse_target(rhs: str, arg: str) -> tuple[str | None, str | None, str | None]:
    """(new name, tag, digest) from what follows '='."""
    if not rhs:
        raise _usage(arg, "nothing after '='")
    new_name, tag, digest = _split(rhs, arg)
    if tag is None and new_name != PRESERVE and not any(ch in new_name for ch in ":/"):
        # Deliberate difference from kustomize: a bare word (before any @digest) is a tag.
        return None, new_name or None, digest
    return new_name or None, tag, digest


def _build_change(
    arg: str, name: str, new_name: str | None, tag: str | None, digest: str | None
) -> ImageChange:
    if new_name == PRESERVE:
        new_name = None
    elif new_name is not None:
        _check_name(new_name, arg)
    keep_tag, keep_digest = tag == PRESERVE, digest == PRESERVE
    tag = None if keep_tag else tag
    digest = None if keep_digest else digest
    if tag is not None:
        _check_tag(tag, arg)
    if digest is not None:
        _check_digest(digest, arg)
    return ImageChange(name, new_name, tag, digest, keep_tag=keep_tag, keep_digest=keep_digest)


def validate_change(change: ImageChange) -> None:
    """Check a change built in code like an argument (UsageError naming the image)."""
    label = change.name
    _check_name(change.name, label)
    if change.new_name is not None:
        _check_name(change.new_name, label)
    if change.new_tag is not None:
        _check_tag(change.new_tag, label)
    if change.digest is not None:
        _check_digest(change.digest, label)
