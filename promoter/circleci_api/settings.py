"""What the environment says about CircleCI: this job (workflow, name, number), the API token,
the API's URL and how long one request may take.

The token only ever goes to the API URL named here (the default, circleci.com, or
PROMOTER_CIRCLECI_API_URL for a CircleCI server install).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from promoter.errors import UsageError
from promoter.sanitize import foreign
from promoter.timeouts import seconds_from_env
from promoter.webapi import is_http_url

DEFAULT_API_URL = "https://circleci.com/api/v2"
API_URL_VARIABLE = "PROMOTER_CIRCLECI_API_URL"
TIMEOUT_VARIABLE = "PROMOTER_CIRCLECI_TIMEOUT"
DEFAULT_TIMEOUT = 30.0
TOKEN_VARIABLES = ("PROMOTER_CIRCLECI_TOKEN", "CIRCLECI_TOKEN")
AUTH_HINT = (
    "set CIRCLECI_TOKEN (or PROMOTER_CIRCLECI_TOKEN) to a CircleCI personal API token")


@dataclass(frozen=True)
class JobContext:
    """This CircleCI job, as its environment names it."""

    workflow_id: str  # CIRCLE_WORKFLOW_ID
    job_name: str | None  # CIRCLE_JOB
    job_number: int | None  # CIRCLE_BUILD_NUM

    def describe(self) -> str:
        """`job promote-production (#102) of CircleCI workflow 5f0c…`, for messages."""
        number = f" (#{self.job_number})" if self.job_number is not None else ""
        name = foreign(self.job_name, 200) if self.job_name else "(CIRCLE_JOB not set)"
        return f"job {name}{number} of CircleCI workflow {foreign(self.workflow_id, 200)}"


def job_context(environ: Mapping[str, str]) -> JobContext | None:
    """This job's workflow, name and number; None outside CircleCI (no CIRCLE_WORKFLOW_ID)."""
    workflow = environ.get("CIRCLE_WORKFLOW_ID", "").strip()
    if not workflow:
        return None
    name = environ.get("CIRCLE_JOB", "").strip() or None
    number = environ.get("CIRCLE_BUILD_NUM", "").strip()
    return JobContext(workflow, name, int(number) if number.isdecimal() else None)


def token_from_env(environ: Mapping[str, str]) -> str | None:
    """The token from PROMOTER_CIRCLECI_TOKEN, else CIRCLECI_TOKEN; None when neither is set.
    UsageError for a token that cannot be sent in a header (it is never shown)."""
    for name in TOKEN_VARIABLES:
        value = environ.get(name, "").strip()
        if value:
            if not (value.isascii() and value.isprintable()) or any(c.isspace() for c in value):
                raise UsageError(f"{name} is not a CircleCI token: it holds spaces, control or "
                                 "non-ASCII characters (its value is not shown)", hint=AUTH_HINT)
            return value
    return None


def api_url(environ: Mapping[str, str]) -> str:
    """PROMOTER_CIRCLECI_API_URL, else https://circleci.com/api/v2 (no trailing slash).
    UsageError when the variable is not an http(s) URL with a host."""
    value = environ.get(API_URL_VARIABLE, "").strip()
    if not value:
        return DEFAULT_API_URL
    if not is_http_url(value):
        raise UsageError(
            f"{API_URL_VARIABLE}={foreign(value, 200)!r} is not an http(s) URL with a host",
            hint=f"set {API_URL_VARIABLE} to CircleCI's API v2 (circleci.com: {DEFAULT_API_URL}; "
            "CircleCI server: https://HOST/api/v2), or unset it",
        )
    return value.rstrip("/")


def request_timeout(environ: Mapping[str, str]) -> float:
    """Seconds one CircleCI API request may take: PROMOTER_CIRCLECI_TIMEOUT, default 30."""
    return seconds_from_env(TIMEOUT_VARIABLE, DEFAULT_TIMEOUT, "one CircleCI API request",
                            environ)
