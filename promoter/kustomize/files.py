"""Kustomization files on disk: finding an overlay's one file, reading it exactly, replacing it
atomically, and FileEdit (its text before and after an edit, with a unified diff).

Files are named in errors and diffs by a label, their path relative to the repository, so that no
message shows a temporary clone's path. Every path is checked by promoter.containment: nothing
is read through a symbolic link that leaves the repository, nothing written through any link.
"""

from __future__ import annotations

import contextlib
import difflib
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from promoter.containment import confined, refuse_links
from promoter.errors import KustomizationError
from promoter.yamlbounds import read_bounded

KUSTOMIZATION_NAMES = ("kustomization.yaml", "kustomization.yml", "Kustomization")


def find_kustomization(root: Path, overlay: str) -> str:
    """The repository-relative path of the one kustomization file of the overlay directory
    `overlay` (relative to root). ContentError when the folder or the file is, or passes
    through, a symbolic link that leaves the repository."""
    directory = confined(root, overlay, unreadable=KustomizationError)
    try:
        return _the_one_file(root, overlay, directory)
    except OSError as exc:
        raise KustomizationError(f"cannot look at {overlay}: {exc.strerror or exc}",
                                 hint="check the path and the permissions of its folders") from exc


def _the_one_file(root: Path, overlay: str, directory: Path) -> str:
    for name in KUSTOMIZATION_NAMES:
        if (directory / name).is_symlink():
            confined(root, PurePosixPath(overlay, name).as_posix())
    if not directory.is_dir():
        raise KustomizationError(
            f"overlay directory {overlay} does not exist", hint="check the overlay path"
        )
    found = [name for name in KUSTOMIZATION_NAMES if (directory / name).is_file()]
    if not found:
        raise KustomizationError(
            f"no kustomization file in {overlay}",
            hint=f"expected one of {', '.join(KUSTOMIZATION_NAMES)}",
        )
    if len(found) > 1:
        raise KustomizationError(
            f"{overlay} has more than one kustomization file ({', '.join(found)}); "
            "kustomize refuses that too",
            hint="keep only one of them",
        )
    return PurePosixPath(overlay, found[0]).as_posix()


def read_file(path: Path, *, label: str) -> str:
    """A kustomization file's text, exactly: UTF-8 without newline translation (CRLF stays).
    `label` names it in errors (a repository-relative path). A file that cannot be read, or is
    over promoter.yamlbounds.MAX_BYTES, raises KustomizationError."""
    raw = read_bounded(path, label, KustomizationError, hint="check the overlay path")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise KustomizationError(
            f"{label} is not UTF-8 text (byte {exc.start})", hint="save it as UTF-8"
        ) from exc


def holds(path: Path, data: bytes) -> bool:
    """True when the file at path holds exactly data (False when it is gone or unreadable)."""
    try:
        return path.read_bytes() == data
    except OSError:
        return False


def write_atomic(path: Path, data: bytes, *, label: str) -> None:
    """Replace path's content via a temporary file in the same directory; keep its mode.
    `label` is its repository-relative path: it names the file in errors, and no part of it may
    be a symbolic link (ContentError: promoter never writes through one)."""
    refuse_links(path, label)
    target = path
    try:
        mode = stat.S_IMODE(target.stat().st_mode)
    except FileNotFoundError:
        mode = 0o644
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise KustomizationError(
            f"cannot write {label}: {exc.strerror}", hint="check the directory's permissions"
        ) from exc
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    _fsync_directory(target.parent)


def _fsync_directory(directory: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


@dataclass(frozen=True)
class FileEdit:
    """A kustomization file's text before and after an edit. `label` is its repository-relative
    path (for the diff); `path` where it is on disk."""

    path: Path
    before: str
    after: str
    label: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    def diff(self) -> str:
        """Unified diff labelled a/LABEL and b/LABEL."""
        lines = difflib.unified_diff(
            _lines(self.before),
            _lines(self.after),
            fromfile=f"a/{self.label}",
            tofile=f"b/{self.label}",
        )
        marker = "\n\\ No newline at end of file\n"
        return "".join(line if line.endswith("\n") else line + marker for line in lines)


def _lines(text: str) -> list[str]:
    """Lines split on LF only (str.splitlines would also split on CR, VT, U+2028...)."""
    return re.findall(r"[^\n]*\n|[^\n]+", text)
