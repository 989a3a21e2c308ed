"""The GitHub stand-in's own checks: requests and responses that do not match the OpenAPI
description in ../shared are flagged, and its examples are built from the schema."""

from __future__ import annotations

import pytest
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers

from .github_standin import DOCS, OARequest, OAResponse, SpecChecker


def test_standin_flags_requests_that_do_not_match_the_description(
    spec_checker: SpecChecker,
) -> None:
    request = OARequest(
        method="put", path="/repos/acme/gitops/pulls/1/merge", body=b'{"merge_method": "ff"}',
        content_type="application/json", parameters=_parameters(),
    )
    assert any("ff" in p for p in spec_checker.request_problems(request))


def test_standin_flags_responses_that_do_not_match_the_description(
    spec_checker: SpecChecker,
) -> None:
    request = OARequest(method="get", path="/repos/acme/gitops/pulls/1", body=None,
                        content_type="application/octet-stream", parameters=_parameters())
    incomplete = OAResponse(200, b'{"number": 1}', Headers(), "application/json")
    assert any("required" in p for p in spec_checker.response_problems(request, incomplete))
    undocumented = OAResponse(401, b'{"message": 401}', Headers(), "application/json")
    assert any("401" in p for p in spec_checker.response_problems(request, undocumented))
    fine = OAResponse(401, b'{"message": "Bad credentials", "documentation_url": "%s"}'
                      % DOCS.encode(), Headers(), "application/json")
    assert spec_checker.response_problems(request, fine) == []


def test_standin_examples_are_built_from_the_schema(spec_checker: SpecChecker) -> None:
    user = spec_checker.example("simple-user", login="alice")
    assert set(spec_checker.schemas["simple-user"]["required"]) <= set(user)
    assert user["login"] == "alice"
    with pytest.raises(AssertionError, match="no properties"):
        spec_checker.example("simple-user", nickname="al")


def _parameters() -> RequestParameters:
    return RequestParameters()
