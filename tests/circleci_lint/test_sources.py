"""promoter.circleci_lint.sources: reading the CircleCI file and where the environments come
from."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.circleci_lint.sources import (
    CONVENTIONAL_SOURCES,
    check_pipeline_file,
    pipeline_sources,
)
from promoter.errors import ConfigError, ContentError, ExitCode, UsageError
from promoter.promotion import RepoOptions
from tests.circleci_lint.configs import CONFIG
from tests.hostile_yaml import oversized


def test_outside_a_repository_the_convention_applies(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    sources, where = pipeline_sources(RepoOptions())
    assert sources == CONVENTIONAL_SOURCES == {"staging": None, "production": "staging"}
    assert where.startswith("the convention (production from staging)")


def test_an_absolute_config_is_read_as_is(tmp_path: Path) -> None:
    config = tmp_path / "promoter.yaml"
    config.write_text("environments:\n  - {name: dev}\n  - {name: live, from: dev}\n")
    assert pipeline_sources(RepoOptions(config=str(config))) == (
        {"dev": None, "live": "dev"}, str(config))


def test_an_absolute_config_that_is_not_utf8_names_file_and_offset(tmp_path: Path) -> None:
    config = tmp_path / "promoter.yaml"
    config.write_bytes(b"environments:\n  - {name: d\xe9v}\n")
    with pytest.raises(ConfigError, match=r"promoter\.yaml: not UTF-8 text at byte offset 26"):
        pipeline_sources(RepoOptions(config=str(config)))


def test_the_file_is_checked_and_the_origin_of_the_environments_said(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    report = check_pipeline_file(RepoOptions(), str(CONFIG))
    assert report.ok, report.findings
    assert report.path == str(CONFIG)
    assert report.checked[0].startswith("environments from the convention")


def test_a_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="not found"):
        check_pipeline_file(RepoOptions(), str(tmp_path / "nope.yml"))


def test_a_file_that_is_not_utf8_is_a_content_error_naming_file_and_offset(
        tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_bytes(b"version: 2.1\n# caf\xe9\n")
    with pytest.raises(ContentError) as caught:
        check_pipeline_file(RepoOptions(), str(path))
    assert caught.value.message == (f"{path}: not UTF-8 text at byte offset 18 "
                                    "(invalid continuation byte)")
    assert caught.value.hint == "save the file as UTF-8"


def test_a_file_over_one_mebibyte_is_a_content_error(tmp_path: Path) -> None:
    path = tmp_path / "config.yml"
    path.write_text(oversized("version: 2.1\n"))
    with pytest.raises(ContentError) as caught:
        check_pipeline_file(RepoOptions(), str(path))
    assert caught.value.exit_code == ExitCode.INVALID
    assert caught.value.message == (f"{path} is 1,048,577 bytes; promoter reads YAML files of "
                                    "at most 1 MiB (1,048,576 bytes)")


def test_an_unreadable_file_is_a_content_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.yml"
    path.write_text("version: 2.1\n")

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(ContentError) as caught:
        check_pipeline_file(RepoOptions(), str(path))
    assert caught.value.exit_code == ExitCode.INVALID
    assert caught.value.message == f"cannot read {path}: Permission denied"


def test_a_path_that_cannot_be_looked_at_is_a_content_error(tmp_path: Path) -> None:
    with pytest.raises(ContentError) as caught:
        check_pipeline_file(RepoOptions(), str(tmp_path / ("x" * 5000)))
    assert caught.value.exit_code == ExitCode.INVALID
    assert caught.value.message.endswith(": File name too long")
