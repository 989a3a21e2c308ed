"""promoter.filesession: a file a change adds, replaces or removes, put back on every way out."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.errors import ContentError
from promoter.filesession import file_session

LABEL = ".promoter/holds/production.yaml"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    return repo


def test_a_new_file_and_its_folders_are_removed_again_unless_kept(root: Path) -> None:
    with file_session(root, LABEL) as session:
        edit = session.apply("reason: x\n")
        assert (root / LABEL).read_text() == "reason: x\n"
        assert (edit.before, edit.after, edit.label, edit.changed) == ("", "reason: x\n", LABEL,
                                                                       True)
    assert not (root / ".promoter").exists()
    with file_session(root, LABEL) as session:
        session.apply("reason: x\n")
        session.keep()
    assert (root / LABEL).read_text() == "reason: x\n"


def test_an_exception_restores_a_removed_file_byte_for_byte(root: Path) -> None:
    path = root / LABEL
    path.parent.mkdir(parents=True)
    path.write_bytes(b"reason: x\r\n")
    with pytest.raises(KeyboardInterrupt), file_session(root, LABEL) as session:
        edit = session.apply(None)
        assert not path.exists()
        assert (edit.before, edit.after, edit.changed) == ("reason: x\r\n", "", True)
        raise KeyboardInterrupt
    assert path.read_bytes() == b"reason: x\r\n"


def test_a_replaced_file_is_restored_and_folders_that_existed_stay(root: Path) -> None:
    path = root / LABEL
    path.parent.mkdir(parents=True)
    path.write_text("reason: old\n")
    with file_session(root, LABEL) as session:
        session.apply("reason: new\n")
    assert path.read_text() == "reason: old\n"
    with file_session(root, LABEL) as session:
        assert not session.apply("reason: old\n").changed


def test_removing_a_missing_file_changes_nothing(root: Path) -> None:
    with file_session(root, LABEL) as session:
        assert not session.apply(None).changed
    assert not (root / ".promoter").exists()


@pytest.mark.parametrize("link", [".promoter", ".promoter/holds", LABEL])
def test_nothing_is_written_through_a_link(root: Path, tmp_path: Path, link: str) -> None:
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / "holds").mkdir(parents=True)
    (root / link).parent.mkdir(parents=True, exist_ok=True)
    (root / link).symlink_to(root / "inside" if link == LABEL else elsewhere)
    with pytest.raises(ContentError, match="symbolic link"):
        file_session(root, LABEL).__enter__()
    assert list((elsewhere / "holds").iterdir()) == []


def test_a_folder_in_the_way_is_refused(root: Path) -> None:
    (root / LABEL).mkdir(parents=True)
    with pytest.raises(ContentError, match=f"{LABEL} is not a file"):
        file_session(root, LABEL).__enter__()


def test_a_path_leaving_the_repository_is_refused(root: Path) -> None:
    with pytest.raises(ContentError, match="outside the repository"):
        file_session(root, "../escape.yaml").__enter__()
