"""Commit messages with machine-readable Promoter-* trailers, and reading them back from history.

A promoter commit message looks like:

    deploy(staging): web abc1234

    Set web to abc1234 in staging.

    Promoter-Action: set-image
    Promoter-Environment: staging
    Promoter-Image: web=abc1234

Reading is lenient: Promoter-* lines are found anywhere in a message (GitHub squash merges
concatenate several commit messages, as `* subject` bullets, sometimes indented), and every
Promoter-Action line starts a new record.

An environment's history is read from the content of its kustomization file at each commit,
like `promote --tag` and `rollback` read it; trailers only add the metadata (action, source,
build URL). So a squash merge, a rewritten message or a hand edit is listed with what the
commit actually deploys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from promoter.errors import ContentError
from promoter.gitrepo import CommitInfo, Workspace
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.sanitize import redact

TRAILER_PREFIX = "Promoter-"
ACTION = f"{TRAILER_PREFIX}Action"
ENVIRONMENT = f"{TRAILER_PREFIX}Environment"
IMAGE = f"{TRAILER_PREFIX}Image"
SOURCE = f"{TRAILER_PREFIX}Source"
BUILD_URL = f"{TRAILER_PREFIX}Build-URL"
WORKFLOW_ID = f"{TRAILER_PREFIX}Workflow-ID"
TRIGGERED_BY = f"{TRAILER_PREFIX}Triggered-By"

MANUAL = "manual"  # the action of a change without a promoter record
SKIP_CI = "[skip ci]"
_GIT_SQUASH = "Squashed commit of the following:"
SUBJECT_VERB = {"set-image": "deploy", "promote": "promote", "rollback": "rollback"}
_TRAILER_LINE = re.compile(
    rf"^\s*(?:[*-]\s+)?(?P<key>{TRAILER_PREFIX}[A-Za-z-]+)\s*:\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_SHORT_DIGEST = 12


@dataclass(frozen=True)
class ImageTrailer:
    """One image as written in a Promoter-Image trailer: NAME=TAG[@DIGEST] or NAME@DIGEST."""

    name: str
    tag: str | None = None
    digest: str | None = None

    def format(self) -> str:
        text = self.name
        if self.tag:
            text += f"={self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    @classmethod
    def parse(cls, value: str) -> ImageTrailer | None:
        """The image in a trailer value, or None when the value is malformed."""
        text = value.strip()
        if not text or any(char.isspace() for char in text):
            return None
        name, equals, rest = text.partition("=")
        if not equals:
            name, _, digest = text.partition("@")
            return cls(name, None, digest) if name and digest else None
        tag, _, digest = rest.partition("@")
        if not name or (not tag and not digest):
            return None
        return cls(name, tag or None, digest or None)

    def version(self) -> str:
        """`tag`, `tag@sha256:0123456789ab` or `sha256:0123456789ab` (digests shortened)."""
        digest = _short_digest(self.digest) if self.digest else None
        if self.tag and digest:
            return f"{self.tag}@{digest}"
        return self.tag or digest or ""

    def short(self) -> str:
        """Human form for subjects: `web abc1234`, `web sha256:0123456789ab`."""
        return f"{self.name} {self.version()}".rstrip()


def _short_digest(digest: str) -> str:
    algorithm, colon, hex_part = digest.partition(":")
    if not colon:
        return digest[:_SHORT_DIGEST]
    return f"{algorithm}:{hex_part[:_SHORT_DIGEST]}"


@dataclass(frozen=True)
class Record:
    action: str  # "set-image" | "promote" | "rollback"; "manual" in history (no record)
    environment: str
    images: tuple[ImageTrailer, ...]
    source: str | None = None  # "staging@<sha>" for promotions
    build_url: str | None = None
    workflow_id: str | None = None
    triggered_by: str | None = None


def split_source(source: str | None) -> tuple[str | None, str | None]:
    """A Promoter-Source value "staging@SHA" -> ("staging", "SHA")."""
    if source and "@" in source:
        env, commit = source.split("@", 1)
        return env, commit
    return source, None


def subject_for(record: Record) -> str:
    """`deploy(ENV): web abc1234`, `promote(ENV): ...`, `rollback(ENV): ...`."""
    verb = SUBJECT_VERB.get(record.action, record.action)
    images = ", ".join(image.short() for image in record.images)
    subject = f"{verb}({record.environment})"
    return f"{subject}: {images}" if images else subject


def _default_body(record: Record) -> str:
    images = " and ".join(f"{image.name} to {image.version()}" for image in record.images)
    listed = ", ".join(image.short() for image in record.images)
    if record.action == "set-image":
        return f"Set {images} in {record.environment}."
    if record.action == "promote":
        origin = f" from {record.source}" if record.source else ""
        return f"Promote {listed} to {record.environment}{origin}."
    if record.action == "rollback":
        return f"Roll {record.environment} back to {listed}."
    return f"{record.action} in {record.environment}: {listed}."


def _one_line(value: str) -> str:
    return " ".join(value.split())


def trailers(record: Record) -> list[tuple[str, str]]:
    """The (key, value) trailer pairs of record, in their written order."""
    pairs = [(ACTION, record.action), (ENVIRONMENT, record.environment)]
    pairs += [(IMAGE, image.format()) for image in record.images]
    optional = [
        (SOURCE, record.source),
        (BUILD_URL, redact(record.build_url) if record.build_url else None),
        (WORKFLOW_ID, record.workflow_id),
        (TRIGGERED_BY, record.triggered_by),
    ]
    pairs += [(key, value) for key, value in optional if value]
    return [(key, _one_line(value)) for key, value in pairs]


def format_message(
    record: Record,
    *,
    body: str | None = None,
    skip_ci: bool = False,
    subject: str | None = None,
) -> str:
    """Subject, blank line, body, blank line, Promoter-* trailers.

    The trailers form the last paragraph, so `git interpret-trailers --parse` reads them all.
    """
    first = _one_line(subject if subject is not None else subject_for(record))
    if skip_ci and SKIP_CI not in first:
        first = f"{first} {SKIP_CI}"
    text = (body if body is not None else _default_body(record)).strip()
    block = "\n".join(f"{key}: {value}" for key, value in trailers(record))
    parts = [first, text, block] if text else [first, block]
    return "\n\n".join(parts) + "\n"


def ci_metadata(environ: Mapping[str, str]) -> dict[str, str]:
    """Record fields (build_url, workflow_id, triggered_by) from CircleCI, else GitHub Actions."""
    circle = {
        "build_url": environ.get("CIRCLE_BUILD_URL", ""),
        "workflow_id": environ.get("CIRCLE_WORKFLOW_ID", ""),
        "triggered_by": environ.get("CIRCLE_USERNAME", ""),
    }
    if any(circle.values()):
        return {key: value for key, value in circle.items() if value}
    return _github_metadata(environ)


def _github_metadata(environ: Mapping[str, str]) -> dict[str, str]:
    run_id = environ.get("GITHUB_RUN_ID", "")
    server, repository = environ.get("GITHUB_SERVER_URL", ""), environ.get("GITHUB_REPOSITORY", "")
    found = {
        "build_url": f"{server}/{repository}/actions/runs/{run_id}"
        if run_id and server and repository else "",
        "workflow_id": run_id,
        "triggered_by": environ.get("GITHUB_ACTOR", ""),
    }
    return {key: value for key, value in found.items() if value}


def parse_records(message: str) -> list[Record]:
    """Every record in message, in message order; each Promoter-Action line starts one."""
    groups: list[list[tuple[str, str]]] = []
    for line in message.splitlines():
        match = _TRAILER_LINE.match(line)
        if not match:
            continue
        key, value = match["key"].lower(), match["value"]
        if key == ACTION.lower():
            groups.append([])
        if groups:
            groups[-1].append((key, value))
    records = (_record(group) for group in groups)
    return [record for record in records if record is not None]


def parse_record(message: str) -> Record | None:
    """The last record in message, or None."""
    records = parse_records(message)
    return records[-1] if records else None


def _record(pairs: list[tuple[str, str]]) -> Record | None:
    first: dict[str, str] = {}
    images: list[ImageTrailer] = []
    for key, value in pairs:
        if key == IMAGE.lower():
            image = ImageTrailer.parse(value)
            if image is not None:
                images.append(image)
        elif value:
            first.setdefault(key, value)
    action, environment = first.get(ACTION.lower()), first.get(ENVIRONMENT.lower())
    if not action or not environment:
        return None
    return Record(
        action=action,
        environment=environment,
        images=tuple(images),
        source=first.get(SOURCE.lower()),
        build_url=first.get(BUILD_URL.lower()),
        workflow_id=first.get(WORKFLOW_ID.lower()),
        triggered_by=first.get(TRIGGERED_BY.lower()),
    )


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
            text = self._ws.file_at(sha, self._path)
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
    """History entries newest first, and how many versions of the file could not be read.

    path is the environment's kustomization file, relative to the repository root. The images
    of an entry come from the file's content: those whose (tag, digest) the commit changed
    compared with every parent, so a merge that takes one side's content adds nothing (the
    commit that made that content is listed), and commits that leave the images as they were
    (comments, reformatting, no-op merges) are not listed. A version that cannot be read
    (invalid YAML, not UTF-8) is skipped and counted; the next readable version is compared
    with the last readable one before it. The commit that creates the file (the initial layout)
    is listed only when it carries a promoter record for environment.

    The action and metadata come from the commit's Promoter-* trailers for environment; see
    _pick. A commit without such a record (a hand edit, a squash whose message was rewritten)
    is listed with action "manual". Removing an image is not listed. Only versions up to the
    limit-th entry are read, so skipped counts those.
    """
    if limit is not None and limit <= 0:
        return [], 0
    ws.prefetch(path)
    commits = ws.commits(path)
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
