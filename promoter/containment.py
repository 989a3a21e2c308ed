"""Containment: promoter reads and writes only files inside the repository, and never writes
through a symbolic link.

`confined` is for reading: a path that is, or passes through, a symbolic link leaving the
repository is refused. `refuse_links` is for writing: any symbolic link on the way is refused,
even one that stays inside (it would let one overlay's edit change another's file). Both raise
ContentError (exit 4) naming the link, as a repository-relative path, and its target as written.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePosixPath

from promoter.errors import ContentError, PromoterError

_READ_HINT = ("promoter reads and writes only files inside the repository: commit the file or "
              "folder itself instead of the link")
_WRITE_HINT = ("promoter never writes through a symbolic link: commit the file itself in place "
               "of the link")


def confined(root: Path, rel: str, *,
             unreadable: type[PromoterError] = ContentError) -> Path:
    """root / rel, after checking that no symbolic link on the way leads out of the repository
    at root (and that rel itself does not, with `..`). `rel` is repository-relative (posix).
    A path that cannot even be looked at (too long, a folder promoter may not search) raises
    `unreadable`."""
    try:
        return _confined(root, rel)
    except OSError as exc:
        raise unreadable(f"cannot look at {rel}: {exc.strerror or type(exc).__name__}",
                         hint="check the path and the permissions of its folders") from exc


def _confined(root: Path, rel: str) -> Path:
    real_root = Path(os.path.realpath(root))
    parts = PurePosixPath(rel).parts
    current = root
    for index, part in enumerate(parts):
        current = current / part
        if current.is_symlink() and not _inside(current, real_root):
            raise _link_error(rel, parts[: index + 1], current, "outside the repository",
                              _READ_HINT)
    if not _inside(root / rel, real_root):
        raise ContentError(f"{rel} is outside the repository", hint=_READ_HINT)
    return root / rel


def refuse_links(path: Path, label: str) -> None:
    """Refuse to write path when it, or a folder on the way to it from the repository root, is a
    symbolic link. `label` is path relative to the root (posix): the folders it names are
    checked (only path itself when path does not end with label)."""
    parts = PurePosixPath(label).parts
    if not parts or path.parts[-len(parts):] != parts:
        parts = (label,)
    base = path
    for _ in parts:
        base = base.parent
    current = base
    for index, part in enumerate(parts):
        current = path if index == len(parts) - 1 else current / part
        if current.is_symlink():
            raise _link_error(label, parts[: index + 1], current, "and promoter does not write "
                              "through symbolic links", _WRITE_HINT)


def _inside(path: Path, real_root: Path) -> bool:
    return Path(os.path.realpath(path)).is_relative_to(real_root)


def _link_error(rel: str, link_parts: tuple[str, ...], link: Path, why: str,
                hint: str) -> ContentError:
    name = PurePosixPath(*link_parts).as_posix()
    try:
        target = os.readlink(link)
    except OSError:
        target = "?"
    if name == PurePosixPath(rel).as_posix():
        return ContentError(f"{name} is a symbolic link to {target}, {why}", hint=hint)
    return ContentError(f"{rel} passes through {name}, a symbolic link to {target}, {why}",
                        hint=hint)
