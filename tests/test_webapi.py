"""promoter.webapi: what the GitHub and CircleCI clients share."""

from __future__ import annotations

import httpx
import pytest

from promoter.webapi import (
    NOT_JSON,
    Secret,
    answer_message,
    header_number,
    is_http_url,
    json_body,
    transport_detail,
)


def test_a_secret_never_shows_its_value() -> None:
    secret = Secret("ghp_FAKEsecret")
    assert secret.reveal() == "ghp_FAKEsecret"
    assert "ghp_FAKEsecret" not in f"{secret!r} {secret!s}"


@pytest.mark.parametrize(("value", "expected"), [
    ("https://circleci.com/api/v2", True),
    ("http://127.0.0.1:8080/api/v2", True),
    ("ftp://circleci.com/api/v2", False),
    ("https:///api/v2", False),
    ("https://circleci.com:0/api", False),
    ("https://circleci.com:99999/api", False),
    ("https://circle ci.com", False),
    ("https://circleci.com/\x1b[2J", False),
    ("circleci.com/api/v2", False),
])
def test_is_http_url(value: str, expected: bool) -> None:
    assert is_http_url(value) is expected


def test_json_body_and_the_message_of_an_answer() -> None:
    assert json_body(httpx.Response(200, content=b"{\"a\": 1}")) == {"a": 1}
    assert json_body(httpx.Response(200, content=b"{\"a\":")) is NOT_JSON
    said = httpx.Response(401, json={"message": "You must\nlog in first.\x1b[31m"})
    assert answer_message(said) == "You must log in first."
    assert answer_message(httpx.Response(502, content=b"<h1>Bad\nGateway")) == "<h1>Bad"
    assert answer_message(httpx.Response(503)) == "Service Unavailable"


def test_transport_detail_and_header_numbers() -> None:
    assert transport_detail(httpx.ConnectError("refused\x1b[2J\nnow")) == "refused now"
    assert transport_detail(httpx.ReadTimeout("")) == "ReadTimeout"
    assert header_number("1.5") == 1.5
    assert header_number("inf") is None
    assert header_number("soon") is None
    assert header_number(None) is None
