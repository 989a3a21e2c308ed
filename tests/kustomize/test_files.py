"""Kustomization files on disk: finding, reading, atomic writes, diffs; every error names the file
by its repository-relative label."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from promoter.errors import ContentError, KustomizationError
from promoter.kustomize.files import (
    KUSTOMIZATION_NAMES,
    FileEdit,
    find_kustomization,
    read_file,
    write_atomic,
)

OVERLAY = "overlays/staging"
LABEL = "overlays/staging/kustomization.yaml"


def test_diff_labels_and_missing_final_newline() -> None:
    label = "envs/staging/kustomization.yaml"
    edit = FileEdit(Path("/x/k.yaml"), "a: 1\nb: 2", "a: 1\nb: 3", label)
    assert edit.diff() == (
        "--- a/envs/staging/kustomization.yaml\n"
        "+++ b/envs/staging/kustomization.yaml\n"
        "@@ -1,2 +1,2 @@\n"
        " a: 1\n"
        "-b: 2\n"
        "\\ No newline at end of file\n"
        "+b: 3\n"
        "\\ No newline at end of file\n"
    )


def test_unchanged_edit_has_no_diff() -> None:
    edit = FileEdit(Path("/x/k.yaml"), "a: 1\n", "a: 1\n", LABEL)
    assert not edit.changed
    assert edit.diff() == ""


def test_write_atomic_keeps_mode_and_replaces_content(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_bytes(b"old\n")
    os.chmod(path, 0o640)
    write_atomic(path, b"new\r\n", label=LABEL)
    assert path.read_bytes() == b"new\r\n"
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kustomization.yaml"]


def test_write_atomic_never_writes_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_bytes(b"old\n")
    link = tmp_path / "kustomization.yaml"
    link.symlink_to(real)
    with pytest.raises(ContentError, match="does not write through symbolic links") as caught:
        write_atomic(link, b"new\n", label=LABEL)
    assert f"{LABEL} is a symbolic link to {real}" in str(caught.value)
    assert link.is_symlink()
    assert real.read_bytes() == b"old\n"


def test_write_atomic_refuses_a_folder_link_on_the_way(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    real = tmp_path / "shared" / "kustomization.yaml"
    real.write_bytes(b"old\n")
    (tmp_path / "overlays").mkdir()
    (tmp_path / OVERLAY).symlink_to("../shared")
    with pytest.raises(ContentError) as caught:
        write_atomic(tmp_path / LABEL, b"new\n", label=LABEL)
    assert str(caught.value).startswith(
        f"{LABEL} passes through {OVERLAY}, a symbolic link to ../shared, and promoter does not "
        "write through symbolic links")
    assert real.read_bytes() == b"old\n"


def test_find_kustomization_reads_through_a_link_inside_the_repository(tmp_path: Path) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "overlays").mkdir()
    (tmp_path / OVERLAY).symlink_to("../shared")
    assert find_kustomization(tmp_path, OVERLAY) == LABEL


@pytest.mark.parametrize("linked", ["file", "folder", "parent"])
def test_find_kustomization_refuses_a_link_leaving_the_repository(tmp_path: Path,
                                                                   linked: str) -> None:
    repo, outside = tmp_path / "repo", tmp_path / "outside"
    outside.mkdir()
    (outside / "kustomization.yaml").write_text("resources: []\n")
    (repo / "overlays").mkdir(parents=True)
    if linked == "file":
        (repo / OVERLAY).mkdir()
        (repo / LABEL).symlink_to(outside / "kustomization.yaml")
        link = LABEL
    elif linked == "folder":
        (repo / OVERLAY).symlink_to(outside)
        link = OVERLAY
    else:
        (repo / "overlays").rmdir()
        (outside / "staging").mkdir()
        (repo / "overlays").symlink_to(outside)
        link = "overlays"
    with pytest.raises(ContentError) as caught:
        find_kustomization(repo, OVERLAY)
    assert caught.value.exit_code == 4
    assert f"{link}, a symbolic link to {outside}" in str(caught.value) or (
        f"{link} is a symbolic link to {outside}" in str(caught.value))
    assert "outside the repository" in str(caught.value)


def test_write_atomic_error_names_the_label(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError) as caught:
        write_atomic(tmp_path / "absent" / "kustomization.yaml", b"x\n", label=LABEL)
    assert f"cannot write {LABEL}" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)


def test_read_file_keeps_every_byte(tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_bytes(b"\xef\xbb\xbfimages: []\r\n")
    assert read_file(path, label=LABEL) == "\ufeffimages: []\r\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, f"cannot read {LABEL}"), (b"a: \xff\n", f"{LABEL} is not UTF-8 text (byte 3)")],
)
def test_read_file_errors_name_the_label(
    tmp_path: Path, content: bytes | None, message: str
) -> None:
    path = tmp_path / "kustomization.yaml"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(KustomizationError) as caught:
        read_file(path, label=LABEL)
    assert message in str(caught.value)
    assert str(tmp_path) not in str(caught.value)


@pytest.mark.parametrize("name", KUSTOMIZATION_NAMES)
def test_find_kustomization_each_name(tmp_path: Path, name: str) -> None:
    (tmp_path / OVERLAY).mkdir(parents=True)
    (tmp_path / OVERLAY / name).write_text("resources: []\n")
    assert find_kustomization(tmp_path, OVERLAY) == f"{OVERLAY}/{name}"


def test_find_kustomization_at_the_root(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    assert find_kustomization(tmp_path, ".") == "kustomization.yaml"


def test_find_kustomization_none(tmp_path: Path) -> None:
    (tmp_path / OVERLAY).mkdir(parents=True)
    (tmp_path / OVERLAY / "deployment.yaml").write_text("kind: Deployment\n")
    with pytest.raises(KustomizationError, match=f"no kustomization file in {OVERLAY} "):
        find_kustomization(tmp_path, OVERLAY)


def test_find_kustomization_two(tmp_path: Path) -> None:
    (tmp_path / "kustomization.yaml").write_text("resources: []\n")
    (tmp_path / "Kustomization").write_text("resources: [b.yaml]\n")
    with pytest.raises(KustomizationError, match="more than one") as caught:
        find_kustomization(tmp_path, ".")
    assert "kustomization.yaml, Kustomization" in str(caught.value)
    assert (tmp_path / "kustomization.yaml").read_bytes() == b"resources: []\n"
    assert (tmp_path / "Kustomization").read_bytes() == b"resources: [b.yaml]\n"


def test_find_kustomization_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KustomizationError, match="does not exist") as caught:
        find_kustomization(tmp_path, "overlays/absent")
    assert "overlay directory overlays/absent does not exist" in str(caught.value)
    assert str(tmp_path) not in str(caught.value)


def test_read_file_refuses_a_file_over_one_mebibyte_without_reading_it_all(
        tmp_path: Path) -> None:
    path = tmp_path / "kustomization.yaml"
    with path.open("wb") as handle:  # sparse: 50 MiB on paper
        handle.truncate(50 << 20)
    with pytest.raises(KustomizationError) as caught:
        read_file(path, label=LABEL)
    assert caught.value.message == (f"{LABEL} is 52,428,800 bytes; promoter reads YAML files of "
                                    "at most 1 MiB (1,048,576 bytes)")


def test_read_file_permission_denied_is_a_kustomization_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kustomization.yaml"
    path.write_text("images: []\n")

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "open", denied)
    with pytest.raises(KustomizationError) as caught:
        read_file(path, label=LABEL)
    assert str(caught.value) == f"cannot read {LABEL}: Permission denied (check the overlay path)"
