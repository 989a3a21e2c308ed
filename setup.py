"""Build hook: ship the sample GitOps layout (overlays/, promoter.yaml) inside the package.

The repository keeps ONE copy of the sample, at its root, where the docs, the tests and a
checkout's `promoter demo` read it. `build_py` copies it into the built package as
promoter/demo_data/, so `promoter demo` works from a wheel installed anywhere. MANIFEST.in puts
the same files into the sdist, so a wheel built from the sdist has them too. Everything else
about the build is declared in pyproject.toml.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent
SAMPLE = ("overlays", "promoter.yaml")
TARGET = Path("promoter", "demo_data")


class BuildWithDemoData(build_py):
    """build_py, plus the sample layout copied to promoter/demo_data/ in the build."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # an editable install reads the checkout's own sample (promoter/demo.py)
        target = Path(self.build_lib) / TARGET
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name in SAMPLE:
            source = ROOT / name
            if not source.exists():
                raise FileNotFoundError(f"{source} is missing: the sdist must include {name}")
            if source.is_dir():
                shutil.copytree(source, target / name)
            else:
                shutil.copy2(source, target / name)

    def get_outputs(self, include_bytecode: bool = True) -> list[str]:
        target = Path(self.build_lib) / TARGET
        extra = [str(path) for path in sorted(target.rglob("*")) if path.is_file()]
        return [*super().get_outputs(include_bytecode), *extra]


setup(cmdclass={"build_py": BuildWithDemoData})
