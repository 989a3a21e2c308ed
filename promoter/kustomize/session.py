"""THE edit session: the one place that writes an edited kustomization file, and that puts its
original bytes back on every way out that did not keep the edit.

    with edit_session(path, label=rel) as session:
        session.write(edited)       # the file on disk now holds the edit
        verify_and_commit(...)      # anything raised here (Ctrl-C too) restores the original
        session.keep()              # the edit is committed: leaving the block keeps it

Leaving the block without keep(), by an exception or not, restores the original bytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from promoter.containment import refuse_links
from promoter.kustomize.entries import ImageChange
from promoter.kustomize.files import FileEdit, holds, read_file, write_atomic
from promoter.kustomize.splice import set_images_text


class EditSession:
    """One kustomization file under edit. `before` is its text when the session began (exactly:
    UTF-8, CRLF kept); `label` names it in errors (a repository-relative path). A file that is,
    or lies in a folder that is, a symbolic link is refused before anything is read or written."""

    def __init__(self, path: Path, *, label: str) -> None:
        refuse_links(path, label)
        self.path = path
        self.label = label
        self.before = read_file(path, label=label)
        self._kept = False

    @property
    def kept(self) -> bool:
        return self._kept

    def write(self, text: str) -> None:
        """Replace the file's content with text, atomically."""
        write_atomic(self.path, text.encode("utf-8"), label=self.label)

    def keep(self) -> None:
        """The edit stays: leaving the session no longer restores the original."""
        self._kept = True

    def restore(self) -> None:
        """Put the original bytes back (nothing is written when the file still holds them)."""
        original = self.before.encode("utf-8")  # read as strict UTF-8: these are its bytes
        if not holds(self.path, original):
            write_atomic(self.path, original, label=self.label)



@contextmanager
def edit_session(path: Path, *, label: str) -> Iterator[EditSession]:
    """An EditSession on path that restores the original bytes when the block is left without
    keep(): on any exception (KeyboardInterrupt included) and on a normal exit alike."""
    session = EditSession(path, label=label)
    try:
        yield session
    finally:
        if not session.kept:
            session.restore()


def edit_images(
    path: Path, changes: Sequence[ImageChange], *, label: str, dry_run: bool = False
) -> FileEdit:
    """Apply changes to one kustomization file; write it unless dry_run or unchanged."""
    with edit_session(path, label=label) as session:
        after = set_images_text(session.before, changes, source=label)
        if after != session.before and not dry_run:
            session.write(after)
        session.keep()
    return FileEdit(path=path, before=session.before, after=after, label=label)
