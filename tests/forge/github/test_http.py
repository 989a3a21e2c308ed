"""The GitHub HTTP layer against scripted answers (httpx.MockTransport; no server, no ../shared):
retries through promoter.retry, rate limits, pagination, error messages, and the token."""

from __future__ import annotations

import logging
import re
import socket
from collections.abc import Callable, Mapping

import httpx
import pytest

from promoter.errors import ExitCode, ForgeError
from promoter.forge.github.http import GitHubAPI, Limits
from promoter.retry import RetryPolicy

from ..conftest import TOKEN, Sleeps, retry

NOW = 1_700_000_000.0  # the wall clock of these tests: 2023-11-14 22:13:20 UTC
API = "https://api.github.com"
PULLS = "/repos/acme/gitops/pulls"
Answer = httpx.Response | httpx.TransportError


class Script:
    """Answers requests in order (an empty list after the script ends); records them."""

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answer = self.answers.pop(0) if self.answers else httpx.Response(200, json=[])
        if isinstance(answer, httpx.TransportError):
            raise answer
        return answer


def error(status: int, message: str, *, headers: Mapping[str, str] | None = None,
          errors: list[object] | None = None) -> httpx.Response:
    """A failure as GitHub writes it."""
    body: dict[str, object] = {"message": message,
                               "documentation_url": "https://docs.github.com/rest"}
    if errors is not None:
        body["errors"] = errors
    return httpx.Response(status, json=body, headers=headers)


def make_api(script: Script | None, sleeps: Sleeps, *, attempts: int = 3, base: float = 0.5,
             max_rate_limit_wait: float = 120.0, api_url: str = API) -> GitHubAPI:
    limits = Limits(retry(sleeps, attempts, base), max_rate_limit_wait, timeout=5.0)
    transport = httpx.MockTransport(script) if script is not None else None
    return GitHubAPI("acme", "gitops", TOKEN, api_url=api_url, limits=limits, now=lambda: NOW,
                     transport=transport)


def read_pull(api: GitHubAPI) -> httpx.Response:
    return api.call("GET", api.pull_path(1), action="read pull request #1", number=1)


def failure(action: Callable[[], object]) -> ForgeError:
    with pytest.raises(ForgeError) as caught:
        action()
    return caught.value


# --------------------------------------------------------------------------- requests


def test_every_request_carries_the_github_headers(sleeps: Sleeps) -> None:
    script = Script(httpx.Response(200, json={}))
    read_pull(make_api(script, sleeps))
    (request,) = script.requests
    assert str(request.url) == f"{API}{PULLS}/1"
    assert request.headers["Accept"] == "application/vnd.github+json"
    assert request.headers["X-GitHub-Api-Version"] == "2022-11-28"
    assert request.headers["User-Agent"] == "promoter"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


def test_an_enterprise_api_under_a_path_prefix(sleeps: Sleeps) -> None:
    script = Script(httpx.Response(200, json={}))
    api = make_api(script, sleeps, api_url="https://ghe.example.com/api/v3/")
    read_pull(api)
    assert str(script.requests[0].url) == f"https://ghe.example.com/api/v3{PULLS}/1"


def test_owner_and_repository_are_quoted_in_paths(sleeps: Sleeps) -> None:
    api = GitHubAPI("ac me", "git/ops", TOKEN, api_url=API, now=lambda: NOW,
                    limits=Limits(retry(sleeps), 60.0, 5.0))
    assert api.pull_path(3, "merge") == "/repos/ac%20me/git%2Fops/pulls/3/merge"


# --------------------------------------------------------------------------- retries


def test_server_errors_are_retried_then_succeed(sleeps: Sleeps) -> None:
    script = Script(error(502, "Bad Gateway"), error(503, "Unavailable"),
                    httpx.Response(201, json={}))
    reply = make_api(script, sleeps).send("POST", PULLS, action="open a pull request")
    assert reply.response.status_code == 201 and reply.retried
    assert sleeps.calls == [0.5, 1.0]


def test_a_first_answer_is_not_retried(sleeps: Sleeps) -> None:
    reply = make_api(Script(httpx.Response(201, json={})), sleeps).send(
        "POST", PULLS, action="open a pull request")
    assert not reply.retried and sleeps.calls == []


def test_server_errors_give_up_after_the_bound(sleeps: Sleeps) -> None:
    script = Script(*[error(500, "Server Error")] * 5)
    caught = failure(lambda: read_pull(make_api(script, sleeps)))
    assert "GitHub API failed to read pull request #1 in acme/gitops: 500 Server Error" in str(
        caught)
    assert "gave up after 3 attempts" in caught.message
    assert caught.hint is not None and "githubstatus.com" in caught.hint
    assert sleeps.calls == [0.5, 1.0]
    assert len(script.requests) == 3


def test_client_errors_are_not_retried(sleeps: Sleeps) -> None:
    script = Script(error(404, "Not Found"))
    failure(lambda: read_pull(make_api(script, sleeps)))
    assert len(script.requests) == 1 and sleeps.calls == []


def test_network_errors_are_retried_then_succeed(sleeps: Sleeps) -> None:
    script = Script(httpx.ConnectError("refused"), httpx.ReadTimeout("slow"),
                    httpx.Response(200, json={}))
    reply = make_api(script, sleeps).send("PUT", f"{PULLS}/1/merge", action="merge")
    assert reply.retried and reply.response.status_code == 200
    assert sleeps.calls == [0.5, 1.0]


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_connection_refused_is_retried_then_reported(closed_port: int, sleeps: Sleeps) -> None:
    api = make_api(None, sleeps, base=2.0, api_url=f"http://127.0.0.1:{closed_port}")
    caught = failure(lambda: read_pull(api))
    assert f"cannot reach the GitHub API at http://127.0.0.1:{closed_port}" in caught.message
    assert "to read pull request #1 in acme/gitops after 3 attempts" in caught.message
    assert sleeps.calls == [2.0, 4.0]
    assert caught.exit_code == ExitCode.REMOTE


def test_backoff_pauses_are_jittered_under_the_policys_ceiling() -> None:
    slept: list[float] = []
    policy = RetryPolicy(attempts=4, base=1.0, cap=1.5, sleep=slept.append)
    api = GitHubAPI("acme", "gitops", TOKEN, api_url=API, now=lambda: NOW,
                    limits=Limits(policy, 60.0, 5.0),
                    transport=httpx.MockTransport(Script(*[error(500, "x")] * 4)))
    failure(lambda: read_pull(api))
    assert len(slept) == 3
    assert all(0 <= s <= c for s, c in zip(slept, (1.0, 1.5, 1.5), strict=True))


# --------------------------------------------------------------------------- rate limits


def test_rate_limit_far_in_the_future_fails_with_the_reset_time(sleeps: Sleeps) -> None:
    script = Script(error(403, "API rate limit exceeded for user ID 1.", headers={
        "X-RateLimit-Remaining": "0", "X-RateLimit-Limit": "5000",
        "X-RateLimit-Reset": str(int(NOW) + 3600)}))
    caught = failure(lambda: read_pull(make_api(script, sleeps)))
    assert "GitHub API rate limit exceeded while trying to read pull request #1" in caught.message
    assert "resets at 2023-11-14 23:13:20 UTC (in 3600 s)" in caught.message
    assert caught.hint is not None and "higher rate limit" in caught.hint
    assert sleeps.calls == []


def test_rate_limit_resetting_soon_is_waited_out(sleeps: Sleeps) -> None:
    script = Script(error(403, "API rate limit exceeded", headers={
        "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(NOW) + 30)}),
        httpx.Response(200, json={}))
    assert read_pull(make_api(script, sleeps)).status_code == 200
    assert sleeps.calls == [31.0]


def test_retry_after_is_honoured(sleeps: Sleeps) -> None:
    script = Script(error(429, "secondary rate limit", headers={"Retry-After": "7"}),
                    httpx.Response(200, json={}))
    assert read_pull(make_api(script, sleeps)).status_code == 200
    assert sleeps.calls == [7.0]


def test_a_secondary_rate_limit_without_headers_waits_a_minute(sleeps: Sleeps) -> None:
    limited = error(403, "You have exceeded a secondary rate limit.")
    assert read_pull(make_api(Script(limited, httpx.Response(200, json={})), sleeps))
    assert sleeps.calls == [60.0]
    caught = failure(lambda: read_pull(make_api(Script(limited), sleeps, max_rate_limit_wait=30)))
    assert "secondary rate limit; wait a few minutes" in caught.message


def test_a_rate_limit_on_the_last_attempt_is_reported(sleeps: Sleeps) -> None:
    script = Script(error(429, "slow down", headers={"Retry-After": "1"}))
    caught = failure(lambda: read_pull(make_api(script, sleeps, attempts=1)))
    assert "rate limit exceeded" in caught.message and "retry after 1 s" in caught.message
    assert sleeps.calls == []


# --------------------------------------------------------------------------- error messages


def test_bad_token(sleeps: Sleeps) -> None:
    caught = failure(lambda: read_pull(make_api(Script(error(401, "Bad credentials")), sleeps)))
    assert caught.message == ("GitHub rejected the token (401 Bad credentials) while trying to "
                              "read pull request #1 in acme/gitops")
    assert caught.hint is not None and "PROMOTER_GITHUB_TOKEN" in caught.hint
    assert sleeps.calls == []


def test_missing_permission_names_the_scopes(sleeps: Sleeps) -> None:
    script = Script(error(403, "Resource not accessible by personal access token", headers={
        "X-OAuth-Scopes": "read:org", "X-Accepted-OAuth-Scopes": "repo"}))
    api = make_api(script, sleeps)
    text = str(failure(lambda: api.call("POST", PULLS, action="open a pull request")))
    assert "GitHub refused to open a pull request in acme/gitops (403 Resource not accessible" \
        in text
    assert "token scopes: read:org; accepted scopes: repo" in text
    assert "`repo` scope" in text and '"Pull requests: write" and "Contents: write"' in text


def test_not_found_names_the_repository_or_the_pull_request(sleeps: Sleeps) -> None:
    api = make_api(Script(error(404, "Not Found"), error(404, "Not Found")), sleeps)
    repository = failure(lambda: api.call("GET", PULLS, action="list pull requests"))
    assert repository.message.startswith(f"repository acme/gitops not found at {API}, or the "
                                         "token cannot access it")
    pull = failure(lambda: read_pull(api))
    assert pull.message.startswith("pull request #1 not found in acme/gitops")
    assert pull.hint is not None and "git remote URL" in pull.hint


def test_validation_errors_name_each_problem(sleeps: Sleeps) -> None:
    script = Script(error(422, "Validation Failed", errors=[
        {"resource": "PullRequest", "field": "head", "code": "invalid"},
        {"code": "custom", "message": "base branch is protected"}, "plain words"]))
    api = make_api(script, sleeps)
    caught = failure(lambda: api.call("POST", PULLS, action="open a pull request"))
    assert caught.message == (
        "GitHub refused to open a pull request in acme/gitops: Validation Failed: "
        "PullRequest head invalid; base branch is protected; plain words")


def test_another_status_says_what_github_answered(sleeps: Sleeps) -> None:
    script = Script(httpx.Response(418, text="short and stout\nand more"))
    caught = failure(lambda: read_pull(make_api(script, sleeps)))
    assert caught.message == ("GitHub API answered 418 (short and stout) while trying to read "
                              "pull request #1 in acme/gitops")


@pytest.mark.parametrize(("answer", "what"), [
    (httpx.Response(200, text="<html>"), "a body that is not JSON"),
    (httpx.Response(200, json=[1]), "a body that is not a JSON object"),
])
def test_an_answer_that_is_not_an_object_is_unexpected(
        sleeps: Sleeps, answer: httpx.Response, what: str) -> None:
    api = make_api(Script(answer), sleeps)
    caught = failure(lambda: api.json_object(read_pull(api), "read pull request #1"))
    assert caught.message == (f"unexpected answer from the GitHub API at {API} while trying to "
                              f"read pull request #1 in acme/gitops: {what}")
    assert caught.hint == "check PROMOTER_GITHUB_API_URL points at a GitHub REST API"


# --------------------------------------------------------------------------- pagination


def page(items: list[object], next_url: str | None = None) -> httpx.Response:
    headers = {"Link": f'<{next_url}>; rel="next"'} if next_url else {}
    return httpx.Response(200, json=items, headers=headers)


def test_pagination_reads_every_page(sleeps: Sleeps) -> None:
    script = Script(page([1, 2], f"{API}{PULLS}?page=2&per_page=100"), page([3]))
    api = make_api(script, sleeps)
    assert api.paginate(PULLS, params={"state": "open"}, action="list") == [1, 2, 3]
    assert [dict(r.url.params) for r in script.requests] == [
        {"state": "open", "per_page": "100"}, {"page": "2", "per_page": "100"}]


def test_pagination_link_to_another_host_is_not_followed(sleeps: Sleeps) -> None:
    script = Script(page([1], f"http://evil.invalid{PULLS}?page=2"))
    api = make_api(script, sleeps)
    caught = failure(lambda: api.paginate(PULLS, params={}, action="list pull requests"))
    assert "a pagination link to another host (evil.invalid)" in caught.message
    assert len(script.requests) == 1


def test_pagination_stops_after_fifty_pages(sleeps: Sleeps) -> None:
    script = Script(*[page([1], f"{API}{PULLS}?page=n")] * 60)
    api = make_api(script, sleeps)
    caught = failure(lambda: api.paginate(PULLS, params={}, action="list pull requests"))
    assert caught.message == ("too many pages while trying to list pull requests in acme/gitops "
                              "(more than 5000 items)")
    assert len(script.requests) == 50


def test_a_page_that_is_not_a_list_is_unexpected(sleeps: Sleeps) -> None:
    api = make_api(Script(httpx.Response(200, json={})), sleeps)
    caught = failure(lambda: api.paginate(PULLS, params={}, action="list pull requests"))
    assert caught.message.endswith("a page that is not a list")


# --------------------------------------------------------------------------- the token


def test_the_token_never_leaks(
    sleeps: Sleeps,
    closed_port: int,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)
    texts: list[str] = []

    def record(action: Callable[[], object]) -> None:
        caught = failure(action)
        texts.extend([str(caught), repr(caught), caught.message, caught.hint or "",
                      repr(caught.args)])

    script = Script(
        error(401, f"Bad credentials: {TOKEN}"),  # even if GitHub echoed it
        error(403, "Forbidden"),
        *[error(500, f"boom {TOKEN}")] * 3,
        error(422, "Validation Failed", errors=[{"code": "custom", "message": f"no {TOKEN}"}]),
    )
    api = make_api(script, sleeps)
    texts += [repr(api), str(vars(api))]
    for _ in range(3):
        record(lambda: read_pull(api))
    record(lambda: api.call("PATCH", f"{PULLS}/1", action="update pull request #1", number=1))
    with_credentials = make_api(None, sleeps,
                                api_url=f"http://x:{TOKEN}@127.0.0.1:{closed_port}")
    texts.append(repr(with_credentials))
    record(lambda: read_pull(with_credentials))

    captured = capsys.readouterr()
    texts.extend([caplog.text, captured.out, captured.err])
    for text in texts:
        assert TOKEN not in text
    everything = "\n".join(texts)
    assert "GitHub rejected the token (401 Bad credentials: ***)" in everything  # echo masked
    assert "boom ***" in everything and "no ***" in everything
    assert "http://127.0.0.1:" in everything  # the credentials were cut out of the API URL


# --------------------------------------------------------------------------- hostile answers

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@pytest.mark.parametrize(("answer", "what"), [
    (httpx.Response(200, text="<html>not json</html>"), "a body that is not JSON"),
    (httpx.Response(200, content=b"[" * 100_000 + b"]" * 100_000), "a body that is not JSON"),
    (httpx.Response(200, content=b"\xff\xfe["), "a body that is not JSON"),
    (httpx.Response(200, json={"items": []}), "a page that is not a list"),
    (httpx.Response(200, json="[]"), "a page that is not a list"),
], ids=["html", "nested-too-deep", "not-text", "object", "string"])
def test_a_page_that_is_not_a_json_list_is_a_forge_error(sleeps: Sleeps, answer: httpx.Response,
                                                         what: str) -> None:
    api = make_api(Script(page([1], f"{API}{PULLS}?page=2"), answer), sleeps)
    caught = failure(lambda: api.paginate(PULLS, params={}, action="list pull requests"))
    assert caught.exit_code == ExitCode.REMOTE
    assert caught.message == (f"unexpected answer from the GitHub API at {API} while trying to "
                              f"list pull requests in acme/gitops: {what}")


@pytest.mark.parametrize("body", [b"[" * 100_000, b"\x1b[2J{"])
def test_an_object_answer_that_is_not_json_is_a_forge_error(sleeps: Sleeps, body: bytes) -> None:
    api = make_api(Script(httpx.Response(200, content=body)), sleeps)
    caught = failure(lambda: api.json_object(read_pull(api), "read pull request #1"))
    assert caught.message.endswith("read pull request #1 in acme/gitops: a body that is not JSON")


def assert_one_clean_capped_line(error: ForgeError) -> None:
    text = str(error)
    assert "\n" not in text and not CONTROL.search(text)
    assert len(text) < 5_000
    assert "characters more" in text


@pytest.mark.parametrize("status", [401, 403, 409, 418, 500])
def test_a_three_megabyte_error_message_is_one_capped_clean_line(sleeps: Sleeps,
                                                                  status: int) -> None:
    huge = ("\x1b]0;owned\x07\x1b[31mbad\r\nline " * 150_000)[:3_000_000]
    caught = failure(lambda: read_pull(make_api(Script(error(status, huge)), sleeps, attempts=1)))
    assert_one_clean_capped_line(caught)


def test_a_three_megabyte_body_that_is_not_json_shows_its_first_line_capped(
        sleeps: Sleeps) -> None:
    body = "\x1b[5m" + "x" * 3_000_000 + "\nsecond line"
    caught = failure(lambda: read_pull(make_api(Script(httpx.Response(418, text=body)), sleeps)))
    assert caught.message.startswith("GitHub API answered 418 (" + "x" * 200 + "… ")
    assert "second line" not in caught.message and not CONTROL.search(str(caught))


def test_validation_details_are_cleaned_and_capped(sleeps: Sleeps) -> None:
    details = [{"message": f"\x1b[31mproblem {n}\n" + "y" * 1000} for n in range(3_000)]
    script = Script(error(422, "Validation Failed", errors=details))
    api = make_api(script, sleeps)
    caught = failure(lambda: api.call("POST", PULLS, action="open a pull request"))
    assert_one_clean_capped_line(caught)
    assert caught.message.startswith("GitHub refused to open a pull request in acme/gitops: "
                                     "Validation Failed: problem 0 yyy")


@pytest.mark.parametrize("headers", [
    {"Retry-After": "nan"}, {"Retry-After": "inf"}, {"Retry-After": "-inf"},
    {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1e300"},
    {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "nan"},
])
def test_rate_limit_headers_that_are_not_usable_numbers_are_a_forge_error(
        sleeps: Sleeps, headers: dict[str, str]) -> None:
    script = Script(*[error(429, "slow down", headers=headers)] * 3)
    caught = failure(lambda: read_pull(make_api(script, sleeps, max_rate_limit_wait=30)))
    assert caught.exit_code == ExitCode.REMOTE
    assert "GitHub API rate limit exceeded while trying to read pull request #1" in caught.message


@pytest.mark.parametrize("link", [f"{API}/a b\x7f", "http://[::1"])
def test_a_pagination_link_that_is_not_a_url_is_a_forge_error(sleeps: Sleeps, link: str) -> None:
    api = make_api(Script(httpx.Response(200, json=[1], headers={"Link": f'<{link}>; rel="next"'})),
                   sleeps)
    caught = failure(lambda: api.paginate(PULLS, params={}, action="list pull requests"))
    assert caught.message.endswith("a pagination link that is not a URL")


def test_a_body_that_does_not_decompress_is_a_forge_error(sleeps: Sleeps) -> None:
    garbage = httpx.Response(200, stream=httpx.ByteStream(b"not gzip"),
                             headers={"Content-Encoding": "gzip"})
    caught = failure(lambda: read_pull(make_api(Script(garbage), sleeps)))
    assert caught.exit_code == ExitCode.REMOTE
    assert caught.message.startswith(f"unexpected answer from the GitHub API at {API} while "
                                     "trying to read pull request #1 in acme/gitops: ")
