"""The edit session and edit_images: what is written, and the original bytes back on failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.errors import KustomizationError, UsageError
from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.session import EditSession, edit_images, edit_session

LABEL = "overlays/staging/kustomization.yaml"
# BOM, CRLF, no final newline: the restore must be byte-exact
ORIGINAL = "\ufeff# staging\r\nimages:\r\n- name: web\r\n  newTag: v0"
EDITED = "images:\n- name: web\n  newTag: v1\n"


def write(path: Path, text: str) -> bytes:
    path.write_bytes(text.encode("utf-8"))
    return path.read_bytes()


def test_edit_images_writes_and_reports(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, "resources:\r\n- a.yaml\r\nimages:\r\n- name: web\r\n  newTag: v0\r\n")
    edit = edit_images(
        path, [parse_image_arg("web=1234567"), parse_image_arg("api:v2")], label=LABEL
    )
    assert edit.changed
    expected = (
        "resources:\r\n- a.yaml\r\nimages:\r\n- name: web\r\n"
        '  newTag: "1234567"\r\n- name: api\r\n  newTag: v2\r\n'
    )
    assert path.read_bytes() == expected.encode()
    assert edit.after == expected
    again = edit_images(path, [parse_image_arg("web=1234567")], label=LABEL)
    assert not again.changed
    assert again.diff() == ""


def test_edit_images_dry_run_leaves_file(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, "images:\n- name: web\n  newTag: v0\n")
    edit = edit_images(path, [parse_image_arg("web=v1")], label=LABEL, dry_run=True)
    assert edit.changed
    assert path.read_bytes() == before


def test_edit_images_without_changes_is_a_usage_error(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, "resources: []\n")
    with pytest.raises(UsageError):
        edit_images(path, [], label=LABEL)


@pytest.mark.parametrize(
    "text",
    [
        "images: [\n",
        "images:\n- name: web\nimages: []\n",
        "images: web\n",
        "images:\n- name: web\n  newTag: &t v1\n",
        "tag: &t v1\nimages:\n- name: web\n  newTag: *t\n",
        "a: 1\n---\nb: 2\n",
    ],
    ids=["malformed", "duplicate-key", "not-a-list", "anchor", "alias", "two-documents"],
)
def test_edit_errors_leave_file_byte_identical(tmp_path: Path, text: str) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, text)
    with pytest.raises(KustomizationError):
        edit_images(path, [parse_image_arg("web=v2")], label=LABEL)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kustomization.yaml"]


def test_edit_images_rejects_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_bytes(b"images: []\nnamePrefix: \xff\n")
    with pytest.raises(KustomizationError, match="not UTF-8"):
        edit_images(path, [parse_image_arg("web=v2")], label=LABEL)
    assert path.read_bytes() == b"images: []\nnamePrefix: \xff\n"


def test_edit_images_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match=f"cannot read {LABEL}"):
        edit_images(tmp_path / "kustomization.yaml", [parse_image_arg("web=v2")], label=LABEL)


def test_edit_images_errors_name_the_label(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, "images: web\n")
    with pytest.raises(KustomizationError) as caught:
        edit_images(path, [parse_image_arg("web=v2")], label=LABEL)
    assert str(caught.value).startswith(f"{LABEL}:1: `images` is not a list")
    assert str(tmp_path) not in str(caught.value)


# --- the edit session --------------------------------------------------------------------------


class FailedVerification(Exception):
    """Stands in for a render that does not show the change."""


def test_session_restores_the_original_bytes_after_a_failing_verification(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, ORIGINAL)
    with pytest.raises(FailedVerification), edit_session(path, label=LABEL) as session:
        assert session.before == ORIGINAL
        session.write(EDITED)
        assert path.read_bytes() == EDITED.encode()
        raise FailedVerification
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kustomization.yaml"]


def test_session_keeps_the_edit_after_keep(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, ORIGINAL)
    with edit_session(path, label=LABEL) as session:
        session.write(EDITED)
        session.keep()
    assert session.kept
    assert path.read_bytes() == EDITED.encode()


def test_session_keeps_the_edit_when_a_failure_comes_after_keep(tmp_path: Path) -> None:
    """keep() marks the commit point: what fails later (a push) does not undo the file."""
    path = tmp_path / "kustomization.yaml"
    write(path, ORIGINAL)
    with pytest.raises(FailedVerification), edit_session(path, label=LABEL) as session:
        session.write(EDITED)
        session.keep()
        raise FailedVerification
    assert path.read_bytes() == EDITED.encode()


def test_session_restores_on_keyboard_interrupt(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, ORIGINAL)
    with pytest.raises(KeyboardInterrupt), edit_session(path, label=LABEL) as session:
        session.write(EDITED)
        raise KeyboardInterrupt
    assert path.read_bytes() == before


def test_session_left_without_keep_restores(tmp_path: Path) -> None:
    """A preview: edit, look, leave; nothing stays."""
    path = tmp_path / "kustomization.yaml"
    before = write(path, ORIGINAL)
    with edit_session(path, label=LABEL) as session:
        session.write(EDITED)
    assert path.read_bytes() == before


def test_nested_sessions_the_outer_one_restores_what_the_inner_one_kept(tmp_path: Path) -> None:
    """The edit is kept by the verifying session; a failing commit around it still restores."""
    path = tmp_path / "kustomization.yaml"
    before = write(path, ORIGINAL)
    with pytest.raises(FailedVerification), edit_session(path, label=LABEL):
        with edit_session(path, label=LABEL) as inner:
            inner.write(EDITED)
            inner.keep()
        assert path.read_bytes() == EDITED.encode()
        raise FailedVerification  # the commit failed
    assert path.read_bytes() == before


def test_restore_writes_nothing_when_the_file_holds_the_original(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    write(path, ORIGINAL)
    inode = path.stat().st_ino
    with edit_session(path, label=LABEL):
        pass
    assert path.stat().st_ino == inode  # write_atomic would have replaced the file


def test_restore_brings_back_a_deleted_file(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    before = write(path, ORIGINAL)
    session = EditSession(path, label=LABEL)
    path.unlink()
    session.restore()
    assert path.read_bytes() == before


def test_session_on_an_unreadable_file_names_the_label(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError) as caught:
        EditSession(tmp_path / "kustomization.yaml", label=LABEL)
    assert f"cannot read {LABEL}" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)
