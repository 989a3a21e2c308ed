"""What an `images:` entry is and how a change alters it: ImageEntry, ImageChange, the pure rules
of apply_change, finding an entry by name, and the before/after ImageDelta of a change.

The rules follow `kustomize edit set image`, with these deliberate differences:
- An existing entry stays where it is and keeps the fields the change does not mention: setting a
  tag keeps `newName` (kustomize drops it unless given `*`); setting only a new name keeps
  `newTag` and `digest`. As in kustomize, a new tag without a digest removes the digest, and a
  digest without a tag removes `newTag`.
- A name matches an entry's `name`, else an entry whose `newName` equals it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass

from promoter.errors import KustomizationError

FIELDS = ("newName", "newTag", "digest")
"""The keys a change can set."""
KEY_ORDER = ("name", "newName", "newTag", "digest")
"""The order in which promoter writes an entry's keys."""
KEY_ATTRS = {
    "name": "name",
    "newName": "new_name",
    "newTag": "new_tag",
    "digest": "digest",
    "tagSuffix": "tag_suffix",
}
"""Each kustomization key promoter reads, and its ImageEntry attribute."""


@dataclass(frozen=True)
class _Image:
    """The fields an image entry and a change to one share."""

    name: str
    new_name: str | None = None
    new_tag: str | None = None
    digest: str | None = None


@dataclass(frozen=True)
class ImageEntry(_Image):
    """One entry of `images:` (empty or null values read as None, like kustomize's omitempty)."""

    tag_suffix: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {
            "name": self.name,
            "newName": self.new_name,
            "tag": self.new_tag,
            "digest": self.digest,
        }

    def value(self, key: str) -> str | None:
        """The value of a kustomization key (`name`, `newName`, `newTag`, `digest`, `tagSuffix`)."""
        result: str | None = getattr(self, KEY_ATTRS[key])
        return result


@dataclass(frozen=True)
class ImageChange(_Image):
    """What the user asked for. None leaves a field as the rules in the module docstring say."""


def find_entry(entries: Sequence[ImageEntry], name: str) -> ImageEntry | None:
    """The entry whose `name` is name, else the one whose `newName` is name; None if neither.

    Raises KustomizationError when two entries match equally (the edit would be ambiguous)."""
    index = find_index(entries, name, "kustomization")
    return None if index is None else entries[index]


def find_index(entries: Sequence[ImageEntry], name: str, source: str) -> int | None:
    """find_entry's position in entries; `source` names the file in the error."""
    for attr in ("name", "new_name"):
        hits = [i for i, entry in enumerate(entries) if getattr(entry, attr) == name]
        if len(hits) > 1:
            key = "name" if attr == "name" else "newName"
            raise KustomizationError(
                f"{source}: {len(hits)} images entries have {key} {name!r}; "
                "promoter cannot tell which one to edit",
                hint="keep one entry per image",
            )
        if hits:
            return hits[0]
    return None


def apply_change(entry: ImageEntry | None, change: ImageChange) -> ImageEntry:
    """The entry after the change (pure; see the module docstring for the rules)."""
    base = entry if entry is not None else ImageEntry(name=change.name)
    new_name = change.new_name if change.new_name is not None else base.new_name
    if change.new_tag is not None:
        tag = change.new_tag
    elif change.digest is not None:
        tag = None  # kustomize: a digest alone replaces the tag
    else:
        tag = base.new_tag
    if change.digest is not None:
        digest = change.digest
    elif change.new_tag is not None:
        digest = None  # a stale digest would pin the old image
    else:
        digest = base.digest
    return ImageEntry(base.name, new_name, tag, digest, base.tag_suffix)


def target_name(entry: ImageEntry) -> str:
    """The image name containers carry after kustomize applied entry."""
    return entry.new_name or entry.name


@dataclass(frozen=True)
class ImageDelta:
    """One changed image's tag and digest, before and after, and its newName when a change
    renamed it (old_new_name, new_new_name: the entry's newName before and after)."""

    name: str
    old_tag: str | None
    new_tag: str | None
    old_digest: str | None
    new_digest: str | None
    old_new_name: str | None = None
    new_new_name: str | None = None

    @property
    def renamed(self) -> bool:
        return self.old_new_name != self.new_new_name

    @property
    def changed(self) -> bool:
        before = (self.old_tag, self.old_digest)
        return before != (self.new_tag, self.new_digest) or self.renamed

    def to_json(self) -> dict[str, str | None]:
        return dict(asdict(self))


def deltas(changes: Sequence[ImageChange], before: Sequence[ImageEntry],
           after: Sequence[ImageEntry]) -> tuple[ImageDelta, ...]:
    """For each change, its image's tag and digest in `before` and in `after` (and its newName
    when the change set one)."""
    found = []
    for change in changes:
        old, new = find_entry(before, change.name), find_entry(after, change.name)
        old_name, new_name = (old.new_name if old else None), (new.new_name if new else None)
        found.append(ImageDelta(
            change.name,
            old.new_tag if old else None,
            new.new_tag if new else None,
            old.digest if old else None,
            new.digest if new else None,
            old_name if change.new_name is not None else None,
            new_name if change.new_name is not None else None,
        ))
    return tuple(found)
