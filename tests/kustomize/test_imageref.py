"""The one image reference parser: NAME[:TAG][@DIGEST], registry ports never taken for tags; the
Docker grammar of each part; and the errors of its two callers (a set-image argument is a
UsageError naming the argument, a rendered container image a RenderError)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from promoter.errors import ExitCode, RenderError, UsageError
from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.entries import ImageChange
from promoter.kustomize.imageref import (
    ImageRef,
    is_digest,
    is_image_name,
    is_tag,
    split_image_ref,
)
from promoter.kustomize.rendered import container_image
from tests.kustomize.layouts import DIGEST_A, DIGEST_B

SHA512 = "sha512:" + "c" * 128


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("nginx", ImageRef("nginx", None, None)),
        ("nginx:1.27", ImageRef("nginx", "1.27", None)),
        ("library/nginx:latest", ImageRef("library/nginx", "latest", None)),
        ("localhost:5000/app", ImageRef("localhost:5000/app", None, None)),
        ("localhost:5000/app:v2", ImageRef("localhost:5000/app", "v2", None)),
        ("localhost:5000/my/app:dev-01", ImageRef("localhost:5000/my/app", "dev-01", None)),
        (f"nginx@{DIGEST_A}", ImageRef("nginx", None, DIGEST_A)),
        (f"nginx:1.2@{DIGEST_A}", ImageRef("nginx", "1.2", DIGEST_A)),
        (f"localhost:5000/app@{DIGEST_A}", ImageRef("localhost:5000/app", None, DIGEST_A)),
        (f"localhost:5000/app:v1@{SHA512}", ImageRef("localhost:5000/app", "v1", SHA512)),
        (
            f"registry.example.com:443/team/app@{DIGEST_B}",
            ImageRef("registry.example.com:443/team/app", None, DIGEST_B),
        ),
        (
            "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web:1.0.0",
            ImageRef("123456789012.dkr.ecr.ap-northeast-1.amazonaws.com/web", "1.0.0", None),
        ),
        ("[::1]:5000/app:tag", ImageRef("[::1]:5000/app", "tag", None)),
        ("[::1]:5000/app", ImageRef("[::1]:5000/app", None, None)),
    ],
)
def test_split_image_ref(ref: str, expected: ImageRef) -> None:
    assert split_image_ref(ref) == expected
    assert str(expected) == ref


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("", ImageRef("", None, None)),
        ("web:", ImageRef("web", "", None)),
        ("web@", ImageRef("web", None, "")),
        (":v1", ImageRef("", "v1", None)),
        ("web@a@b", ImageRef("web", None, "a@b")),  # the digest follows the first '@'
        ("*:*@*", ImageRef("*", "*", "*")),  # kustomize's wildcards are the caller's business
    ],
)
def test_split_image_ref_judges_nothing(ref: str, expected: ImageRef) -> None:
    assert split_image_ref(ref) == expected


_component = st.from_regex(r"[a-z0-9]+([._-][a-z0-9]+)*", fullmatch=True)
_host = st.builds(
    lambda host, port: host + (f":{port}" if port is not None else ""),
    st.from_regex(r"[a-z0-9]+(\.[a-z0-9]+)*", fullmatch=True),
    st.none() | st.integers(1, 65535),
)
_name = st.builds(
    lambda host, parts: "/".join(([host] if host else []) + parts),
    st.none() | _host,
    st.lists(_component, min_size=1, max_size=3),
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,20}", fullmatch=True)
_digest = st.from_regex(r"sha256:[0-9a-f]{64}", fullmatch=True)


@settings(max_examples=100, deadline=None)
@given(name=_name, tag=st.none() | _tag, digest=st.none() | _digest)
def test_split_image_ref_round_trips(name: str, tag: str | None, digest: str | None) -> None:
    ref = ImageRef(name, tag, digest)
    assert split_image_ref(str(ref)) == ref


# --- the grammar -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        ("web", True),
        ("localhost:5000/app", True),
        ("[::1]:5000/app", True),
        ("registry.example.com:443/team/app", True),
        ("a__b/c-d/e.f", True),
        ("", False),
        ("Web", False),
        ("web/", False),
        ("-web", False),
        ("localhost:port/app", False),
        ("web:v1", False),
        ("a/" * 127 + "bc", False),  # longer than 255 characters
    ],
)
def test_is_image_name(name: str, valid: bool) -> None:
    assert is_image_name(name) is valid


@pytest.mark.parametrize(
    ("tag", "valid"),
    [("v1", True), ("_x.y-z", True), ("t" * 128, True), ("t" * 129, False), ("-v1", False),
     ("v 1", False), ("", False)],
)  # fmt: skip
def test_is_tag(tag: str, valid: bool) -> None:
    assert is_tag(tag) is valid


@pytest.mark.parametrize(
    ("digest", "valid"),
    [
        (DIGEST_A, True),
        (SHA512, True),
        ("sha384:" + "d" * 96, True),  # an algorithm promoter does not know: any hex of 32+
        ("sha256:" + "A" * 64, False),  # sha256 hex is lowercase
        ("sha256:" + "a" * 63, False),
        ("sha512:" + "c" * 64, False),
        ("md5", False),
        ("", False),
    ],
)
def test_is_digest(digest: str, valid: bool) -> None:
    assert is_digest(digest) is valid


# --- the two callers and their errors ----------------------------------------------------------


@pytest.mark.parametrize(
    ("arg", "expected"),
    [
        ("localhost:5000/app:v1", ImageChange("localhost:5000/app", new_tag="v1")),
        (f"localhost:5000/app@{DIGEST_A}", ImageChange("localhost:5000/app", digest=DIGEST_A)),
        (
            f"localhost:5000/app:v1@{DIGEST_A}",
            ImageChange("localhost:5000/app", new_tag="v1", digest=DIGEST_A),
        ),
        (
            f"registry.example.com:443/team/app=v1@{DIGEST_B}",
            ImageChange("registry.example.com:443/team/app", new_tag="v1", digest=DIGEST_B),
        ),
        ("[::1]:5000/app:v1", ImageChange("[::1]:5000/app", new_tag="v1")),
    ],
)
def test_arguments_split_with_the_one_parser(arg: str, expected: ImageChange) -> None:
    assert parse_image_arg(arg) == expected


@pytest.mark.parametrize(
    ("arg", "reason"),
    [
        ("localhost:5000/app", "no tag or digest given"),
        ("localhost:5000/app:", "'' is not a valid tag"),
        ("localhost:5000/app@", "'' is not a valid digest"),
        (f"web@{DIGEST_A}@{DIGEST_A}", "more than one '@'"),
        ("web@sha256:abc", "'sha256:abc' is not a valid digest"),
        ("localhost:port/app:v1", "'localhost:port/app' is not a valid image name"),
        (":v1", "the image name is empty"),
    ],
)
def test_a_malformed_argument_is_a_usage_error_naming_it(arg: str, reason: str) -> None:
    with pytest.raises(UsageError) as caught:
        parse_image_arg(arg)
    assert caught.value.message.startswith(f"invalid image argument {arg!r}: {reason}")
    assert caught.value.exit_code == ExitCode.USAGE


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        ("  localhost:5000/app:v2\n", ImageRef("localhost:5000/app", "v2", None)),
        (f"nginx@{DIGEST_A}", ImageRef("nginx", None, DIGEST_A)),
        ("Not/A:Valid:Name", ImageRef("Not/A:Valid", "Name", None)),  # rendered: taken as it is
    ],
)
def test_container_image(ref: str, expected: ImageRef) -> None:
    assert container_image(ref) == expected


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("  ", "empty container image reference"),
        (":v1", "container image reference ':v1' has no name"),
        (f"@{DIGEST_A}", "has no name"),
    ],
)
def test_a_rendered_image_without_a_name_is_a_render_error(ref: str, message: str) -> None:
    with pytest.raises(RenderError, match=message) as caught:
        container_image(ref)
    assert caught.value.exit_code == ExitCode.INVALID
