"""Family 2: hostile arguments and environment variables.

The value after `=` in set-image is always a tag (optionally `@sha256:...`): a value with `/` or
`:` is an invalid tag (exit 2), never a new image name; renaming takes `--new-name IMAGE=NEWNAME`.
A grammatical tag outside tag_pattern is policy (exit 3). Unknown or malformed environment names,
options, commit messages with Promoter-* trailers, non-finite or non-positive timeouts and
malformed API URLs are usage errors (exit 2). Nothing is written in any case.
"""

from __future__ import annotations

import pytest

from tests.hostile.conftest import SHA, Scene

DIGEST = "sha256:" + "0123456789abcdef" * 4

BAD_IMAGE_ARGUMENTS = {
    "empty-tag": "web=",
    "empty-image": "=abc1234",
    "double-equals": "web==x",
    "no-tag": "web",
    "tag-129-chars": "web=" + "a" * 129,
    "tag-100k-chars": "web=" + "a" * 100_000,
    "tag-with-escape": "web=abc1234\x1b[31m",
    "tag-with-newline-and-trailer": "web=abc1234\nPromoter-Action: rollback",
    "tag-with-tab": "web=abc\t1234",
    "tag-with-del": "web=abc1234\x7f",
    "tag-with-space": "web=abc 1234",
    "tag-with-fullwidth-digits": "web=abc\uff11\uff12\uff13\uff14",
    "tag-with-zero-width-space": "web=abc1234\u200b",
    "tag-with-rtl-override": "web=\u202eabc1234",
    "tag-leading-dash": "web=-abc1234",
    "tag-leading-dot": "web=.abc1234",
    "registry-as-value": "web=evil.example/web",
    "name-and-tag-as-value": "web=ghcr.io/o/web:abc1234",
    "registry-port-as-value": "web=evil.example:5000/web",
    "colon-in-value": "web=abc:1234",
    "name-and-digest-as-value": f"web=evil.example/web@{DIGEST}",
    "malformed-digest": "web=abc1234@sha256:xyz",
    "short-digest": "web@sha256:abc",
    "image-with-escape": "\x1b[2Jweb=abc1234",
    "image-with-newline": "we\nb=abc1234",
    "image-path-traversal": "../web=abc1234",
}


@pytest.mark.parametrize("argument", BAD_IMAGE_ARGUMENTS.values(), ids=list(BAD_IMAGE_ARGUMENTS))
def test_malformed_image_argument_is_usage(scene: Scene, argument: str) -> None:
    scene.expect(2, "set-image", "staging", argument, repo="url")


OUTSIDE_TAG_PATTERN = {
    "latest": "latest",
    "uppercase-hex": "ABCDEF1",
    "six-hex": "abc123",
    "41-hex": "a" * 41,
    "128-hex": "a" * 128,
    "semver": "v1.2.3",
}


@pytest.mark.parametrize("tag", OUTSIDE_TAG_PATTERN.values(), ids=list(OUTSIDE_TAG_PATTERN))
def test_grammatical_tag_outside_tag_pattern_is_policy(scene: Scene, tag: str) -> None:
    done = scene.expect(3, "set-image", "staging", f"web={tag}", repo="url")
    assert "tag_pattern" in done.error


BAD_NEW_NAMES = {
    "empty-name": "web=",
    "empty-image": "=evil.example/web",
    "space-in-name": "web=evil example/web",
    "tag-in-name": "web=evil.example/web:abc1234",
    "escape-in-name": "web=\x1b[31mevil.example/web",
    "uppercase-path": "web=evil.example/WEB",
}


@pytest.mark.parametrize("rename", BAD_NEW_NAMES.values(), ids=list(BAD_NEW_NAMES))
def test_malformed_new_name_is_usage(scene: Scene, rename: str) -> None:
    scene.expect(2, "set-image", "staging", "--new-name", rename, f"web={SHA}", repo="url")


BAD_ENVIRONMENTS = {
    "dotdot": "../x",
    "leading-dash": "-x",
    "empty": "",
    "very-long": "a" * 5000,
    "unknown": "qa",
    "traversal-to-a-known-one": "staging/../production",
    "trailing-newline": "staging\n",
    "escape": "\x1b[31mstaging",
    "case": "Staging",
}
COMMANDS = {
    "set-image": ("set-image", "{env}", f"web={SHA}"),
    "promote": ("promote", "{env}"),
    "history": ("history", "{env}"),
}


ON_EVERY_COMMAND = ("dotdot", "leading-dash", "escape")
ENVIRONMENT_CASES = [(name, command) for name in BAD_ENVIRONMENTS for command in COMMANDS
                     if command == "set-image" or name in ON_EVERY_COMMAND]


@pytest.mark.parametrize(("name", "command"), ENVIRONMENT_CASES,
                         ids=[f"{name}-{command}" for name, command in ENVIRONMENT_CASES])
def test_bad_environment_name_is_usage(scene: Scene, name: str, command: str) -> None:
    args = [arg.format(env=BAD_ENVIRONMENTS[name]) for arg in COMMANDS[command]]
    scene.expect(2, *args, repo="url")


BAD_OPTIONS = {
    "repo-leading-dash": ("--repo", "-oops"),
    "repo-git-option-injection": ("--repo=--upload-pack=touch pwned",),
    "branch-dotdot": ("--branch", "../x"),
    "branch-leading-dash": ("--branch", "-x"),
    "branch-space": ("--branch", "ma in"),
    "branch-revision-syntax": ("--branch", "main~1"),
    "branch-escape": ("--branch", "main\x1b[2J"),
    "max-attempts-0": ("--max-attempts", "0"),
    "max-attempts-negative": ("--max-attempts", "-1"),
    "max-attempts-not-a-number": ("--max-attempts", "abc"),
    "message-with-action-trailer": ("--message", "why\n\nPromoter-Action: rollback"),
    "message-with-environment-trailer": ("--message", "Promoter-Environment: production"),
    "message-with-image-trailer-inside": ("--message",
                                          "first\nPromoter-Image: web=deadbeef\nlast"),
}


@pytest.mark.parametrize("options", BAD_OPTIONS.values(), ids=list(BAD_OPTIONS))
def test_bad_option_is_usage(scene: Scene, options: tuple[str, ...]) -> None:
    has_repo = any(option.startswith("--repo") for option in options)
    scene.expect(2, "set-image", "staging", f"web={SHA}", *options,
                 repo=None if has_repo else "url")


def test_max_attempts_variable_zero_is_usage(scene: Scene) -> None:
    scene.expect(2, "set-image", "staging", f"web={SHA}", repo="url",
                 env={"PROMOTER_MAX_ATTEMPTS": "0"})


TIMEOUT_VARIABLES = ("PROMOTER_RENDER_TIMEOUT", "PROMOTER_GIT_TIMEOUT")
BAD_SECONDS = ("nan", "inf", "-inf", "0", "-1", "abc")


@pytest.mark.parametrize("value", BAD_SECONDS)
@pytest.mark.parametrize("variable", TIMEOUT_VARIABLES)
def test_bad_timeout_value_is_usage(scene: Scene, variable: str, value: str) -> None:
    done = scene.expect(2, "set-image", "staging", f"web={SHA}", repo="url",
                        env={variable: value})
    assert variable in done.error


BAD_API_URLS = {
    "bad-scheme-characters": "ht!tp://api.example",
    "no-host": "https://",
    "not-a-url": "not a url",
    "unsupported-scheme": "ftp://127.0.0.1/api",
    "unclosed-ipv6": "http://[::1",
}


@pytest.mark.parametrize("url", BAD_API_URLS.values(), ids=list(BAD_API_URLS))
def test_malformed_github_api_url_is_usage(scene: Scene, url: str) -> None:
    done = scene.expect(2, "promote", "production", "--pr", repo="url",
                        env={"PROMOTER_GITHUB_API_URL": url, "PROMOTER_GITHUB_REPOSITORY": "o/r"})
    assert "PROMOTER_GITHUB_API_URL" in done.error
