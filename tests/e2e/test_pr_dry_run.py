"""`promote --pr --dry-run` and `rollback --pr --dry-run` tell the truth: wherever the real run
fails before it touches the remote (no token, no resolvable GitHub repository, a remote that is
not on github.com without PROMOTER_GITHUB_API_URL), the dry run fails with the same exit code
and the same message. Through the installed command, against a real bare remote."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import GitOps, git, make_gitops
from tests.e2e.test_exit_codes import one_error_line

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
TOKEN = "ghp_dryRunTruthSentinel0123456789abcdef"
NO_GITHUB = {"PROMOTER_GITHUB_TOKEN": "", "GITHUB_TOKEN": "", "PROMOTER_GITHUB_API_URL": "",
             "PROMOTER_GITHUB_REPOSITORY": ""}
FAKE_SSH = """#!/bin/sh
# ssh stand-in (GIT_SSH_VARIANT=simple: HOST COMMAND): serves FAKE_REMOTE whatever the path
for last; do :; done
case "$last" in
  git-upload-pack*) exec git-upload-pack "$FAKE_REMOTE" ;;
  git-receive-pack*) exec git-receive-pack "$FAKE_REMOTE" ;;
esac
echo "fake ssh: unexpected command: $last" >&2
exit 1
"""

CASES = {
    "no-token": ({"PROMOTER_GITHUB_REPOSITORY": "example-org/gitops"},
                 "no GitHub token: set PROMOTER_GITHUB_TOKEN or GITHUB_TOKEN"),
    "no-repository": ({"PROMOTER_GITHUB_TOKEN": TOKEN},
                      "cannot tell which GitHub repository to open the pull request in"),
    "not-github": ({"PROMOTER_GITHUB_TOKEN": TOKEN},
                   "git.example.com/example-org/gitops.git is not on github.com"),
}
COMMANDS = {
    "promote": ("promote", "production", "--pr"),  # staging's newer tag
    "rollback": ("rollback", "production", "--pr"),
}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A remote where production had a tag before its current one (something to roll back to)
    and staging has a newer tag (something to promote); built once."""
    with pytest.MonkeyPatch.context() as mp:  # the autouse identity fixture is per test
        mp.setenv("HOME", str(tmp_path_factory.mktemp("pr-dry-run-home")))
        mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
        for role in ("AUTHOR", "COMMITTER"):
            mp.setenv(f"GIT_{role}_NAME", "Template Author")
            mp.setenv(f"GIT_{role}_EMAIL", "template@example.com")
        for name in list(os.environ):
            if name.startswith(("CIRCLE_", "PROMOTER_", "GITHUB_")):
                mp.delenv(name)
        made = make_gitops(tmp_path_factory.mktemp("pr-dry-run"))
        made.json("set-image", "staging", f"web={SHA}")
        made.json("promote", "production", "--tag", SHA)
        made.json("set-image", "staging", "web=0123456789abcdef0123456789abcdef01234567")
    return made.remote


@pytest.fixture
def staged(template: Path, tmp_path: Path) -> GitOps:
    shutil.copytree(template, tmp_path / "gitops.git")
    return GitOps(tmp_path / "gitops.git", tmp_path)


def refs(gitops: GitOps) -> str:
    return git(gitops.remote, "for-each-ref", "--format=%(refname) %(objectname)")


def ssh_remote(gitops: GitOps, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """An ssh:// URL on a host that is not github.com, served from the bare remote."""
    script = tmp_path / "fake-ssh"
    script.write_text(FAKE_SSH)
    script.chmod(0o755)
    env = {"GIT_SSH_COMMAND": str(script), "GIT_SSH_VARIANT": "simple",
           "FAKE_REMOTE": str(gitops.remote)}
    return "ssh://git@git.example.com/example-org/gitops.git", env


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("case", sorted(CASES))
def test_pr_dry_run_fails_like_the_real_run(staged: GitOps, tmp_path: Path, case: str,
                                            command: str) -> None:
    gitops = staged
    extra, message = CASES[case]
    env = {**NO_GITHUB, **extra}
    repo = gitops.url
    if case == "not-github":
        repo, ssh_env = ssh_remote(gitops, tmp_path)
        env.update(ssh_env)
    args = COMMANDS[command]
    before = refs(gitops)
    real = gitops.run(*args, env=env, repo=repo)
    dry = gitops.run(*args, "--dry-run", env=env, repo=repo)
    assert real.returncode == dry.returncode == 2, real.stderr + dry.stderr
    assert one_error_line(real.stderr) == one_error_line(dry.stderr)
    assert message in one_error_line(dry.stderr)
    assert refs(gitops) == before
    assert TOKEN not in real.stdout + real.stderr + dry.stdout + dry.stderr


def test_pr_dry_run_with_everything_resolvable_still_succeeds(staged: GitOps) -> None:
    gitops = staged
    env = {**NO_GITHUB, "PROMOTER_GITHUB_TOKEN": TOKEN,
           "PROMOTER_GITHUB_REPOSITORY": "example-org/gitops",
           "PROMOTER_GITHUB_API_URL": "http://127.0.0.1:9/never-called"}
    before = refs(gitops)
    out = gitops.json("promote", "production", "--pr", "--dry-run", env=env)
    assert out["dry_run"] is True and out["changed"] is True
    assert refs(gitops) == before
