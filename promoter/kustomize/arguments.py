"""The `set-image` argument grammar: NAME=TAG and its other forms, and --new-name NAME=NEWNAME,
parsed into ImageChanges; every malformed argument a UsageError that names it.

Tags and digests follow `kustomize edit set image`, with one deliberate difference: what follows
'=' is always a TAG (optionally @DIGEST), never a new image name. kustomize reads `NAME=X` and
`NAME=X:TAG` as "switch to image X"; here that is a usage error, and changing an entry's newName
takes `--new-name NAME=NEWNAME`, so a mistyped tag can never repoint an image elsewhere.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from promoter.errors import UsageError
from promoter.kustomize.entries import ImageChange
from promoter.kustomize.imageref import (
    TAG_MAX,
    is_digest,
    is_image_name,
    is_tag,
    split_image_ref,
)

IMAGE_FORMS: tuple[tuple[str, str], ...] = (
    ("NAME=TAG", "set the tag (a digest is dropped)"),
    ("NAME:TAG", "the same"),
    ("NAME@sha256:HEX", "pin a digest (the tag is dropped)"),
    ("NAME=TAG@sha256:HEX", "set the tag and the digest"),
)
"""Every image argument form with what it does: the set-image help and ARG_FORMS list these."""

ARG_FORMS = ", ".join(form for form, _ in IMAGE_FORMS[:-1]) + f" or {IMAGE_FORMS[-1][0]}"
NEW_NAME_FORM = "--new-name NAME=NEWNAME"


def _usage(arg: str, reason: str, hint: str | None = None) -> UsageError:
    return UsageError(
        f"invalid image argument {arg!r}: {reason}",
        hint=hint or f"use {ARG_FORMS}; to change the image an entry points to, {NEW_NAME_FORM}",
    )


def _check_name(name: str, arg: str) -> None:
    """Raise UsageError (naming arg) unless name is a Docker image name (no tag, no digest)."""
    if not name:
        raise _usage(arg, "the image name is empty")
    if not is_image_name(name):
        raise _usage(arg, f"{name!r} is not a valid image name (lowercase path, optional registry)")


def _check_tag(tag: str, arg: str) -> None:
    if len(tag) > TAG_MAX:
        raise _usage(arg, f"the tag is {len(tag)} characters long; Docker allows at most {TAG_MAX}")
    if not is_tag(tag):
        raise _usage(
            arg, f"{tag!r} is not a valid tag ([A-Za-z0-9_][A-Za-z0-9_.-]*, at most {TAG_MAX} "
            "characters)")


def _check_digest(digest: str, arg: str) -> None:
    if not is_digest(digest):
        raise _usage(arg, f"{digest!r} is not a valid digest (sha256: and 64 lowercase hex digits)")


def parse_image_arg(arg: str) -> ImageChange:
    """Parse one `set-image` argument; raise UsageError (naming the argument) when malformed."""
    if arg.count("=") > 1:
        raise _usage(arg, "more than one '='")
    if arg.count("@") > 1:
        raise _usage(arg, "more than one '@'")
    if "=" in arg:
        name, _, value = arg.partition("=")
        _check_name(name, arg)
        tag, digest = _tag_and_digest(name, value, arg)
    else:
        parts = split_image_ref(arg)
        name, tag, digest = parts.name, parts.tag, parts.digest
        _check_name(name, arg)
        if tag is None and digest is None:
            raise _usage(arg, "no tag or digest given")
    return _build_change(arg, name, tag, digest)


def _tag_and_digest(name: str, value: str, arg: str) -> tuple[str | None, str | None]:
    """(tag, digest) from what follows '=': TAG or TAG@DIGEST, never an image name."""
    if not value:
        raise _usage(arg, "nothing after '='")
    tag, at, digest = value.partition("@")
    if not tag:
        raise _usage(arg, "no tag between '=' and '@'",
                     hint=f"to pin a digest alone, use NAME@sha256:HEX ({name}@{digest})")
    if ":" in tag or "/" in tag:
        ref = split_image_ref(value)
        with_tag = f" and the tag as {name}={ref.tag}" if ref.tag else ""
        raise _usage(
            arg, f"{tag!r} is not a tag: the value after '=' is always a tag (optionally "
            "@sha256:HEX), never a new image name",
            hint=f"to change the image {name} points to, use --new-name {name}={ref.name}"
            f"{with_tag}; the forms are {ARG_FORMS}")
    return tag, digest if at else None


def _build_change(arg: str, name: str, tag: str | None, digest: str | None) -> ImageChange:
    if "*" in (tag, digest):
        raise _usage(arg, "'*' (kustomize's keep-the-current-value) is not supported: the "
                     "entry's newName is always kept, and a tag or digest is given in full",
                     hint=f"use {ARG_FORMS}, e.g. NAME=TAG@sha256:HEX to pin the digest of "
                     "a tag")
    if tag is not None:
        _check_tag(tag, arg)
    if digest is not None:
        _check_digest(digest, arg)
    return ImageChange(name, None, tag, digest)


def _new_name_usage(arg: str, reason: str, hint: str | None = None) -> UsageError:
    return UsageError(f"invalid --new-name {arg!r}: {reason}",
                      hint=hint or f"use {NEW_NAME_FORM}, e.g. --new-name web=ghcr.io/acme/web")


def parse_new_name_arg(arg: str) -> ImageChange:
    """Parse one `--new-name NAME=NEWNAME`: the change that sets the entry's newName."""
    name, equals, new_name = arg.partition("=")
    if not equals or not name or not new_name:
        raise _new_name_usage(arg, "expected NAME=NEWNAME")
    if "=" in new_name:
        raise _new_name_usage(arg, "more than one '='")
    if not is_image_name(name):
        raise _new_name_usage(arg, f"{name!r} is not a valid image name")
    if not is_image_name(new_name):
        ref = split_image_ref(new_name)
        if ref.tag is None and ref.digest is None:
            raise _new_name_usage(arg, f"{new_name!r} is not a valid image name (lowercase "
                                  "path, optional registry)")
        version = new_name[len(ref.name):].lstrip(":")
        raise _new_name_usage(
            arg, f"{new_name!r} has a tag or digest; NEWNAME is the image name alone",
            hint=f"use --new-name {name}={ref.name} and give the version as the argument "
            f"{name}={version}")
    return ImageChange(name, new_name=new_name)


def image_changes(args: Sequence[str], new_names: Sequence[str]) -> tuple[ImageChange, ...]:
    """The changes of one set-image command: each image argument, with its --new-name merged
    in, then each --new-name of an image that has no argument. UsageError when there is
    nothing to do or an image is named twice."""
    if not args and not new_names:
        raise UsageError("set-image needs at least one IMAGE=TAG argument or "
                         f"{NEW_NAME_FORM}", hint=f"use {ARG_FORMS}")
    tags = [parse_image_arg(arg) for arg in args]
    renames = [parse_new_name_arg(arg) for arg in new_names]
    _given_once(tags, "image {} is given more than once")
    _given_once(renames, "--new-name for {} is given more than once")
    new_name = {change.name: change.new_name for change in renames}
    merged = [replace(change, new_name=new_name.get(change.name)) for change in tags]
    named = {change.name for change in tags}
    return (*merged, *(change for change in renames if change.name not in named))


def _given_once(changes: Sequence[ImageChange], message: str) -> None:
    names = [change.name for change in changes]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise UsageError(message.format(", ".join(repeated)), hint="give each image once")


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


def forms_help() -> str:
    """The forms as help lines: `  FORM   what it does`, one per line, aligned."""
    width = max(len(form) for form, _ in IMAGE_FORMS) + 3
    return "\n".join(f"  {form:<{width}}{what}" for form, what in IMAGE_FORMS)
