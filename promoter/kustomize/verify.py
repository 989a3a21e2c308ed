"""Edit an overlay's images: and prove, by rendering it, that it now deploys what was asked.

kustomize silently ignores an images: entry whose name matches no container, so a typo would
commit a change that deploys nothing. After every real edit the overlay is rendered; when the
render fails or does not show the requested images, the kustomization file gets its original
bytes back (the edit session) and the error says what the overlay does deploy.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from promoter.errors import VerificationError
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageChange, ImageEntry, find_entry, target_name
from promoter.kustomize.files import FileEdit, find_kustomization
from promoter.kustomize.imageref import ImageRef
from promoter.kustomize.render import render
from promoter.kustomize.rendered import ImageUse, image_uses
from promoter.kustomize.session import edit_session
from promoter.kustomize.splice import set_images_text

_SHOWN = 20  # at most this many images or containers in one message


def set_images_verified(
    root: Path,
    overlay: str,
    changes: Sequence[ImageChange],
    *,
    dry_run: bool = False,
    timeout: float | None = None,
) -> FileEdit:
    """Apply changes to the images: of `overlay` (relative to the repository root), render it
    and check the result.

    dry_run edits nothing on disk and renders nothing. When the file did not change there is
    nothing to verify. Any failure after the write restores the original bytes, then raises
    (RenderError from kustomize, VerificationError when the render does not deploy the change).
    """
    label = find_kustomization(root, overlay)
    path = root / label
    with edit_session(path, label=label) as session:
        after = set_images_text(session.before, changes, source=label)
        edit = FileEdit(path=path, before=session.before, after=after, label=label)
        if dry_run or not edit.changed:
            return edit
        session.write(after)
        expected = expected_entries(after, changes, source=label)
        verify_overlay(root, overlay, expected, timeout=timeout)
        session.keep()
    return edit


def expected_entries(text: str, changes: Sequence[ImageChange], *, source: str) -> list[ImageEntry]:
    """The images: entries (as edited, with their other fields) that changes touched."""
    entries = read_images(text, source=source)
    expected: list[ImageEntry] = []
    for change in changes:
        entry = find_entry(entries, change.name)
        if entry is None:
            raise VerificationError(
                f"{source} has no images: entry named {change.name!r} after the edit",
                hint="this is a promoter bug; the file was left as it was",
            )
        expected.append(entry)
    return expected


def verify_overlay(
    root: Path,
    overlay: str,
    expected: Sequence[ImageEntry],
    *,
    timeout: float | None = None,
) -> list[ImageRef]:
    """Render the overlay and check every expected entry took effect; return the deployed images.

    For each entry, some container must run the target name (newName, else name), and every
    container running it must carry the entry's newTag and digest. Ephemeral containers are
    left out: kustomize does not rewrite them.
    """
    rendered = render(root, overlay, timeout=timeout)
    uses = [use for use in image_uses(rendered) if not use.ephemeral]
    deployed = list(dict.fromkeys(use.image for use in uses))
    for entry in expected:
        _check_entry(overlay, entry, uses, deployed)
    return deployed


def _check_entry(
    overlay: str, entry: ImageEntry, uses: Sequence[ImageUse], deployed: Sequence[ImageRef]
) -> None:
    target = target_name(entry)
    matching = [use for use in uses if use.image.name == target]
    if not matching:
        raise VerificationError(
            f"images: entry {entry.name!r} in {overlay} matches no container, so kustomize "
            f"ignores it and the change would deploy nothing; the overlay deploys: "
            f"{_list(str(image) for image in deployed)}",
            hint="use one of those image names (without tag or digest)",
        )
    wrong = [use for use in matching if not _runs_entry(use.image, entry)]
    if wrong:
        raise VerificationError(
            f"after setting {_requested(entry)} in {overlay}, containers still run other "
            f"versions of {target}: {_list(_describe(use) for use in wrong)}",
            hint=f"check that images: entry {entry.name!r} matches the image name those "
            "containers use, and that no later patch or images: entry overrides it",
        )


def _runs_entry(image: ImageRef, entry: ImageEntry) -> bool:
    if entry.digest is not None and image.digest != entry.digest:
        return False
    if entry.new_tag is None:
        return True
    if entry.tag_suffix:  # newer kustomize appends tagSuffix; older ones ignore it
        return image.tag in (entry.new_tag, entry.new_tag + entry.tag_suffix)
    return image.tag == entry.new_tag


def _requested(entry: ImageEntry) -> str:
    return str(ImageRef(target_name(entry), entry.new_tag, entry.digest))


def _describe(use: ImageUse) -> str:
    where = f"{use.namespace}/" if use.namespace else ""
    role = " (init)" if use.init else ""
    return f"{use.kind} {where}{use.workload} container {use.container}{role} runs {use.image}"


def _list(items: Iterable[str]) -> str:
    values = list(items)
    if not values:
        return "(no container images)"
    shown = ", ".join(values[:_SHOWN])
    more = len(values) - _SHOWN
    return f"{shown}, and {more} more" if more > 0 else shown
