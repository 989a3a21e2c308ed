"""git over http in the GitHub stand-in: http://HOST:PORT/OWNER/REPO.git served by `git
http-backend` from the stand-in's bare repository, for callers that authenticate as GitHub asks
(HTTP Basic, user x-access-token, the token as password). Every request is recorded with the
login it authenticated as (None: it did not), in `standin.git_requests`.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
import subprocess
from dataclasses import dataclass
from typing import TYPE_CHECKING

from werkzeug.datastructures import Headers

if TYPE_CHECKING:
    from .github_standin import GitHubStandIn

_GIT_PATH = re.compile(
    r"^/(?P<owner>[^/]+)/(?P<repo>[^/]+?)\.git/(?P<rest>info/refs|git-upload-pack|"
    r"git-receive-pack)$")


@dataclass(frozen=True)
class GitReply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


@dataclass(frozen=True)
class GitRequest:
    method: str
    path: str
    user: str | None


def git_http_route(standin: GitHubStandIn, method: str, path: str, query: str,
                   headers: Headers, body: bytes) -> GitReply | None:
    """The answer to a git smart-http request; None for every other request."""
    found = _GIT_PATH.match(path)
    if found is None or standin.git is None:
        return None
    user = _basic_user(standin, headers)
    standin.git_requests.append(GitRequest(method, path, user))
    if user is None:
        return GitReply(401, [("WWW-Authenticate", 'Basic realm="GitHub"')], b"")
    if f"{found['owner']}/{found['repo']}".lower() != standin.full_name.lower():
        return GitReply(404, [], b"Repository not found.\n")
    return _backend(standin, method, found["rest"], query, headers, body, user)


def _basic_user(standin: GitHubStandIn, headers: Headers) -> str | None:
    scheme, _, encoded = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        name, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return standin.tokens.get(password) if name == "x-access-token" else None


def _backend(standin: GitHubStandIn, method: str, rest: str, query: str, headers: Headers,
             body: bytes, user: str) -> GitReply:
    assert standin.git is not None
    repo = standin.git.path
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update({
        "GIT_PROJECT_ROOT": str(repo.parent), "GIT_HTTP_EXPORT_ALL": "1",
        "PATH_INFO": f"/{repo.name}/{rest}", "REQUEST_METHOD": method, "QUERY_STRING": query,
        "CONTENT_TYPE": headers.get("Content-Type", ""), "CONTENT_LENGTH": str(len(body)),
        "REMOTE_USER": user, "REMOTE_ADDR": "127.0.0.1",
        "HTTP_CONTENT_ENCODING": headers.get("Content-Encoding", ""),
        "GIT_PROTOCOL": headers.get("Git-Protocol", ""),
    })
    done = subprocess.run(["git", "http-backend"], input=body, env=env, capture_output=True,
                          check=False)
    head, _, payload = done.stdout.partition(b"\r\n\r\n")
    status, reply_headers = 200, []
    for line in head.decode("latin-1").split("\r\n"):
        name, _, value = line.partition(":")
        if name.lower() == "status":
            status = int(value.split()[0])
        elif name:
            reply_headers.append((name, value.strip()))
    if done.returncode != 0 and status == 200:
        status = 500
    return GitReply(status, reply_headers, payload)
