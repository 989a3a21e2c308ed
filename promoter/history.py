"""Walking an environment's history: what each commit did to its images.

An environment's history is read from the content of its kustomization file at each commit,
like `promote --tag` and `rollback` read it; the Promoter-* trailers (promoter.trailers) only add
the metadata (action, source, build URL). So a squash merge, a rewritten message or a hand edit
is listed with what the commit actually deploys.

The images of an entry are those whose (tag, digest) the commit changed compared with every
parent, so a merge that takes one side's content adds nothing (the commit that made that content
is listed), and commits that leave the images as they were (comments, reformatting, no-op
merges) are not listed. A version that cannot be read (invalid YAML, not UTF-8) is skipped and
counted; the next readable version is compared with the last readable one before it. The commit
that creates the file (the initial layout) is listed only when it carries a promoter record for
the environment. The action and metadata come from the commit's Promoter-* trailers for the
environment (see _pick); a commit without such a record (a hand edit, a squash whose message was
rewritten) is listed with action "manual". Removing an image is not listed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from promoter.errors import ContentError
from promoter.gitrepo import CommitInfo, Workspace
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.trailers import MANUAL, ImageTrailer, Record, parse_records

_GIT_SQUASH = "Squashed commit of the following:"

@dataclass(frozen=True)
class HistoryEntry:
    commit: str
    date: str
    author: str
    record: Record  # images: what this commit changed, read from the file's content

    def to_json(self) -> dict[str, Any]:
        return {
            "commit": self.commit,
            "date": self.date,
            "author": self.author,
            "action": self.record.action,
            "images": [
                {"name": image.name, "tag": image.tag, "digest": image.digest}
                for image in self.record.images
            ],
            "source": self.record.source,
            "build_url": self.record.build_url,
            "gates": [gate.to_json() for gate in self.record.gates],
            "soak": self.record.soak,
            "triggered_by": self.record.triggered_by,
            "approved_by": [approver.to_json() for approver in self.record.approvals],
            "overrides": list(self.record.overrides),
        }


@dataclass(frozen=True)
class _State:
    """The environment's kustomization file at one commit."""

    images: tuple[ImageEntry, ...] = ()
    present: bool = True
    readable: bool = True

    def version(self, name: str) -> tuple[str | None, str | None] | None:
        """(tag, digest) of the entry named name, or None when there is none."""
        entry = next((e for e in self.images if e.name == name), None)
        return None if entry is None else (entry.new_tag, entry.digest)

    def lookup(self, name: str) -> ImageEntry | None:
        """The entry a trailer's image name means: by `name`, else by `newName`."""
        return next((e for e in self.images if e.name == name),
                    next((e for e in self.images if e.new_name == name), None))


_ABSENT = _State(present=False)
_UNREADABLE = _State(readable=False)


class _States:
    """The file's content at commits, read once each."""

    def __init__(self, ws: Workspace, path: str, listed: Sequence[CommitInfo]) -> None:
        self._ws, self._path = ws, path
        self._parents = {info.sha: info.parents for info in listed}
        self._cache: dict[str, _State] = {}

    def at(self, sha: str) -> _State:
        if sha not in self._cache:
            self._cache[sha] = self._read(sha)
        return self._cache[sha]

    def _read(self, sha: str) -> _State:
        try:
            text = self._ws.log.file_at(sha, self._path)
            if text is None:
                return _ABSENT
            return _State(tuple(read_images(text, source=f"{self._path}@{sha[:12]}")))
        except ContentError:
            return _UNREADABLE

    def before(self, parent: str) -> _State:
        """The state a child of parent starts from: parent's, or when parent's version cannot
        be read, that of the newest readable version before it on its first-parent line."""
        sha: str | None = parent
        state = _UNREADABLE
        while sha is not None:
            state = self.at(sha)
            parents = self._parents.get(sha, ())
            if state.readable or not parents:
                return state
            sha = parents[0]
        return state


def environment_history(
    ws: Workspace,
    environment: str,
    *,
    path: str,
    limit: int | None = None,
) -> list[HistoryEntry]:
    """What each commit reachable from HEAD did to environment's images, newest first.

    See environment_history_with_skipped.
    """
    return environment_history_with_skipped(ws, environment, path=path, limit=limit)[0]


def environment_history_with_skipped(
    ws: Workspace,
    environment: str,
    *,
    path: str,
    limit: int | None = None,
) -> tuple[list[HistoryEntry], int]:
    """History entries newest first, and how many versions of the file could not be read
    (path: the environment's kustomization file, relative to the repository root). Only
    versions up to the limit-th entry are read, so skipped counts those. See the module
    docstring for what makes an entry."""
    if limit is not None and limit <= 0:
        return [], 0
    ws.log.prefetch(path)
    commits = ws.log.commits(path)
    states = _States(ws, path, commits)
    entries: list[HistoryEntry] = []
    skipped = 0
    for commit in commits:
        state = states.at(commit.sha)
        if not state.readable:
            skipped += 1
            continue
        entry = _entry(commit, environment, state, [states.before(p) for p in commit.parents])
        if entry is not None:
            entries.append(entry)
            if limit is not None and len(entries) >= limit:
                break
    return entries, skipped


def _entry(commit: CommitInfo, environment: str, state: _State,
           parents: Sequence[_State]) -> HistoryEntry | None:
    changed = _changed(state, parents)
    if not changed:
        return None
    records = [r for r in parse_records(commit.message) if r.environment == environment]
    created = all(not parent.present for parent in parents)
    if created and not records:
        return None
    if records:
        found = _pick(_newest_first(records, commit.message), state, changed)
        record = replace(found, images=changed)
    else:
        record = Record(MANUAL, environment, changed)
    return HistoryEntry(commit.sha, commit.date, commit.author, record)


def _changed(state: _State, parents: Sequence[_State]) -> tuple[ImageTrailer, ...]:
    """Images of state with a tag or digest that no parent had (all of them for a root)."""
    return tuple(
        ImageTrailer(entry.name, entry.new_tag, entry.digest)
        for entry in state.images
        if (entry.new_tag or entry.digest)
        and all(p.version(entry.name) != (entry.new_tag, entry.digest) for p in parents)
    )


def _newest_first(records: list[Record], message: str) -> list[Record]:
    """`git merge --squash` lists the squashed commits newest first (it is `git log` output);
    GitHub's squash message and a single commit's trailers are oldest first."""
    return records if _GIT_SQUASH in message else records[::-1]


def _pick(records: Sequence[Record], state: _State,
          changed: Sequence[ImageTrailer]) -> Record:
    """The record whose images match the content: of the records the content agrees with, the
    one naming most of the changed images; ties and no agreement go to the newest record."""
    agreeing = [r for r in records if all(_agrees(i, state) for i in r.images)]
    if not agreeing:
        return records[0]
    names = {image.name for image in changed}

    def overlap(record: Record) -> int:
        hits = (state.lookup(image.name) for image in record.images)
        return sum(1 for entry in hits if entry is not None and entry.name in names)

    return max(agreeing, key=overlap)


def _agrees(image: ImageTrailer, state: _State) -> bool:
    entry = state.lookup(image.name)
    return (entry is not None
            and (image.tag is None or image.tag == entry.new_tag)
            and (image.digest is None or image.digest == entry.digest))
