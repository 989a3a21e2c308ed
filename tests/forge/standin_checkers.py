"""How the GitHub stand-in builds and checks its bodies: against the OpenAPI description, or not.

SpecChecker (../shared/github-openapi present) validates every request and response with
openapi-core and builds every body from the description's schemas. PlainChecker (a clone
without ../shared) checks nothing and builds bodies from the stand-in's own values plus
PLAIN_MINIMUM. choose_checker() picks one; the stand-in only sees the Checker protocol.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_schema_validator import OAS30Validator
from werkzeug.datastructures import Headers

SPEC_SERVER = "https://api.github.com"
TIMESTAMP = "2024-05-01T12:00:00Z"
Json = Any


class Checker(Protocol):
    """What the stand-in asks of a checker: problems with an exchange, and body skeletons."""

    def request_problems(self, request: OARequest) -> list[str]:
        """One sentence per way the request departs from the API (none: [])."""
        ...

    def response_problems(self, request: OARequest, response: OAResponse) -> list[str]:
        """One sentence per way the response departs from the API (none: [])."""
        ...

    def example(self, schema: str | dict[str, Json], /, **values: Json) -> dict[str, Json]:
        """A body for a schema (or components/schemas/NAME) with `values` set."""
        ...

    def subschema(self, name: str, *keys: str) -> dict[str, Json]:
        """The schema at properties/items path `keys` under components/schemas/NAME."""
        ...


# --------------------------------------------------------------------------- the description


#: Fields GitHub answers with null although the description's enum does not list null
#: (OpenAPI 3.0.3: `nullable` does not add null to an `enum`): (schema, property). A check run
#: that has not completed has no conclusion; GitHub says `"conclusion": null`.
NULLABLE_ENUMS = (("check-run", "conclusion"),)


def mend_known_gaps(document: dict[str, Json]) -> dict[str, Json]:
    """The description with null added to the enums of NULLABLE_ENUMS (those only)."""
    for schema, key in NULLABLE_ENUMS:
        prop = document["components"]["schemas"][schema]["properties"][key]
        if prop.get("nullable") and None not in prop["enum"]:
            prop["enum"] = [*prop["enum"], None]
    return document


class SpecChecker:
    """The GitHub OpenAPI description: validation (openapi-core) and schema-built examples."""

    def __init__(self, spec_path: Path) -> None:
        self.document: dict[str, Json] = mend_known_gaps(
            json.loads(spec_path.read_text(encoding="utf-8")))
        self.openapi = OpenAPI.from_dict(self.document, base_uri=spec_path.as_uri())
        self.schemas: dict[str, Json] = self.document["components"]["schemas"]

    def request_problems(self, request: OARequest) -> list[str]:
        return [f"request {request.method.upper()} {request.path}: {_explain(e)}"
                for e in self.openapi.iter_request_errors(request)]

    def response_problems(self, request: OARequest, response: OAResponse) -> list[str]:
        where = f"response {response.status_code} to {request.method.upper()} {request.path}"
        problems: list[str] = []
        for error in self.openapi.iter_response_errors(request, response):
            if isinstance(error, ResponseNotFound):
                # a status the operation does not document (401, 502, ...): GitHub still
                # answers with its basic-error object, so hold the body to that schema
                problems.extend(f"{where}: {p}" for p in self._basic_error_problems(response))
            else:
                problems.append(f"{where}: {_explain(error)}")
        return problems

    def _basic_error_problems(self, response: OAResponse) -> list[str]:
        try:
            body = json.loads(response.data or b"")
        except ValueError:
            return ["undocumented status with a body that is not JSON"]
        validator = OAS30Validator(self.schemas["basic-error"])
        return [e.message for e in validator.iter_errors(body)]

    # ------------------------------------------------------------- examples from the schema

    def example(self, schema: str | dict[str, Json], /, **values: Json) -> dict[str, Json]:
        """A valid instance of a schema (or components/schemas/NAME) with `values` set.

        Every required property gets a value of the schema's type; `values` may only name
        properties the schema has.
        """
        resolved = self._resolve(self.schemas[schema] if isinstance(schema, str) else schema)
        instance = self._fake(resolved)
        assert isinstance(instance, dict)
        unknown = set(values) - set(resolved.get("properties", {}))
        assert not unknown, f"{schema} has no properties {sorted(unknown)}"
        instance.update(values)
        return instance

    def subschema(self, name: str, *keys: str) -> dict[str, Json]:
        """The schema at properties/items path `keys` under components/schemas/NAME."""
        schema = self._resolve(self.schemas[name])
        for key in keys:
            schema = self._resolve(schema["items"] if key == "[]" else schema["properties"][key])
        return dict(schema)

    def _resolve(self, schema: Json) -> Json:
        while "$ref" in schema:
            name = schema["$ref"].removeprefix("#/components/schemas/")
            schema = self.schemas[name]
        return schema

    def _fake(self, schema: Json) -> Json:
        schema = self._resolve(schema)
        if "allOf" in schema:
            merged: dict[str, Json] = {}
            for part in schema["allOf"]:
                merged.update(self._fake(part))
            return merged
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self._fake(schema[key][0])
        if "enum" in schema:
            return next(v for v in schema["enum"] if v is not None)
        kind = schema.get("type", "object")
        if kind == "object":
            properties = schema.get("properties", {})
            return {k: self._fake_field(properties[k]) for k in schema.get("required", [])}
        if kind == "array":
            return []
        if kind == "string":
            return _fake_string(schema)
        if kind == "integer":
            return schema.get("example", 1) if isinstance(schema.get("example"), int) else 1
        if kind == "number":
            return 1.0
        if kind == "boolean":
            return False
        raise AssertionError(f"cannot fake schema {schema}")

    def _fake_field(self, schema: Json) -> Json:
        # a required nullable field may be null; a non-nullable one never is
        return None if self._resolve(schema).get("nullable") else self._fake(schema)


def _fake_string(schema: Json) -> str:
    example = schema.get("example")
    if isinstance(example, str):
        return example
    formats = {"date-time": TIMESTAMP, "uri": "https://example.invalid/"}
    return formats.get(schema.get("format", ""), "x")


def _explain(error: Exception) -> str:
    details = [_shorten(str(error))]
    for nested in getattr(error, "schema_errors", None) or ():
        details.append(f"{list(nested.path)}: {nested.message}")
    cause = error.__cause__
    if cause is not None:
        details.append(_shorten(str(cause)))
        for nested in getattr(cause, "schema_errors", None) or ():
            details.append(f"{list(nested.path)}: {nested.message}")
    return " | ".join(details)


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + " …"


@dataclass
class OARequest:
    """openapi_core.protocols.Request for a request the stand-in received."""

    method: str
    path: str
    body: bytes | None
    content_type: str
    parameters: RequestParameters
    host_url: str = SPEC_SERVER


@dataclass
class OAResponse:
    """openapi_core.protocols.Response for a response the stand-in sends."""

    status_code: int
    data: bytes | None
    headers: Headers
    content_type: str = "application/json"


# --------------------------------------------------------------------------- no description

#: What PlainChecker puts in a body under the stand-in's own values: the fields promoter's
#: GitHub provider (promoter/forge/github/pulls.py) reads, at GitHub's neutral value, so that a
#: body has them even where the stand-in leaves one out. Keep it to those; test_standin.py
#: holds it to the description when ../shared is present.
PLAIN_MINIMUM: dict[str, dict[str, Json]] = {
    "pull-request": {
        "state": "open", "draft": False, "merged": False, "merged_at": None,
        "mergeable": None, "mergeable_state": "unknown", "merge_commit_sha": None,
    },
    "pull-request-simple": {
        "state": "open", "draft": False, "merged_at": None, "merge_commit_sha": None,
    },
    "pull-request-review": {"state": "COMMENTED", "commit_id": None},
    "pull-request-merge-result": {"merged": False, "message": ""},
}


class PlainChecker:
    """For a clone without ../shared: checks nothing, and a body is PLAIN_MINIMUM's fields for
    the schema (none for a subschema) with the stand-in's values over them."""

    def request_problems(self, request: OARequest) -> list[str]:
        return []

    def response_problems(self, request: OARequest, response: OAResponse) -> list[str]:
        return []

    def example(self, schema: str | dict[str, Json], /, **values: Json) -> dict[str, Json]:
        minimum = PLAIN_MINIMUM.get(schema, {}) if isinstance(schema, str) else {}
        return {**minimum, **values}

    def subschema(self, name: str, *keys: str) -> dict[str, Json]:
        return {}


# --------------------------------------------------------------------------- the choice


@cache
def load_spec_checker(spec_path: Path) -> SpecChecker:
    """The description at spec_path, loaded once per session (it takes ~0.5 s)."""
    return SpecChecker(spec_path)


def choose_checker(spec_path: Path | None) -> Checker:
    """The SpecChecker of the description at spec_path, or a PlainChecker without one (None)."""
    return PlainChecker() if spec_path is None else load_spec_checker(spec_path)
