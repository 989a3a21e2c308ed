"""The typer app in-process (typer.testing.CliRunner): options, PROMOTER_* variables, --json,
exit codes, error output. Real repositories: a bare remote over file:// per test."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from promoter import __version__, promotion, pullrequest
from promoter.cli import app
from promoter.errors import (
    ConfigError,
    ContentError,
    ForgeError,
    GitError,
    KustomizationError,
    PolicyError,
    PromoterError,
    PushRejected,
    RenderError,
    UsageError,
    VerificationError,
)
from promoter.kustomize.document import read_images
from tests.e2e.conftest import PROJECT, GitOps, git, make_gitops

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"
WIDE = {"COLUMNS": "250"}  # help text is wrapped to the terminal width
COMMANDS = ("set-image", "promote", "rollback", "hold", "release", "status", "diff", "history",
            "validate", "check-pipeline", "pr-status", "demo")
READ_ONLY = ("status", "diff", "history", "validate", "check-pipeline", "pr-status")


def invoke(*args: str, env: Mapping[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=dict(env or {}))


def ok_json(result: Result) -> Any:
    assert result.exit_code == 0, result.stderr + result.stdout
    return json.loads(result.stdout)


def tag(gitops: GitOps, rel: str) -> str | None:
    return next(e.new_tag for e in read_images(gitops.show(rel)) if e.name == "web")


def boom(exc: BaseException) -> Any:
    def raiser(*_: object, **__: object) -> Any:
        raise exc

    return raiser


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HOME", str(tmp_path_factory.mktemp("template-home")))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for who in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{who}_NAME", "Template Author")
            mp.setenv(f"GIT_{who}_EMAIL", "template@example.com")
        yield make_gitops(tmp_path_factory.mktemp("template")).remote


@pytest.fixture
def gitops(template: Path, tmp_path: Path) -> GitOps:
    remote = tmp_path / "gitops.git"
    shutil.copytree(template, remote)
    return GitOps(remote, tmp_path)


# --------------------------------------------------------------------------- help and version


def test_root_help_lists_every_command() -> None:
    result = invoke("--help", env=WIDE)
    assert result.exit_code == 0
    listed = {line.strip("│ ").split(" ", 1)[0] for line in result.stdout.splitlines()}
    assert set(COMMANDS) <= listed


def test_no_arguments_shows_help() -> None:
    result = invoke(env=WIDE)
    assert "Usage: promoter" in result.stdout + result.stderr
    assert "set-image" in result.stdout + result.stderr


def test_version() -> None:
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"promoter {__version__}\n"


# --------------------------------------------------------------------------- options and env vars


@pytest.mark.parametrize("order", ["options-last", "options-first"])
def test_options_after_the_command_name(gitops: GitOps, order: str) -> None:
    options = ["--repo", gitops.url, "--json", "--skip-ci"]
    arguments = ["staging", f"web={SHA_A}"]
    args = [*arguments, *options] if order == "options-last" else [*options, *arguments]
    doc = ok_json(invoke("set-image", *args))
    assert doc["commit"] == gitops.head()
    assert tag(gitops, STAGING) == SHA_A
    assert gitops.message().splitlines()[0].endswith("[skip ci]")


def test_options_before_the_command_name_are_refused(gitops: GitOps) -> None:
    head = gitops.head()
    result = invoke("--repo", gitops.url, "set-image", "staging", f"web={SHA_A}")
    assert result.exit_code == 2
    assert gitops.head() == head


def test_env_vars_in_place_of_options(gitops: GitOps) -> None:
    env = {"PROMOTER_REPO": gitops.url, "PROMOTER_JSON": "1", "PROMOTER_SKIP_CI": "1",
           "PROMOTER_MESSAGE": "hotfix for the login page"}
    doc = ok_json(invoke("set-image", "staging", f"web={SHA_A}", env=env))
    assert doc["commit"] == gitops.head() and doc["pushed"] is True
    subject, _, body = gitops.message().partition("\n")
    assert subject == f"deploy(staging): web {SHA_A} [skip ci]"
    assert "hotfix for the login page" in body


def test_env_dry_run(gitops: GitOps) -> None:
    head = gitops.head()
    result = invoke("set-image", "staging", f"web={SHA_A}",
                    env={"PROMOTER_REPO": gitops.url, "PROMOTER_DRY_RUN": "1"})
    assert result.exit_code == 0, result.stderr
    assert "dry run" in result.stdout
    assert f"+    newTag: {SHA_A}" in result.stdout
    assert gitops.head() == head


def test_env_push_false_commits_nothing_to_the_remote(gitops: GitOps) -> None:
    head = gitops.head()
    work = gitops.clone()
    doc = ok_json(invoke("set-image", "staging", f"web={SHA_A}", "--json",
                         env={"PROMOTER_REPO": str(work), "PROMOTER_PUSH": "false"}))
    assert doc["changed"] is True and doc["pushed"] is False
    assert gitops.head() == head
    assert git(work, "log", "-1", "--format=%s").startswith("deploy(staging)")


def test_no_push_with_a_url_is_refused(gitops: GitOps) -> None:
    result = invoke("set-image", "staging", f"web={SHA_A}", "--repo", gitops.url, "--no-push")
    assert result.exit_code == 2
    assert "--dry-run" in result.stderr


def test_env_tag_and_image_for_promote(gitops: GitOps) -> None:
    ok_json(invoke("set-image", "staging", f"web={SHA_A}", "--repo", gitops.url, "--json"))
    ok_json(invoke("set-image", "staging", f"web={SHA_B}", "--repo", gitops.url, "--json"))
    env = {"PROMOTER_REPO": gitops.url, "PROMOTER_TAG": SHA_A, "PROMOTER_IMAGE": "web"}
    doc = ok_json(invoke("promote", "production", "--json", env=env))
    assert doc["images"][0]["new_tag"] == SHA_A
    assert (tag(gitops, PRODUCTION), tag(gitops, STAGING)) == (SHA_A, SHA_B)


def test_env_to_and_limit(gitops: GitOps) -> None:
    env = {"PROMOTER_REPO": gitops.url, "PROMOTER_JSON": "true"}
    for sha in (SHA_A, SHA_B):
        ok_json(invoke("set-image", "staging", f"web={sha}", env=env))
    initial = read_images(gitops.show(STAGING, "main~2"))[0].new_tag
    assert initial is not None
    ok_json(invoke("rollback", "staging", env={**env, "PROMOTER_TO": initial}))
    assert tag(gitops, STAGING) == initial
    doc = ok_json(invoke("history", "staging", env={**env, "PROMOTER_LIMIT": "2"}))
    assert [(e["action"], e["images"][0]["tag"]) for e in doc["entries"]] == [
        ("rollback", initial), ("set-image", SHA_B)]


def test_env_max_attempts_below_one_is_a_usage_error(gitops: GitOps) -> None:
    head = gitops.head()
    result = invoke("set-image", "staging", f"web={SHA_A}",
                    env={**WIDE, "PROMOTER_REPO": gitops.url, "PROMOTER_MAX_ATTEMPTS": "0"})
    assert result.exit_code == 2
    assert "max-attempts" in result.stderr
    assert gitops.head() == head


@pytest.mark.parametrize("flag", ["--message", "-m"])
def test_message_goes_into_the_commit_body(gitops: GitOps, flag: str) -> None:
    ok_json(invoke("set-image", "staging", f"web={SHA_A}", "--repo", gitops.url, "--json",
                   flag, "Roll out the new checkout flow."))
    body = git(gitops.remote, "log", "-1", "--format=%b", "main")
    assert body.startswith("Roll out the new checkout flow.\n")
    assert f"Promoter-Image: web={SHA_A}" in body  # the trailers still follow


# --------------------------------------------------------------------------- output


def test_human_output_then_nothing_to_do(gitops: GitOps) -> None:
    first = invoke("set-image", "staging", f"web={SHA_A}", "--repo", gitops.url)
    assert first.exit_code == 0, first.stderr
    assert f"deploy(staging): commit {gitops.head()[:12]}, pushed" in first.stdout
    assert SHA_A in first.stdout
    again = invoke("set-image", "staging", f"web={SHA_A}", "--repo", gitops.url)
    assert again.exit_code == 0
    assert "nothing to do, no commit" in again.stdout


def test_json_success_is_one_document_and_nothing_on_stderr(gitops: GitOps) -> None:
    result = invoke("status", "--repo", gitops.url, "--json")
    doc = ok_json(result)
    assert [e["name"] for e in doc["environments"]] == ["staging", "production"]
    assert result.stderr == ""


def test_json_error_document_on_stdout_message_on_stderr(gitops: GitOps) -> None:
    result = invoke("set-image", "qa", f"web={SHA_A}", "--repo", gitops.url, "--json")
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    assert set(doc) == {"error"}
    assert doc["error"]["exit_code"] == 2
    assert doc["error"]["type"] == "UsageError"
    assert "unknown environment 'qa'" in doc["error"]["message"]
    assert "promoter: error:" in result.stderr
    assert "promoter: error" not in result.stdout


def test_validate_failure_exits_4_after_printing(monkeypatch: pytest.MonkeyPatch) -> None:
    results = [promotion.Validation("staging", "overlays/staging", (), None),
               promotion.Validation("production", "overlays/production", (), "kustomize: bad")]
    monkeypatch.setattr(promotion, "validate", lambda *_: results)
    as_json = invoke("validate", "--json")
    assert as_json.exit_code == 4
    doc = json.loads(as_json.stdout)
    assert doc["ok"] is False
    assert [e["ok"] for e in doc["environments"]] == [True, False]
    human = invoke("validate")
    assert human.exit_code == 4
    assert "kustomize: bad" in human.stderr
    assert "staging" in human.stdout


# --------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(("error", "code"), [
    (UsageError("u"), 2),
    (ConfigError("c"), 2),
    (PolicyError("p"), 3),
    (ContentError("c"), 4),
    (KustomizationError("k"), 4),
    (RenderError("r"), 4),
    (VerificationError("v"), 4),
    (GitError("g"), 5),
    (PushRejected("p", retryable=False), 5),
    (ForgeError("f"), 5),
    (PromoterError("base"), 1),
], ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value))
def test_each_error_class_has_its_exit_code(monkeypatch: pytest.MonkeyPatch,
                                            error: PromoterError, code: int) -> None:
    error.hint = "do this instead"
    monkeypatch.setattr(promotion, "status", boom(error))
    result = invoke("status", "--json")
    assert result.exit_code == code
    doc = json.loads(result.stdout)["error"]
    assert doc == {"message": f"{error.message} (do this instead)", "exit_code": code,
                   "type": type(error).__name__}
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [f"promoter: error: {error.message} (do this instead)"]


def test_unexpected_error_is_one_line_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", boom(RuntimeError("disk on fire")))
    result = invoke("status")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "unexpected error" in lines[0] and "disk on fire" in lines[0]
    assert "Traceback" not in result.stderr + result.stdout


def test_unexpected_error_with_debug_shows_the_traceback(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", boom(RuntimeError("disk on fire")))
    result = invoke("status", "--debug")
    assert result.exit_code == 1
    assert "Traceback" in result.stderr
    assert "RuntimeError" in result.stderr
    assert "unexpected error" in result.stderr
    assert "Traceback" not in result.stdout


def test_unexpected_error_as_json(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", boom(RuntimeError("disk on fire")))
    result = invoke("status", env={"PROMOTER_JSON": "1"})
    assert result.exit_code == 1
    doc = json.loads(result.stdout)["error"]
    assert (doc["exit_code"], doc["type"]) == (1, "RuntimeError")
    assert "disk on fire" in doc["message"]


def test_unexpected_error_message_is_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    leak = RuntimeError("cannot reach https://bot:s3cret@git.example.com/gitops.git")
    monkeypatch.setattr(promotion, "status", boom(leak))
    result = invoke("status", "--json")
    assert result.exit_code == 1
    assert "s3cret" not in result.stdout + result.stderr
    assert "https://git.example.com/gitops.git" in result.stderr


def test_interrupt_is_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(promotion, "status", boom(KeyboardInterrupt()))
    result = invoke("status")
    assert result.exit_code == 1
    assert "interrupted" in result.stderr
    assert "Traceback" not in result.stderr


def test_root_help_lists_the_exit_codes() -> None:  # 2
    text = " ".join(invoke("--help", env=WIDE).stdout.split())
    assert "3 refused by policy" in text


def test_json_usage_error_is_a_json_document() -> None:  # 3
    result = invoke("set-image", "staging", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["error"]["exit_code"] == 2


def test_check_pipeline_reads_promoter_yaml_from_a_repo_url(gitops: GitOps) -> None:  # 6
    config = str(PROJECT / ".circleci" / "config.yml")
    result = invoke("check-pipeline", config, "--repo", gitops.url)
    assert result.exit_code == 0, result.stderr


# --------------------------------------------------------------------------- options per command


READ_ONLY_ARGS = {"status": (), "diff": ("staging", "production"), "history": ("staging",),
                  "validate": (), "check-pipeline": (), "pr-status": ("production",)}
COMMIT_FLAGS = (("--push",), ("--no-push",), ("--message", "why"), ("-m", "why"), ("--skip-ci",),
                ("--max-attempts", "3"))


@pytest.mark.parametrize("flag", COMMIT_FLAGS, ids=lambda flag: flag[0])
@pytest.mark.parametrize("command", READ_ONLY)
def test_read_only_commands_refuse_the_commit_options(command: str, flag: tuple[str, ...]) -> None:
    result = invoke(command, *READ_ONLY_ARGS[command], *flag)
    assert result.exit_code == 2
    assert f"No such option: {flag[0]}" in result.stderr
    as_json = invoke(command, *READ_ONLY_ARGS[command], *flag, "--json")
    assert as_json.exit_code == 2
    error = json.loads(as_json.stdout)["error"]
    assert (error["exit_code"], error["type"]) == (2, "NoSuchOption")
    assert flag[0] in error["message"]


@pytest.mark.parametrize("command", [c for c in READ_ONLY if c != "pr-status"])
def test_dry_run_is_an_option_of_changing_commands_only(command: str) -> None:
    result = invoke(command, *READ_ONLY_ARGS[command], "--dry-run")
    assert result.exit_code == 2
    assert "No such option: --dry-run" in result.stderr


def test_demo_takes_only_its_own_options_and_the_output_ones() -> None:
    result = invoke("demo", "--repo", ".")
    assert result.exit_code == 2
    assert "No such option: --repo" in result.stderr


def test_commit_variables_are_ignored_by_read_only_commands(gitops: GitOps) -> None:
    """One set of PROMOTER_* variables serves every step of a pipeline."""
    env = {"PROMOTER_REPO": gitops.url, "PROMOTER_PUSH": "false", "PROMOTER_DRY_RUN": "1",
           "PROMOTER_MESSAGE": "why", "PROMOTER_SKIP_CI": "1", "PROMOTER_MAX_ATTEMPTS": "0",
           "PROMOTER_JSON": "1"}
    doc = ok_json(invoke("status", env=env))
    assert [e["name"] for e in doc["environments"]] == ["staging", "production"]
    assert ok_json(invoke("history", "staging", env=env))["environment"] == "staging"


def test_change_commands_receive_the_built_option_groups(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def set_image(repo: promotion.RepoOptions, commit: promotion.CommitOptions, env: str,
                  images: list[str], new_names: list[str]) -> Any:
        seen.update(repo=repo, commit=commit, env=env, images=images, new_names=new_names)
        raise UsageError("stop here")

    monkeypatch.setattr(promotion, "set_image", set_image)
    result = invoke("set-image", "staging", "web=v1", "web2=v2", "--repo", "/tmp/x", "--branch",
                    "b", "--config", "c.yaml", "--no-push", "--dry-run", "-m", "why",
                    "--skip-ci", "--max-attempts", "3", "--new-name", "web=g/web",
                    env={"CIRCLE_BUILD_URL": "u"})
    assert result.exit_code == 2
    assert seen["repo"] == promotion.RepoOptions("/tmp/x", "b", "c.yaml", push=False)
    commit = seen["commit"]
    assert (commit.dry_run, commit.message, commit.skip_ci, commit.max_attempts) == (
        True, "why", True, 3)
    assert commit.environ["CIRCLE_BUILD_URL"] == "u"
    assert (seen["env"], seen["images"]) == ("staging", ["web=v1", "web2=v2"])
    assert seen["new_names"] == ["web=g/web"]


def test_pr_status_passes_dry_run_and_merge_on(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def pr_status(repo: promotion.RepoOptions, environment: str, **kwargs: Any) -> Any:
        seen.update(repo=repo, environment=environment, **kwargs)
        raise UsageError("stop here")

    monkeypatch.setattr(pullrequest, "pr_status", pr_status)
    result = invoke("pr-status", "production", "--merge", "--dry-run", "--number", "7",
                    env={"PROMOTER_MERGE_METHOD": "squash"})
    assert result.exit_code == 2
    options = seen["options"]
    assert (options.merge, options.dry_run, options.method) == (True, True, "squash")
    assert (seen["environment"], seen["number"], seen["repo"]) == (
        "production", 7, promotion.RepoOptions())


# --------------------------------------------------------------------------- shell completion


def test_show_completion_prints_the_bash_script(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0, result.stderr
    assert "_PROMOTER_COMPLETE=complete_bash" in result.stdout
    assert "complete -o default -F _promoter_completion promoter" in result.stdout


@pytest.mark.parametrize(("words", "expected"), [
    ("promoter set", "set-image"),
    ("promoter status --b", "--branch"),
    ("promoter set-image staging web=v1 --max", "--max-attempts"),
])
def test_completion_completes_commands_and_options(words: str, expected: str) -> None:
    env = {"_PROMOTER_COMPLETE": "complete_bash", "COMP_WORDS": words,
           "COMP_CWORD": str(len(words.split()) - 1)}
    result = invoke(env=env)
    assert result.exit_code == 0, result.stderr
    assert expected in result.stdout.split()


def test_completion_offers_no_commit_options_to_read_only_commands() -> None:
    env = {"_PROMOTER_COMPLETE": "complete_bash", "COMP_WORDS": "promoter history --",
           "COMP_CWORD": "2"}
    offered = invoke(env=env).stdout.split()
    assert "--limit" in offered and "--repo" in offered
    assert not {"--push", "--message", "--skip-ci", "--dry-run"} & set(offered)
