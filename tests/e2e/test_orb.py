"""The promoter orb's steps run for real: the run steps a workflow gets from the orb's jobs and
commands (tests/orb/source.py expands them from orb/ like CircleCI's compiler), executed with
bash against a bare GitOps remote and the installed promoter. Stand-ins replace only what a test
cannot reach: `circleci env subst` (the job's CLI), and curl and python3 for the installs."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import promoter
from tests.e2e.conftest import PROJECT, GitOps
from tests.orb.source import RunStep, command_steps, example_usage, job_steps, packed

SHA = "4f2c1e9d0b7a"
STAND_IN = "#!" + sys.executable + "\n"
SUBST = STAND_IN + '''"""circleci env subst STRING: $NAME and ${NAME} replaced by their values
(unset: empty)."""
import os, re, sys
assert sys.argv[1:3] == ["env", "subst"], sys.argv
pattern = re.compile(r"\\$(?:\\{([A-Za-z_][A-Za-z0-9_]*)\\}|([A-Za-z_][A-Za-z0-9_]*))")
print(pattern.sub(lambda m: os.environ.get(m[1] or m[2], ""), sys.argv[3]), end="")
'''
CURL = STAND_IN + '''"""curl -fsSL[o FILE] URL: the file named like the URL's last part,
from $SERVED."""
import os, pathlib, sys
url = sys.argv[-1]
with open(os.environ["CURL_LOG"], "a") as log:
    log.write(url + "\\n")
body = (pathlib.Path(os.environ["SERVED"]) / url.rsplit("/", 1)[1]).read_bytes()
if sys.argv[1] == "-fsSLo":
    pathlib.Path(sys.argv[2]).write_bytes(body)
else:
    sys.stdout.buffer.write(body)
'''
PYTHON3 = STAND_IN + '''"""python3 -m venv DIR: a venv whose pip logs what it installs."""
import os, pathlib, sys
assert sys.argv[1:3] == ["-m", "venv"], sys.argv
bin = pathlib.Path(sys.argv[3], "bin")
bin.mkdir(parents=True)
log = os.environ["PIP_LOG"]
(bin / "pip").write_text(f"#!/bin/sh\\nprintf '%s\\\\n' \\"$*\\" >> {log}\\n")
(bin / "promoter").write_text("#!/bin/sh\\necho promoter 0.0.0-stand-in\\n")
for tool in bin.iterdir():
    tool.chmod(0o755)
'''


@pytest.fixture(scope="module")
def orb() -> dict[str, Any]:
    return packed()


class Job:
    """A CircleCI job's machine, as far as the orb's steps see it: PATH, BASH_ENV, HOME."""

    def __init__(self, tmp: Path, **stand_ins: str) -> None:
        self.tmp, self.bin = tmp, tmp / "stand-ins"
        self.bin.mkdir()
        for name, text in {"circleci": SUBST, **stand_ins}.items():
            (self.bin / name).write_text(text)
            (self.bin / name).chmod(0o755)
        self.bash_env = tmp / "bash_env"
        self.env = {
            **os.environ, "CI": "true", "CIRCLE_SHA1": SHA, "BASH_ENV": str(self.bash_env),
            "HOME": str(tmp / "home"), "CURL_LOG": str(tmp / "curl.log"),
            "PIP_LOG": str(tmp / "pip.log"), "SERVED": str(tmp / "served"),
            "PATH": os.pathsep.join([str(self.bin), str(Path(sys.executable).parent),
                                     os.environ["PATH"]]),
        }
        (tmp / "home").mkdir()
        (tmp / "served").mkdir()

    def run(self, step: RunStep, job_environment: dict[str, str] | None = None,
            cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """The step as CircleCI runs it: its script in a file, `bash -eo pipefail FILE`."""
        script = self.tmp / "step.sh"
        script.write_text(step.command)
        env = {**self.env, **(job_environment or {}), **step.environment}
        return subprocess.run(["/bin/bash", "-eo", "pipefail", str(script)], env=env,
                              cwd=cwd or self.tmp, capture_output=True, text=True,
                              stdin=subprocess.DEVNULL, check=False, timeout=300)


def promoter_step(steps: list[RunStep]) -> RunStep:
    """The step that runs promoter (the others set up ssh and install promoter and kubectl)."""
    [step] = [s for s in steps if "ORB_VAL_ACTION" in s.environment]
    return step


def test_the_staging_then_production_jobs_deploy_the_commit_sha(
    orb: dict[str, Any], gitops: GitOps, tmp_path: Path
) -> None:
    job = Job(tmp_path)
    job.env["GITOPS_REPO_URL"] = gitops.url
    environment, steps = job_steps("promote-staging", {}, orb)
    names = [step.name for step in steps]
    assert names[-1] == "promoter set-image staging"
    assert names[:3] == ["Trust the git host's key", "Install promoter",
                         "Install kubectl v1.32.4 (for kustomize)"]
    done = job.run(promoter_step(steps), environment)
    assert done.returncode == 0, done.stderr
    assert f"promoter set-image staging web={SHA} --repo {gitops.url}" in done.stdout
    assert gitops.tag("staging") == SHA
    assert "[skip ci]" in gitops.subjects()[0]
    author = subprocess.run(["git", "log", "-1", "--format=%an <%ae>", "main"], cwd=gitops.remote,
                            capture_output=True, text=True, check=True).stdout.strip()
    assert author == "CircleCI promoter <ci-promoter@example.com>"

    environment, steps = job_steps("promote-production", {}, orb)
    done = job.run(promoter_step(steps), environment)
    assert done.returncode == 0, done.stderr
    assert f"promoter promote production --tag {SHA}" in done.stdout
    assert gitops.tag("production") == SHA


def test_production_refuses_a_tag_staging_never_had(
    orb: dict[str, Any], gitops: GitOps, tmp_path: Path
) -> None:
    job = Job(tmp_path)
    before = gitops.head()
    environment, steps = job_steps(
        "promote-production", {"tag": "never-staged", "repo": gitops.url}, orb)
    done = job.run(promoter_step(steps), environment)
    assert done.returncode == 3, done.stdout + done.stderr
    assert gitops.head() == before


def test_command_parameters_become_promoter_options(
    orb: dict[str, Any], gitops: GitOps, tmp_path: Path
) -> None:
    job = Job(tmp_path)
    job.env.update(GITOPS_REPO_URL=gitops.url, BUILD="abcdef1")
    before = gitops.head()
    [step] = command_steps("set-image", {
        "environment": "staging", "images": "web=${BUILD}", "dry-run": True, "skip-ci": False,
        "message": "why: $BUILD", "max-attempts": 3, "branch": "main"}, orb)
    done = job.run(step)
    assert done.returncode == 0, done.stderr
    assert ("promoter set-image staging web=abcdef1 --repo " + gitops.url +
            " --branch main --dry-run --message why:\\ abcdef1 --max-attempts 3\n") in done.stdout
    assert "abcdef1" in done.stdout and gitops.head() == before  # a dry run pushes nothing

    clone = gitops.clone()  # --no-push: a local working copy keeps the commit
    [step] = command_steps("promote", {
        "environment": "production", "images": "web", "from": "staging", "push": False,
        "pr": False, "debug": True, "repo": str(clone), "wait": True, "timeout": "15m",
        "interval": "0.5"}, orb)
    done = job.run(step)
    assert done.returncode == 0, done.stderr
    assert (f"promoter promote production --image web --from staging --wait --timeout 15m "
            f"--interval 0.5 --repo {clone} --no-push --skip-ci --max-attempts 10 --debug\n"
            ) in done.stdout


@pytest.mark.parametrize(("given", "message"), [
    ({"environment": "staging", "images": ""}, "set-image needs images"),
    ({"environment": "$NOWHERE", "images": "web=1"}, "ENVIRONMENT is '$NOWHERE', which is empty"),
    ({"environment": "staging", "images": "web=1", "repo": "${UNSET_REPO}"},
     "REPO is '${UNSET_REPO}', which is empty here: set the variable"),
])
def test_an_empty_or_unset_parameter_is_a_usage_error(
    orb: dict[str, Any], tmp_path: Path, given: dict[str, Any], message: str
) -> None:
    [step] = command_steps("set-image", given, orb)
    done = Job(tmp_path).run(step)
    assert done.returncode == 2
    assert done.stderr.startswith(f"promoter orb: {message}")
    assert len(done.stderr.splitlines()) == 1
    assert done.stdout == ""


def test_check_pipeline_command_lints_the_config(orb: dict[str, Any], tmp_path: Path) -> None:
    job = Job(tmp_path)
    [step] = command_steps("check-pipeline", {}, orb)
    done = job.run(step, cwd=PROJECT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("promoter check-pipeline .circleci/config.yml\n")
    config = (PROJECT / ".circleci" / "config.yml").read_text(encoding="utf-8")
    broken = tmp_path / "config.yml"
    approval = "          requires:\n            - request_prod\n"
    assert approval in config
    broken.write_text(config.replace(approval, approval.replace("request_prod", "promote-staging")))
    [step] = command_steps("check-pipeline", {"file": str(broken)}, orb)
    assert job.run(step).returncode == 4


def kubectl_steps(orb: dict[str, Any], **given: Any) -> RunStep:
    [step] = [s for s in command_steps("install", given, orb) if "KUBECTL" in s.name.upper()]
    return step


def test_install_checks_kubectl_against_its_sha256(orb: dict[str, Any], tmp_path: Path) -> None:
    job = Job(tmp_path, curl=CURL)
    binary = b"#!/bin/sh\necho 'Client Version: v1.32.4'\n"
    (tmp_path / "served" / "kubectl").write_bytes(binary)
    digest = hashlib.sha256(binary).hexdigest()
    (tmp_path / "served" / "kubectl.sha256").write_text(digest)
    installed = tmp_path / "home" / ".promoter" / "bin" / "kubectl"

    done = job.run(kubectl_steps(orb, **{"kubectl-sha256": "0" * 64}))
    assert done.returncode != 0 and "FAILED" in done.stdout + done.stderr
    assert not installed.exists()

    done = job.run(kubectl_steps(orb))  # the checksum dl.k8s.io publishes
    assert done.returncode == 0, done.stderr
    assert installed.read_bytes() == binary
    assert "Client Version: v1.32.4" in done.stdout
    assert job.bash_env.read_text() == 'export PATH="$HOME/.promoter/bin:$PATH"\n'
    assert (tmp_path / "curl.log").read_text().splitlines()[-2:] == [
        f"https://dl.k8s.io/release/v1.32.4/bin/linux/{arch}/kubectl{suffix}"
        for arch in [{"x86_64": "amd64"}.get(os.uname().machine, "arm64")]
        for suffix in ("", ".sha256")]
    without = command_steps("install", {"kubectl": False}, orb)
    assert [step.name for step in without] == ["Install promoter"]


def promoter_install(orb: dict[str, Any], **given: Any) -> RunStep:
    return command_steps("install", {"kubectl": False, **given}, orb)[0]


def test_install_takes_promoter_from_a_checked_wheel_a_spec_or_the_release_tag(
    orb: dict[str, Any], tmp_path: Path
) -> None:
    job = Job(tmp_path, curl=CURL, python3=PYTHON3)
    wheel = b"not really a zip"
    (tmp_path / "served" / "promoter-9.9.9-py3-none-any.whl").write_bytes(wheel)
    url = "https://example.invalid/v9.9.9/promoter-9.9.9-py3-none-any.whl"
    venv = tmp_path / "home" / ".promoter"

    done = job.run(promoter_install(orb, **{"wheel-url": url}))
    assert done.returncode == 2 and "wheel-url needs wheel-sha256" in done.stderr
    done = job.run(promoter_install(orb, **{"wheel-url": url, "wheel-sha256": "0" * 64}))
    assert done.returncode != 0 and not venv.exists()  # refused before anything is installed

    done = job.run(promoter_install(
        orb, **{"wheel-url": url, "wheel-sha256": hashlib.sha256(wheel).hexdigest()}))
    assert done.returncode == 0, done.stderr
    installed = (tmp_path / "pip.log").read_text().splitlines()
    assert installed[-1].startswith("install --quiet /")
    assert installed[-1].endswith("/promoter-9.9.9-py3-none-any.whl")
    assert job.bash_env.read_text() == f'export PATH="{venv}/bin:$PATH"\n'

    for given, requirement in [
        ({"spec": "promoter==9.9.9"}, "promoter==9.9.9"),
        ({}, f"promoter @ git+https://github.com/example-org/promoter@v{promoter.__version__}"),
    ]:
        shutil.rmtree(venv)
        done = job.run(promoter_install(orb, **given))
        assert done.returncode == 0, done.stderr
        assert (tmp_path / "pip.log").read_text().splitlines()[-1] == \
            f"install --quiet {requirement}"


@pytest.mark.parametrize("example", sorted(packed()["examples"]))
def test_check_pipeline_passes_the_orb_examples(
    example: str, gitops: GitOps, tmp_path: Path
) -> None:
    config = tmp_path / "config.yml"
    config.write_text(example_usage(example), encoding="utf-8")
    done = gitops.run("check-pipeline", str(config))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_logged_command_line_shows_no_credentials(
    orb: dict[str, Any], tmp_path: Path
) -> None:
    [step] = command_steps("set-image", {
        "environment": "staging", "images": "web=abcdef1", "dry-run": True,
        "repo": "https://ci-bot:$GIT_TOKEN@127.0.0.1:9/org/gitops.git"}, orb)
    job = Job(tmp_path)
    job.env["GIT_TOKEN"] = "s3cret-token"
    done = job.run(step)
    assert done.returncode == 5, done.stdout + done.stderr
    assert "promoter set-image staging web=abcdef1 --repo https://***@127.0.0.1:9/" in done.stdout
    assert "s3cret" not in done.stdout + done.stderr
