"""The session of a repository file that a change adds, replaces or removes besides the overlay
(the environment's hold record): what was there is put back, content or absence, on every way
out that did not keep the change.

    with file_session(root, ".promoter/holds/production.yaml") as session:
        edit = session.apply(text)    # written (None: removed); folders made as needed
        commit(...)                   # anything raised here (Ctrl-C too) restores the file
        session.keep()

Containment as for kustomization files: only a path inside the repository, never written or
removed through a symbolic link (the file itself or any folder on the way): ContentError.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path, PurePosixPath

from promoter.containment import confined, refuse_links
from promoter.errors import ContentError
from promoter.kustomize.files import FileEdit, holds, write_atomic
from promoter.yamlbounds import read_bounded

_HINT = "check the folder's permissions"


class FileSession:
    """One repository file under change; `before` is its bytes when the session began (None
    when it did not exist)."""

    def __init__(self, root: Path, label: str) -> None:
        self.path = confined(root, label)
        refuse_links(self.path, label)
        self.root, self.label = root, label
        self.before = self._read()
        self._made: list[Path] = []  # folders this session created, outermost first
        self._kept = False

    def _read(self) -> bytes | None:
        try:
            if not self.path.exists():
                return None
            if not self.path.is_file():
                raise ContentError(f"{self.label} is not a file", hint="remove what is there")
        except OSError as exc:
            raise ContentError(f"cannot look at {self.label}: {exc.strerror or exc}",
                               hint=_HINT) from exc
        return read_bounded(self.path, self.label, ContentError, hint=_HINT)

    @property
    def kept(self) -> bool:
        return self._kept

    def apply(self, text: str | None) -> FileEdit:
        """Write text into the file (creating its folders), or remove it when text is None;
        what changed, as a FileEdit (a missing file reads as empty)."""
        before = (self.before or b"").decode("utf-8", errors="replace")
        if text is None:
            self._remove()
        elif text.encode("utf-8") != self.before:
            self._make_folders()
            write_atomic(self.path, text.encode("utf-8"), label=self.label)
        return FileEdit(self.path, before, text or "", self.label)

    def _remove(self) -> None:
        try:
            self.path.unlink(missing_ok=True)
        except OSError as exc:
            raise ContentError(f"cannot remove {self.label}: {exc.strerror or exc}",
                               hint=_HINT) from exc

    def _make_folders(self) -> None:
        folder = self.root
        for part in PurePosixPath(self.label).parts[:-1]:
            folder = folder / part
            if folder.is_dir():
                continue
            try:
                folder.mkdir()
            except OSError as exc:
                raise ContentError(f"cannot create the folder of {self.label}: "
                                   f"{exc.strerror or exc}", hint=_HINT) from exc
            self._made.append(folder)
        refuse_links(self.path, self.label)

    def keep(self) -> None:
        """The change stays: leaving the session no longer restores the file."""
        self._kept = True

    def restore(self) -> None:
        """Put back what was there: the original bytes, or no file (and no folder this session
        made)."""
        if self.before is not None:
            if not holds(self.path, self.before):
                write_atomic(self.path, self.before, label=self.label)
            return
        self._remove()
        for folder in reversed(self._made):
            with contextlib.suppress(OSError):
                folder.rmdir()



@contextmanager
def file_session(root: Path, label: str) -> Iterator[FileSession]:
    """A FileSession on root/label that restores the file when the block is left without
    keep(): on any exception (KeyboardInterrupt included) and on a normal exit alike."""
    session = FileSession(root, label)
    try:
        yield session
    finally:
        if not session.kept:
            session.restore()
