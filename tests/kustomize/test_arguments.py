"""The set-image argument grammar: every accepted form, every malformed argument a UsageError."""

from __future__ import annotations

import pytest

from promoter.errors import ExitCode, UsageError
from promoter.kustomize.arguments import parse_image_arg
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
        ("web=ghcr.io/acme/web:v2", ImageChange("web", new_name="ghcr.io/acme/web", new_tag="v2")),
        (f"web=ghcr.io/acme/web@{D1}", ImageChange("web", new_name="ghcr.io/acme/web", digest=D1)),
        (
            f"web=ghcr.io/acme/web:v2@{D1}",
            ImageChange("web", new_name="ghcr.io/acme/web", new_tag="v2", digest=D1),
        ),
        ("web=mirror:v2", ImageChange("web", new_name="mirror", new_tag="v2")),
        # Registry ports: the tag colon is the last ':' after the last '/'.
        ("localhost:5000/app:v1", ImageChange("localhost:5000/app", new_tag="v1")),
        ("localhost:5000/app=v1", ImageChange("localhost:5000/app", new_tag="v1")),
        ("web=localhost:5000/app", ImageChange("web", new_name="localhost:5000/app")),
        (
            "web=localhost:5000/my/app:dev-01",
            ImageChange("web", new_name="localhost:5000/my/app", new_tag="dev-01"),
        ),
        (f"localhost:5000/app@{D1}", ImageChange("localhost:5000/app", digest=D1)),
        # kustomize's `*` wildcards.
        ("web=*:v1", ImageChange("web", new_tag="v1")),
        ("web=x/y:*", ImageChange("web", new_name="x/y", keep_tag=True)),
        (f"web=*@{D1}", ImageChange("web", digest=D1)),
        ("web=x/y@*", ImageChange("web", new_name="x/y", keep_digest=True)),
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
    ],
)
def test_parse_image_arg_rejects_with_usage_error(arg: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_image_arg(arg)
    assert caught.value.exit_code == ExitCode.USAGE
    assert repr(arg) in str(caught.value)
