"""promoter.circleci_api.http: pages, retries and every failure as a CircleCIError (exit 5)."""

from __future__ import annotations

import socket

import pytest

from promoter.circleci_api.approvers import user, workflow_jobs
from promoter.circleci_api.http import CircleCIAPI
from promoter.errors import CircleCIError, ExitCode
from promoter.retry import RetryPolicy

from .standin import ALICE, TOKEN, WORKFLOW, CircleCIStandin, production_workflow


def client(url: str, token: str = TOKEN, slept: list[float] | None = None) -> CircleCIAPI:
    pauses = slept if slept is not None else []
    return CircleCIAPI(token, api_url=url, timeout=5.0,
                       retry=RetryPolicy(attempts=3, base=1.0, cap=2.0, sleep=pauses.append))


def failure(standin: CircleCIStandin, token: str = TOKEN) -> CircleCIError:
    with client(standin.url, token) as api, pytest.raises(CircleCIError) as caught:
        workflow_jobs(api, WORKFLOW)
    assert caught.value.exit_code == ExitCode.REMOTE
    assert TOKEN not in str(caught.value) and token not in str(caught.value)
    return caught.value


def test_every_page_is_read_by_next_page_token(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.page_size = 1
    with client(circleci.url) as api:
        jobs = workflow_jobs(api, WORKFLOW)
    assert [job.name for job in jobs] == ["build", "deploy-staging", "hold-production",
                                          "promote-production"]
    assert circleci.requests[1].endswith("/job?page-token=page-1")
    assert len(circleci.requests) == 4


def test_a_user_is_login_and_name(circleci: CircleCIStandin) -> None:
    circleci.users["u-alice"] = ALICE
    with client(circleci.url) as api:
        found = user(api, "u-alice")
    assert (found.login, found.name) == ("alice", "Alice Liddell")


def test_an_unknown_workflow_says_what_to_check(circleci: CircleCIStandin) -> None:
    error = failure(circleci)
    assert f"CircleCI workflow {WORKFLOW} not found" in error.message
    assert "404 Workflow not found" in error.message
    assert error.hint is not None and "CIRCLE_WORKFLOW_ID" in error.hint


def test_a_rejected_token_is_exit_5_and_never_shown(circleci: CircleCIStandin) -> None:
    error = failure(circleci, token="CCIPAT_FAKEwrongToken_999")
    assert "CircleCI rejected the token (401 Invalid token provided.)" in error.message
    assert error.hint is not None and "CIRCLECI_TOKEN" in error.hint


def test_a_forbidden_answer_is_exit_5(circleci: CircleCIStandin) -> None:
    circleci.answer_next(403, {"message": "Permission denied"})
    error = failure(circleci)
    assert "CircleCI refused to read the jobs of CircleCI workflow" in error.message
    assert "403 Permission denied" in error.message


def test_server_errors_are_retried_then_answered(circleci: CircleCIStandin) -> None:
    circleci.workflows[WORKFLOW] = production_workflow()
    circleci.page_size = 10
    circleci.answer_next(502, {"message": "Bad gateway"})
    slept: list[float] = []
    with client(circleci.url, slept=slept) as api:
        assert len(workflow_jobs(api, WORKFLOW)) == 4
    assert len(slept) == 1


def test_server_errors_give_up_after_the_attempts(circleci: CircleCIStandin) -> None:
    for _ in range(3):
        circleci.answer_next(503, {"message": "Service unavailable"})
    error = failure(circleci)
    assert "503 Service unavailable (gave up after 3 attempts)" in error.message


def test_an_unreachable_api_is_exit_5() -> None:
    with socket.socket() as sock:  # a port nobody listens on once it is closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with client(f"http://127.0.0.1:{port}/api/v2") as api, \
            pytest.raises(CircleCIError) as caught:
        workflow_jobs(api, WORKFLOW)
    assert "cannot reach the CircleCI API" in caught.value.message
    assert "after 3 attempts" in caught.value.message


@pytest.mark.parametrize(("answer", "said"), [
    (b"<html>maintenance</html>", "a body that is not JSON"),
    ({"jobs": []}, "a page without an `items` list"),
    ({"items": ["build"]}, "job 1 is not a JSON object"),
    ({"items": [{"id": "a", "name": "x", "type": "build", "status": "success"}]},
     "job 1 has no `dependencies` list of job ids"),
    ({"items": [{"id": "a", "type": "build", "status": "success", "dependencies": []}]},
     "job 1 has no `name` text"),
    ({"items": [{"id": "a", "name": "x", "type": "build", "status": "success",
                 "dependencies": ["ghost"]}]}, "depends on a job that is not in the workflow"),
    ({"items": [], "next_page_token": 7}, "a `next_page_token` that is not a string"),
    ({"items": [{"id": "a", "name": "x", "type": "approval", "status": "success",
                 "dependencies": [], "approved_by": 42}]}, "`approved_by` that is not text"),
])
def test_malformed_answers_say_what_is_wrong(circleci: CircleCIStandin, answer: object,
                                             said: str) -> None:
    circleci.answer_next(200, answer)
    error = failure(circleci)
    assert "unexpected answer from the CircleCI API" in error.message
    assert said in error.message
    assert error.hint is not None and "PROMOTER_CIRCLECI_API_URL" in error.hint


def test_a_page_token_that_repeats_is_refused(circleci: CircleCIStandin) -> None:
    page = {"items": [], "next_page_token": "again"}
    circleci.answer_next(200, page)
    circleci.answer_next(200, page)
    assert "the same `next_page_token` twice" in failure(circleci).message


def test_a_malformed_user_is_refused(circleci: CircleCIStandin) -> None:
    circleci.answer_next(200, {"id": "u-x", "login": "two words", "name": None})
    with client(circleci.url) as api, pytest.raises(CircleCIError) as caught:
        user(api, "u-x")
    assert "a user `login` that is empty or holds spaces" in caught.value.message


def test_a_redirect_is_not_followed(circleci: CircleCIStandin) -> None:
    circleci.answer_next(301, {"message": "moved"})
    assert "promoter does not follow redirects" in failure(circleci).message


def test_the_client_never_shows_its_token() -> None:
    api = CircleCIAPI(TOKEN, api_url="https://circleci.example/api/v2")
    assert TOKEN not in repr(api)
    assert api.mask(f"echo {TOKEN}") == "echo ***"
    api.close()
