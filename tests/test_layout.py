"""The layout rules of the code base, checked on every run: rooms small enough to read, one
process runner."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "promoter"
MODULE_LINES = 400
FUNCTION_LINES = 40
SOURCES = sorted(PACKAGE.rglob("*.py"))


def _rel(path: Path) -> str:
    return path.relative_to(PACKAGE.parent).as_posix()


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_module_size(path: Path) -> None:
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= MODULE_LINES, f"{_rel(path)} has {lines} lines; split it by job"


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            assert node.end_lineno is not None
            length = node.end_lineno - node.lineno + 1
            if length > FUNCTION_LINES:
                found.append(f"{_rel(path)}:{node.lineno} {node.name} ({length} lines)")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_function_size(path: Path) -> None:
    assert _long_functions(path) == []


_SUBPROCESS = re.compile(r"^\s*(?:import subprocess|from subprocess import)|\bos\.(?:system|"
                         r"popen|exec\w*|spawn\w*|fork)\b", re.MULTILINE)
_GITPYTHON_COMMAND = re.compile(r"\.git\.\w+\(|\bGit\(|\bexecute\(")


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_one_process_runner(path: Path) -> None:
    """Only promoter/process.py starts processes; GitPython is not a second runner."""
    if _rel(path) == "promoter/process.py":
        return
    text = path.read_text(encoding="utf-8")
    assert not _SUBPROCESS.search(text), f"{_rel(path)} starts a process outside the runner"
    assert not _GITPYTHON_COMMAND.search(text), f"{_rel(path)} runs git through GitPython"


def test_no_shell() -> None:
    for path in SOURCES:
        assert "shell=True" not in path.read_text(encoding="utf-8"), _rel(path)
