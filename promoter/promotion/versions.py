"""Reading an environment's overlay in a workspace: its kustomization file now and in the past.

`promote --tag` looks for the newest commit at which the source had a tag; `rollback` walks the
successive image states back; the promotion gates ask over which stretch of the branch the
source had given versions (deployment). All read the file's content at each commit (not the
trailers).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from promoter.config import Environment
from promoter.containment import confined
from promoter.errors import ContentError, KustomizationError, PolicyError, UsageError
from promoter.gitrepo import CommitInfo, Workspace
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry, find_entry
from promoter.kustomize.files import find_kustomization, read_file
from promoter.trailers import ImageTrailer, parse_record

#: The commits of a deployment whose statuses the gates read: the newest ones and the deploy
#: commit (two requests each, on every poll of --wait).
MAX_GATE_COMMITS = 20


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


def in_place(entry: ImageEntry, current: Sequence[ImageEntry]) -> bool:
    """Whether current has an entry for entry's image with the same tag and digest."""
    now = find_entry(current, entry.name)
    return now is not None and (now.new_tag, now.digest) == (entry.new_tag, entry.digest)


def same_images(source: Sequence[ImageEntry], target: Sequence[ImageEntry]) -> bool:
    for entry in source:
        other = find_entry(target, entry.name)
        if other is None or (other.new_tag, other.digest) != (entry.new_tag, entry.digest):
            return False
    return True


@dataclass(frozen=True)
class Stamp:
    """A commit and its commit time."""

    sha: str
    time: datetime

    @classmethod
    def of(cls, sha: str, iso: str) -> Stamp:
        return cls(sha, datetime.fromisoformat(iso))


@dataclass(frozen=True)
class Deployment:
    """The stretch of the branch's own history (its first-parent line: the tips a sync agent
    synced) during which an environment had given image versions."""

    environment: str
    images: tuple[ImageTrailer, ...]  # the versions
    deployed: Stamp  # the commit that deployed them
    replaced: Stamp | None  # the commit that replaced them; None: still there at the tip
    commits: tuple[str, ...]  # newest first: the newest of the stretch, and the deploy commit

    def describe(self) -> str:
        """`web abc1234 since commit 3f2a9c1e0b7d (still deployed)` and the like."""
        images = ", ".join(image.short() for image in self.images)
        end = (f"until commit {self.replaced.sha[:12]} replaced it" if self.replaced
               else "still deployed")
        return f"{images} in {self.environment} since commit {self.deployed.sha[:12]} ({end})"


def deployment(ws: Workspace, rel: str, wanted: Sequence[ImageEntry], env: str) -> Deployment:
    """The newest stretch of first-parent commits at which ENV's file `rel` had every one of
    wanted's versions (name, tag, digest); PolicyError when it never had them there."""
    images = tuple(ImageTrailer(e.name, e.new_tag, e.digest) for e in wanted)
    ws.log.prefetch(rel)  # the whole history, and every version of the file
    changes = [Stamp.of(sha, iso) for sha, iso in ws.log.first_parent(rel)]
    found = _stretch(ws, rel, changes, images)
    if found is None:
        listed = ", ".join(image.short() for image in images)
        raise PolicyError(
            f"{env} never had {listed} on branch {ws.branch}'s own history (only on a merged "
            "branch, or not at all): no sync agent can have deployed it",
            hint=f"promote a version that {env} has run")
    newest, oldest = found
    replaced = changes[newest - 1] if newest > 0 else None
    deployed = changes[oldest]
    start = f"{replaced.sha}^" if replaced else "HEAD"
    stretch = [sha for sha, _ in ws.log.first_parent(start=start, max_count=MAX_GATE_COMMITS)]
    if deployed.sha in stretch:
        stretch = stretch[:stretch.index(deployed.sha) + 1]
    else:
        stretch = [*stretch[:MAX_GATE_COMMITS - 1], deployed.sha]
    return Deployment(env, images, deployed, replaced, tuple(stretch))


def _stretch(ws: Workspace, rel: str, changes: Sequence[Stamp],
             images: Sequence[ImageTrailer]) -> tuple[int, int] | None:
    """Indices in changes (newest first) of the newest and oldest version of the newest run of
    versions that have the images; None when no version has them."""
    newest: int | None = None
    for index, stamp in enumerate(changes):
        has = _has(ws, rel, stamp.sha, images)
        if has and newest is None:
            newest = index
        elif not has and newest is not None:
            return newest, index - 1
    return None if newest is None else (newest, len(changes) - 1)


def _has(ws: Workspace, rel: str, sha: str, images: Sequence[ImageTrailer]) -> bool:
    """Whether rel at commit sha has every image's tag and digest (an unreadable or absent
    file has none)."""
    try:
        text = ws.log.file_at(sha, rel)
        entries = read_images(text, source=f"{rel}@{sha[:12]}") if text is not None else []
    except ContentError:
        return False
    found = [find_entry(entries, image.name) for image in images]
    return all(entry is not None and (entry.new_tag, entry.digest) == (image.tag, image.digest)
               for entry, image in zip(found, images, strict=True))
