"""Installable: the version comes from one place, and `python -m build` gives an sdist and a
wheel from which `promoter demo` runs anywhere.

The wheel test is the real thing: `python -m build` (sdist, then the wheel built FROM that sdist,
so both must carry the sample layout), a fresh venv, `pip install` of the wheel with its declared
dependencies (from the configured index, PyPI, or pip's cache), then `promoter demo --yes` from an
empty directory with CI=true and nothing of the checkout on the path.
"""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

import promoter
from promoter.cli import app
from promoter.kustomize.document import read_images

PROJECT = Path(__file__).resolve().parent.parent
SAMPLE = sorted(p.relative_to(PROJECT).as_posix()
                for p in (PROJECT / "overlays").rglob("*") if p.is_file())
SAMPLE_FILES = [*SAMPLE, "promoter.yaml"]


def run(argv: list[str], *, cwd: Path, env: dict[str, str] | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, check=False, timeout=timeout)
    assert done.returncode == 0, f"{argv}\n{done.stdout}\n{done.stderr}"
    return done


def clean_env(**extra: str) -> dict[str, str]:
    """The environment of a job that has never seen this checkout: no PROMOTER_* variables (no
    --source), no PYTHONPATH, no active venv."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PROMOTER_", "PYTHON", "VIRTUAL_ENV", "PIP_REQUIRE"))}
    return {**env, **extra}


def test_version_comes_from_one_place_and_promoter_version_shows_it() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    assert importlib.metadata.version("promoter") == promoter.__version__, (
        "the installed metadata is stale: pip install -e '.[test]' again")
    done = CliRunner().invoke(app, ["--version"])
    assert done.exit_code == 0
    assert done.output == f"promoter {promoter.__version__}\n"


def test_the_test_extra_can_build() -> None:
    project = tomllib.loads((PROJECT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert any(req.startswith("build") for req in project["optional-dependencies"]["test"])


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    pytest.importorskip("build", reason="the test extra's `build` is not installed")
    out = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "build", "--outdir", str(out), str(PROJECT)], cwd=out)
    return out


def only(folder: Path, pattern: str) -> Path:
    found = sorted(folder.glob(pattern))
    assert len(found) == 1, found
    return found[0]


def test_sdist_and_wheel_carry_the_sample_layout_once(dist: Path) -> None:
    version = promoter.__version__
    with tarfile.open(only(dist, f"promoter-{version}.tar.gz")) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    assert {*SAMPLE_FILES, "setup.py", "MANIFEST.in", "promoter/demo.py"} <= names
    with zipfile.ZipFile(only(dist, f"promoter-{version}-py3-none-any.whl")) as wheel:
        files = set(wheel.namelist())
        metadata = wheel.read(f"promoter-{version}.dist-info/METADATA").decode()
    assert {f"promoter/demo_data/{name}" for name in SAMPLE_FILES} <= files
    assert not any(name.startswith(("overlays/", "tests/")) for name in files)
    assert f"\nVersion: {version}\n" in metadata
    for module in PROJECT.joinpath("promoter").rglob("*.py"):
        assert module.relative_to(PROJECT).as_posix() in files


def deployed_tag(remote: Path, env: str) -> str | None:
    text = run(["git", "show", f"main:overlays/{env}/kustomization.yaml"], cwd=remote).stdout
    return next(entry.new_tag for entry in read_images(text) if entry.name == "web")


def test_the_wheel_runs_the_demo_from_an_empty_directory(dist: Path, tmp_path: Path) -> None:
    venv, empty, temp = tmp_path / "venv", tmp_path / "empty", tmp_path / "tmp"
    empty.mkdir()
    temp.mkdir()
    run([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    wheel = only(dist, "promoter-*.whl")
    run([str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", str(wheel)],
        cwd=tmp_path, env=clean_env())
    env = clean_env(CI="true", TMPDIR=str(temp))
    where = run([str(venv / "bin" / "python"), "-c", "import promoter; print(promoter.__file__)"],
                cwd=empty, env=env).stdout.strip()
    assert Path(where).is_relative_to(venv), where
    version = run([str(venv / "bin" / "promoter"), "--version"], cwd=empty, env=env).stdout
    assert version == f"promoter {promoter.__version__}\n"

    done = run([str(venv / "bin" / "promoter"), "demo", "--yes"], cwd=empty, env=env)
    assert "demo_data" in done.stdout.replace("\n", "")  # made from the packaged sample
    remote = only(temp, "promoter-demo-*") / "gitops.git"
    staging, production = deployed_tag(remote, "staging"), deployed_tag(remote, "production")
    assert staging is not None and staging == production
    assert list(empty.iterdir()) == []
