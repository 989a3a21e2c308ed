"""promoter/demo.py: where the demo finds its sample layout (the run itself: tests/e2e)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from promoter import demo
from promoter.errors import UsageError

PROJECT = Path(__file__).resolve().parent.parent


def sample_copy(root: Path) -> Path:
    shutil.copytree(PROJECT / "overlays", root / "overlays")
    shutil.copy2(PROJECT / "promoter.yaml", root / "promoter.yaml")
    return root


def test_a_checkout_reads_the_one_sample_at_its_root() -> None:
    assert not demo.PACKAGED_SAMPLE.exists(), "promoter/demo_data/ exists only in a build"
    assert demo.find_source() == PROJECT


def test_the_sample_shipped_in_the_package_comes_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "PACKAGED_SAMPLE", sample_copy(tmp_path / "demo_data"))
    assert demo.find_source() == tmp_path / "demo_data"


def test_an_installed_package_without_a_sample_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(demo, "PACKAGED_SAMPLE", tmp_path / "site-packages" / "demo_data")
    monkeypatch.setattr(demo, "CHECKOUT_SAMPLE", tmp_path / "site-packages")
    with pytest.raises(UsageError, match=r"has no overlays/ and promoter\.yaml") as caught:
        demo.find_source()
    assert "--source DIR" in (caught.value.hint or "")


def test_source_wins_and_must_hold_the_layout(tmp_path: Path) -> None:
    assert demo.find_source(sample_copy(tmp_path / "mine")) == tmp_path / "mine"
    with pytest.raises(UsageError, match=r"empty has no overlays/"):
        demo.find_source(tmp_path / "empty")
