"""Reading an environment's overlay in a workspace: its kustomization file now and in the past.

`promote --tag` looks for the newest commit at which the source had a tag; `rollback` walks the
successive image states back. Both read the file's content at each commit (not the trailers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from promoter.config import Environment
from promoter.containment import confined
from promoter.errors import KustomizationError, PolicyError, UsageError
from promoter.gitrepo import CommitInfo, Workspace
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry, find_entry
from promoter.kustomize.files import find_kustomization, read_file
from promoter.trailers import parse_record


def kustomization_rel(ws: Workspace, env: Environment) -> str:
    """The repository-relative path of env's kustomization file; ContentError when the overlay
    folder or the file leaves the repository through a symbolic link."""
    overlay = confined(ws.root, env.path, unreadable=KustomizationError)
    if not overlay.is_dir():
        raise KustomizationError(
            f"overlay {env.path} of environment {env.name} does not exist in the repository",
            hint="check the path in promoter.yaml",
        )
    return find_kustomization(ws.root, env.path)


def read_entries(ws: Workspace, rel: str) -> list[ImageEntry]:
    return read_images(read_file(ws.root / rel, label=rel), source=rel)


def current_state(ws: Workspace, rel: str) -> tuple[str, list[ImageEntry]]:
    """The file's images now, and the commit that last changed the file (where they came from)."""
    commits = ws.log.path_commits(rel, max_count=1)
    return (commits[0] if commits else ws.head()), read_entries(ws, rel)


def select(entries: Sequence[ImageEntry], names: Sequence[str], env: str) -> list[ImageEntry]:
    if not names:
        return list(entries)
    chosen = []
    for name in names:
        entry = find_entry(entries, name)
        if entry is None:
            known = ", ".join(e.name for e in entries) or "none"
            raise UsageError(f"{env} has no image {name!r} (it has: {known})")
        chosen.append(entry)
    return chosen


def _versions(ws: Workspace, rel: str) -> Iterator[tuple[CommitInfo, list[ImageEntry]]]:
    """Each readable version of the file, newest first, with the commit that made it."""
    ws.log.prefetch(rel)  # deepens a shallow clone; one fetch for all versions in a partial clone
    for info in ws.log.commits(rel):
        text = ws.log.file_at(info.sha, rel)
        if text is None:
            continue
        try:
            yield info, read_images(text, source=f"{rel}@{info.sha[:12]}")
        except KustomizationError:
            continue


def find_in_history(ws: Workspace, rel: str, tag: str, names: Sequence[str],
                     env: str) -> tuple[str, list[ImageEntry]]:
    """The newest commit at which ENV had TAG (for the named images), with those entries."""
    for info, entries in _versions(ws, rel):
        hits = [e for e in entries if e.new_tag == tag and (not names or _named(e, names))]
        if hits and all(any(_named(e, [n]) for e in hits) for n in names):
            return info.sha, hits
    which = f" for {', '.join(names)}" if names else ""
    raise PolicyError(
        f"{tag} was never deployed to {env}{which}",
        hint=f"only a tag that {env} has had can be used; deploy it to {env} first",
    )


def _named(entry: ImageEntry, names: Sequence[str]) -> bool:
    return entry.name in names or (entry.new_name is not None and entry.new_name in names)


def previous_state(ws: Workspace, rel: str, current: Sequence[ImageEntry],
                    env: str) -> list[ImageEntry]:
    """The images ENV had before its current ones. A rollback steps back along the history, so
    rolling back twice goes back two deployments (it does not undo the first rollback)."""
    stack: list[list[ImageEntry]] = []
    for entries, by_rollback in _distinct_states(ws, rel):
        key = _state_key(entries)
        back = [i for i, seen in enumerate(stack) if _state_key(seen) == key]
        if by_rollback and back:
            del stack[back[-1] + 1:]
        else:
            stack.append(entries)
    if len(stack) >= 2:
        changed = [e for e in stack[-2] if _differs(e, current) and (e.new_tag or e.digest)]
        if changed:
            return changed
    raise PolicyError(
        f"nothing to go back to: {env} has no earlier images in this branch's history",
        hint="use --to TAG with a tag from promoter history",
    )


def _distinct_states(ws: Workspace, rel: str) -> Iterator[tuple[list[ImageEntry], bool]]:
    """The file's successive image states, oldest first, each with whether a rollback made it."""
    last: tuple[tuple[str, str | None, str | None], ...] | None = None
    for info, entries in reversed(list(_versions(ws, rel))):
        key = _state_key(entries)
        if key == last:
            continue
        last = key
        record = parse_record(info.message)
        yield entries, record is not None and record.action == "rollback"


def _state_key(entries: Sequence[ImageEntry]) -> tuple[tuple[str, str | None, str | None], ...]:
    return tuple(sorted((e.name, e.new_tag, e.digest) for e in entries))


def _differs(entry: ImageEntry, current: Sequence[ImageEntry]) -> bool:
    now = find_entry(current, entry.name)
    return now is None or (now.new_tag, now.digest) != (entry.new_tag, entry.digest)


def same_images(source: Sequence[ImageEntry], target: Sequence[ImageEntry]) -> bool:
    for entry in source:
        other = find_entry(target, entry.name)
        if other is None or (other.new_tag, other.digest) != (entry.new_tag, entry.digest):
            return False
    return True
