"""Family 7: GitHub API faults for `promote production --tag SHA --pr` after a staging deploy.

A local HTTP server stands in for the API (PROMOTER_GITHUB_API_URL=http://127.0.0.1:PORT,
PROMOTER_GITHUB_REPOSITORY=o/r). Each fault answers the list of open pull requests ("list"), the
creation of the pull request ("create", the list answers []), or every request ("all"). Every
fault is exit 5 with one clean, capped line, the token never printed, and the remote as it was
(the pushed promotion branch removed again). `--pr --dry-run` fails exactly like the real run
without a token or without a resolvable GitHub repository (exit 2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from tests.hostile.conftest import (
    ESCAPES,
    QUICK,
    SENTINEL,
    SHA,
    STAGING,
    STAGING_TAG,
    Answer,
    Reply,
    Scene,
    assert_capped,
    assert_escapes_gone,
)

PULLS = "/repos/o/r/pulls"
NEVER_ANSWERS_BOUND = 180.0  # seconds: bounded, though several request timeouts may pass


@dataclass(frozen=True)
class Fault:
    reply: Callable[[Scene, str, str], Reply | None]  # (scene, method, path)
    scope: str  # "list", "create" or "all"
    timeout: float = 60.0
    keeps: str | None = None  # text of the API message the error line must keep
    escapes: bool = False


def always(reply: Reply) -> Callable[[Scene, str, str], Reply]:
    return lambda scene, method, path: reply


def rate_limited(scene: Scene, method: str, path: str) -> Reply:
    return Reply.of(403, {"message": "API rate limit exceeded for user ID 1."},
                    **{"X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": str(int(time.time()) + 3600)})


FAULTS = {
    "401-bad-credentials": Fault(always(Reply.of(401, {"message": "Bad credentials"})), "all"),
    "403-missing-scope": Fault(always(Reply.of(
        403, {"message": "Resource not accessible by personal access token"},
        **{"X-Accepted-OAuth-Scopes": "repo", "X-OAuth-Scopes": ""})), "create"),
    "404-unknown-repository": Fault(always(Reply.of(404, {"message": "Not Found"})), "all"),
    "422-validation-failed": Fault(always(Reply.of(422, {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "field": "base", "code": "invalid"}]})),
        "create"),
    "500-after-retries": Fault(always(Reply.of(500, {"message": "Server Error"})), "all"),
    "502-html-body": Fault(always(Reply(502, b"<html><body><h1>502 Bad Gateway</h1></body>"
                                             b"</html>", {"Content-Type": "text/html"})), "all"),
    "list-not-json": Fault(always(Reply(200, b"this is not json",
                                        {"Content-Type": "application/json"})), "list"),
    "create-not-json": Fault(always(Reply(201, b"{\"number\": 1,",
                                          {"Content-Type": "application/json"})), "create"),
    "create-answers-an-array": Fault(always(Reply.of(201, [])), "create"),
    "list-answers-an-object": Fault(always(Reply.of(200, {"items": []})), "list"),
    "list-answers-a-number": Fault(always(Reply.of(200, 42)), "list"),
    "3MB-error-message": Fault(always(Reply.of(422, {"message": "x" * 3_000_000})), "create",
                               timeout=QUICK),
    "3MB-error-body-not-json": Fault(always(Reply(400, b"y" * 3_000_000,
                                                  {"Content-Type": "text/plain"})), "all",
                                     timeout=QUICK),
    "escapes-in-the-message": Fault(always(Reply.of(
        422, {"message": f"Validation Failed {ESCAPES}"})), "create",
        keeps="Validation Failed", escapes=True),
    "escapes-in-the-error-details": Fault(always(Reply.of(
        422, {"message": "Validation Failed", "errors": [{"message": f"bad base {ESCAPES}"}]})),
        "create", keeps="Validation Failed", escapes=True),
    "token-echoed-in-the-message": Fault(always(Reply.of(
        401, {"message": f"Bad credentials: Bearer {SENTINEL}"})), "all"),
    "hangs-up-without-answering": Fault(always(Reply(0)), "all"),
    "rate-limited-for-an-hour": Fault(rate_limited, "all", timeout=QUICK),
    "429-retry-after-a-day": Fault(always(Reply.of(429, {"message": "slow down"},
                                                   **{"Retry-After": "86400"})), "all",
                                   timeout=QUICK),
    "accepts-and-never-answers": Fault(lambda scene, method, path: None, "all",
                                       timeout=NEVER_ANSWERS_BOUND),
}


def answering(scene: Scene, fault: Fault) -> Answer:
    def answer(method: str, path: str) -> Reply | None:
        route = path.split("?")[0]
        listing = method == "GET" and route == PULLS
        creating = method == "POST" and route == PULLS
        if {"all": True, "list": listing, "create": creating}[fault.scope]:
            return fault.reply(scene, method, path)
        if listing:
            return Reply.of(200, [])
        return Reply.of(404, {"message": "Not Found"})
    return answer


def github_env(url: str) -> dict[str, str | None]:
    return {"PROMOTER_GITHUB_API_URL": url, "PROMOTER_GITHUB_REPOSITORY": "o/r"}


def deploy_to_staging(scene: Scene) -> None:
    """The staging deploy that the promotion copies (a plain commit: history reads the file)."""
    scene.commit({STAGING: scene.text(STAGING).replace(STAGING_TAG, SHA)}, "deploy to staging")


@pytest.mark.parametrize("name", list(FAULTS))
def test_github_fault_is_a_remote_failure(scene: Scene, name: str) -> None:
    fault = FAULTS[name]
    deploy_to_staging(scene)
    api = scene.server(answering(scene, fault))
    done = scene.expect(5, "promote", "production", "--tag", SHA, "--pr", "--json", repo="url",
                        env=github_env(api.url), timeout=fault.timeout)
    assert api.requests, "the API was never asked"
    assert_capped(done)
    if fault.keeps:
        assert fault.keeps in done.error
    if fault.escapes:
        assert_escapes_gone(done.stderr + done.stdout)


def test_redirect_never_carries_the_token_to_another_origin(scene: Scene) -> None:
    deploy_to_staging(scene)
    other = scene.server(lambda method, path: Reply.of(404, {"message": "Not Found"}))
    api = scene.server(lambda method, path: Reply(307, b"", {"Location": other.url + path}))
    scene.expect(5, "promote", "production", "--tag", SHA, "--pr", repo="url",
                 env=github_env(api.url))
    leaked = [request for request in other.requests
              if any(SENTINEL in value for value in request.headers.values())]
    assert not leaked, f"the token was sent to {other.url}: {leaked}"


MISSING: dict[str, dict[str, str | None]] = {
    "no-token": {"PROMOTER_GITHUB_TOKEN": None, "GITHUB_TOKEN": None,
                 "PROMOTER_GITHUB_REPOSITORY": "o/r"},
    "no-github-repository": {"PROMOTER_GITHUB_REPOSITORY": None},
}


@pytest.mark.parametrize("output", ["human", "json"])
@pytest.mark.parametrize("missing", list(MISSING))
def test_pr_dry_run_fails_like_the_real_run(scene: Scene, missing: str, output: str) -> None:
    api = scene.server(lambda method, path: Reply.of(200, []))
    env: dict[str, str | None] = {"PROMOTER_GITHUB_API_URL": api.url, **MISSING[missing]}
    flags = ("--json",) if output == "json" else ()
    real = scene.expect(2, "promote", "production", "--pr", *flags, repo="url", env=env)
    dry = scene.expect(2, "promote", "production", "--pr", "--dry-run", *flags, repo="url",
                       env=env)
    assert dry.error == real.error
    if output == "json":
        assert dry.json() == real.json()
