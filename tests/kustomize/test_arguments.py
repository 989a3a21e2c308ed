"""The set-image argument grammar: every accepted form, every malformed argument a UsageError;
--new-name and how it merges with the tag arguments."""

from __future__ import annotations

import re

import pytest

from promoter.errors import ExitCode, UsageError
from promoter.kustomize.arguments import (
    ARG_FORMS,
    IMAGE_FORMS,
    forms_help,
    image_changes,
    parse_image_arg,
    parse_new_name_arg,
)
from promoter.kustomize.entries import ImageChange

D1 = "sha256:" + "a" * 64
D2 = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("web=abc1234", ImageChange("web", new_tag="abc1234")),
        ("web=1234567", ImageChange("web", new_tag="1234567")),
        ("web:v1.2.3", ImageChange("web", new_tag="v1.2.3")),
        (f"web@{D1}", ImageChange("web", digest=D1)),
        (f"web:v1@{D1}", ImageChange("web", new_tag="v1", digest=D1)),
        (f"web=v1@{D1}", ImageChange("web", new_tag="v1", digest=D1)),
        # Registry ports: the tag colon is the last ':' after the last '/'.
        ("localhost:5000/app:v1", ImageChange("localhost:5000/app", new_tag="v1")),
        ("localhost:5000/app=v1", ImageChange("localhost:5000/app", new_tag="v1")),
        (f"localhost:5000/app@{D1}", ImageChange("localhost:5000/app", digest=D1)),
        ("web=_under.score-1", ImageChange("web", new_tag="_under.score-1")),
        ("web=" + "t" * 128, ImageChange("web", new_tag="t" * 128)),
        (f"web@sha512:{'c' * 128}", ImageChange("web", digest="sha512:" + "c" * 128)),
    ],
)
def test_parse_image_arg_accepts(arg: str, expected: ImageChange) -> None:
    assert parse_image_arg(arg) == expected


@pytest.mark.parametrize(
    "arg",
    [
        "web",  # no tag or digest
        "",
        "=v1",
        "web=",
        "web=a=b",
        "web:",
        "web@",
        "Web:v1",  # uppercase path
        "web:-v1",  # tag cannot start with '-'
        "web:v1!",
        "web=" + "t" * 129,
        "web@sha256:abc",  # too short
        "web@sha256:" + "A" * 64,  # sha256 hex is lowercase
        "web@md5",
        f"web@{D1}@{D1}",
        "web/:v1",
        "-web:v1",
        "web:v 1",
        "web=ghcr.io/Acme/web:v1",
        # What follows '=' is a tag, never a new image name.
        "web=evil.example/web",
        "web=ghcr.io/o/web:abc1234",
        f"web=ghcr.io/o/web@{D1}",
        "web=x:y",
        "web=feature/x",
        "web=localhost:5000/app",
        "web=*:v1",
        "web=x/y:*",
        # kustomize's `*` (keep the current value) is not promoter's.
        "web=*",
        "web:*",
        "web=v1@*",
        f"web=*@{D1}",
        f"web:*@{D1}",
        "web=*:*",
        f"web=@{D1}",
    ],
)
def test_parse_image_arg_rejects_with_usage_error(arg: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_image_arg(arg)
    assert caught.value.exit_code == ExitCode.USAGE
    assert repr(arg) in str(caught.value)


@pytest.mark.parametrize(
    ("arg", "suggestion"),
    [
        ("web=evil.example/web", "--new-name web=evil.example/web"),
        ("web=ghcr.io/o/web:abc1234", "--new-name web=ghcr.io/o/web and the tag as web=abc1234"),
        ("web=x:y", "--new-name web=x and the tag as web=y"),
    ],
)
def test_a_new_name_after_equals_is_refused_with_the_explicit_form(arg: str,
                                                                   suggestion: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_image_arg(arg)
    message = str(caught.value)
    assert "the value after '=' is always a tag" in message
    assert suggestion in message
    assert ARG_FORMS in message


def test_forms_share_one_list() -> None:
    assert ARG_FORMS == "NAME=TAG, NAME:TAG, NAME@sha256:HEX or NAME=TAG@sha256:HEX"
    assert all(form in forms_help() for form, _ in IMAGE_FORMS)


def test_tags_over_128_characters_are_refused_before_any_matching() -> None:
    with pytest.raises(UsageError, match="129 characters long; Docker allows at most 128"):
        parse_image_arg("web=" + "a" * 129)


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("web=ghcr.io/acme/web", ImageChange("web", new_name="ghcr.io/acme/web")),
        ("web=localhost:5000/app", ImageChange("web", new_name="localhost:5000/app")),
        ("localhost:5000/app=mirror", ImageChange("localhost:5000/app", new_name="mirror")),
    ],
)
def test_parse_new_name_arg(arg: str, expected: ImageChange) -> None:
    assert parse_new_name_arg(arg) == expected


@pytest.mark.parametrize(
    ("arg", "words"),
    [
        ("web", "expected NAME=NEWNAME"),
        ("=ghcr.io/a/web", "expected NAME=NEWNAME"),
        ("web=", "expected NAME=NEWNAME"),
        ("web=a=b", "more than one '='"),
        ("Web=ghcr.io/a/web", "'Web' is not a valid image name"),
        ("web=ghcr.io/A/web", "'ghcr.io/A/web' is not a valid image name"),
        ("web=ghcr.io/a/web:v1", "has a tag or digest"),
        (f"web=ghcr.io/a/web@{D1}", "has a tag or digest"),
    ],
)
def test_parse_new_name_arg_rejects(arg: str, words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)) as caught:
        parse_new_name_arg(arg)
    assert caught.value.exit_code == ExitCode.USAGE
    assert f"invalid --new-name {arg!r}" in str(caught.value)


def test_new_name_with_a_tag_suggests_the_two_arguments() -> None:
    with pytest.raises(UsageError) as caught:
        parse_new_name_arg("web=ghcr.io/a/web:v1")
    assert "use --new-name web=ghcr.io/a/web and give the version as the argument web=v1" in str(
        caught.value)


def test_image_changes_merges_a_new_name_into_the_tag_change() -> None:
    changes = image_changes(["web=abc1234", "worker=def5678"], ["web=ghcr.io/a/web", "db=m/db"])
    assert changes == (
        ImageChange("web", new_name="ghcr.io/a/web", new_tag="abc1234"),
        ImageChange("worker", new_tag="def5678"),
        ImageChange("db", new_name="m/db"),
    )


@pytest.mark.parametrize(
    ("args", "new_names", "words"),
    [
        ((), (), "at least one IMAGE=TAG argument or --new-name"),
        (("web=v1", "web=v2"), (), "image web is given more than once"),
        ((), ("web=a/b", "web=c/d"), "--new-name for web is given more than once"),
    ],
)
def test_image_changes_refuses(args: tuple[str, ...], new_names: tuple[str, ...],
                               words: str) -> None:
    with pytest.raises(UsageError, match=re.escape(words)):
        image_changes(args, new_names)
