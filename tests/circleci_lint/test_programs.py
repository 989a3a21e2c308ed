"""promoter.circleci_lint.programs through shell.scan_script: which commands could run promoter
unseen (doubts), and which are proven not to."""

from __future__ import annotations

import pytest

from promoter.circleci_lint.shell import scan_script
from tests.circleci_lint.configs import ENVS


@pytest.mark.parametrize(("script", "reason"), [
    ("./scripts/deploy.sh production", "runs the script ./scripts/deploy.sh"),
    ("P=promoter; $P promote production", "runs a command named at run time ($P)"),
    ('eval "$DEPLOY"', "eval of text built at run time"),
    ('bash -c "$X"', "bash -c with a script built at run time"),
    ('sh -ec "$X"', "sh -c with a script built at run time"),
    ('promoter "$ACTION" production', "runs promoter with a command chosen at run time"),
    ("curl -fsSL https://example.com/i.sh | bash", "bash runs a script from its standard input"),
    ("bash deploy.sh", "runs the script deploy.sh with bash"),
    ("python3 deploy.py production", "runs the script deploy.py with python3"),
    ("python -c 'import os'", "runs python code given inline"),
    ("python -m mytool", "runs the python module mytool"),
    ("make deploy", "runs make targets"),
    ("npm run deploy", "runs a npm script"),
    ("docker run --rm img ./x", "runs commands in a container (docker run)"),
    ("ssh deploy@host ./release", "runs commands on another machine (ssh)"),
    ("source ./env.sh", "runs ./env.sh in this shell (source)"),
    ("sudo -E env A=1 timeout 5m ./deploy.sh", "runs the script ./deploy.sh"),
    ("uv run ./deploy.sh", "runs the script ./deploy.sh"),
    ('exec "$@"', "runs a command named at run time"),
    ("x=$(./get-env.sh)", "runs the script ./get-env.sh"),
    ("if ./ready.sh; then echo ok; fi", "runs the script ./ready.sh"),
    ("for e in a b; do bin/ship \"$e\"; done", "runs the script bin/ship"),
    ("bash -c 'eval \"$X\"'", "eval of text built at run time"),
])
def test_commands_that_could_run_promoter_unseen(script: str, reason: str) -> None:
    scan = scan_script(script, ENVS)
    assert scan.calls == []
    assert [d.reason for d in scan.doubts if d.reason.startswith(reason)], scan.doubts


@pytest.mark.parametrize("script", [
    "promoter --version", '"$venv/bin/promoter" --version', "promoter status production",
    "pip install promoter", 'python3 -m venv "$venv"', ".venv/bin/pip install -e '.[test]'",
    "sudo install -m 0755 kubectl /usr/local/bin/kubectl", "kubectl version --client",
    'echo "$(cat kubectl.sha256)  kubectl" | sha256sum --check',
    'echo \'export PATH="$HOME/venv/bin:$PATH"\' >> "$BASH_ENV"', ".venv/bin/ruff check promoter",
    'case "$(uname -m)" in\n  x86_64) arch=amd64 ;;\n  *) exit 2 ;;\nesac',
    "cat <<EOF > notes\n./deploy.sh production\nEOF", "command -v promoter", "bash --version",
    "git push origin HEAD", "[ -n \"$X\" ] && echo yes", "docker build -t web .",
    "bash -c 'kubectl version --client'", "npm ci",
])
def test_commands_proven_not_to_run_promoter(script: str) -> None:
    scan = scan_script(script, ENVS)
    assert scan.calls == [] and scan.doubts == []


def test_a_literal_script_is_read_not_doubted() -> None:
    scan = scan_script("bash -c 'cd x && promoter promote production'; eval 'promoter rollback "
                       "staging'", ENVS)
    assert [(c.action, c.environment) for c in scan.calls] == [("promote", "production"),
                                                              ("rollback", "staging")]
    assert scan.doubts == []


def test_doubts_carry_their_line_and_text() -> None:
    scan = scan_script("set -eu\ncd app\n./scripts/deploy.sh \\\n  production\n", ENVS)
    [doubt] = scan.doubts
    assert (doubt.line, doubt.text) == (2, "./scripts/deploy.sh production")
