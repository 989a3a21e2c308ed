"""The Markdown body of a promotion pull request, trimmed to the forge's size limit.

Layout: a hidden marker naming the environment, a heading (promote to / roll back), where the
images come from, the CI build, who approved it (a line given by the caller), a table of images
(old -> new tag and digest), then the overlay diff and the rendered manifests diff in ```diff
fences. When the whole does not fit in `limit` characters, the rendered diff is trimmed first,
then the overlay diff, then (in extreme cases) table rows; each trimmed part says how many lines
were left out.

Any environment name can be written: in the marker it is percent-encoded (no "--", no "<" or
">" can end the HTML comment early), in the heading it is an inline code span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import accumulate
from urllib.parse import quote

from promoter.kustomize.entries import ImageDelta

GITHUB_BODY_LIMIT = 65536
MARKER = "<!-- promoter:environment={environment} -->"
HEADINGS = {"promote": "Promote to {environment}", "rollback": "Roll back {environment}"}
TRIM_NOTE = "… {count} lines trimmed; run `promoter diff` to see all"
ROWS_NOTE = "… {count} more images not shown; run `promoter diff` to see all"
_BACKTICKS = re.compile(r"`+")


def pr_body(
    *,
    environment: str,
    source: str | None,
    source_commit: str | None,
    images: Sequence[ImageDelta],
    build_url: str | None,
    overlay_diff: str,
    rendered_diff: str,
    action: str = "promote",
    limit: int = GITHUB_BODY_LIMIT,
    approval: str | None = None,
) -> str:
    """The PR body of a promotion or (action="rollback") a rollback; len(result) <= limit.

    Raises ValueError for an empty environment, an unknown action, or a limit that cannot hold
    the header.
    """
    if not environment:
        raise ValueError("a pull request body needs an environment name")
    if action not in HEADINGS:
        raise ValueError(f"no pull request heading for action {action!r}")
    parts = _Parts(
        intro=_intro(environment, action, source, source_commit, build_url, approval),
        rows=tuple(_row(image) for image in images),
        overlay=_DiffSection("Overlay diff", overlay_diff),
        rendered=_DiffSection("Rendered manifests diff", rendered_diff),
    )
    return _fit(parts, limit)


# --------------------------------------------------------------------------- fitting


@dataclass(frozen=True)
class _Parts:
    """The body's pieces; composed with the first rows and diff lines that fit."""

    intro: str
    rows: tuple[str, ...]
    overlay: _DiffSection
    rendered: _DiffSection

    def compose(self, row_count: int, overlay_keep: int, rendered_keep: int) -> str:
        return "\n\n".join(
            (self.intro, _table(self.rows, row_count), self.overlay.render(overlay_keep),
             self.rendered.render(rendered_keep))
        ) + "\n"

    def size(self, row_count: int, overlay_keep: int, rendered_keep: int) -> int:
        """len(self.compose(...)); the diff sections are measured, not rendered: diffs can be
        megabytes."""
        table = len(self.intro) + len(_table(self.rows, row_count)) + 3 * len("\n\n") + 1
        return table + self.overlay.length(overlay_keep) + self.rendered.length(rendered_keep)


def _fit(parts: _Parts, limit: int) -> str:
    """The whole body when it fits in limit; else with the rendered diff trimmed, then the
    overlay diff as well, then (in extreme cases) table rows."""
    rows, overlay, rendered = len(parts.rows), parts.overlay.lines_count, parts.rendered.lines_count
    if parts.size(rows, overlay, rendered) <= limit:
        return parts.compose(rows, overlay, rendered)
    keep = _largest(lambda k: parts.size(rows, overlay, k) <= limit, rendered - 1)
    if keep is not None:
        return parts.compose(rows, overlay, keep)
    keep = _largest(lambda k: parts.size(rows, k, 0) <= limit, overlay - 1)
    if keep is not None:
        return parts.compose(rows, keep, 0)
    keep = _largest(lambda k: parts.size(k, 0, 0) <= limit, rows - 1)
    if keep is not None:
        return parts.compose(keep, 0, 0)
    raise ValueError(f"a pull request body limit of {limit} characters is too small")


# --------------------------------------------------------------------------- pieces


def _marker(environment: str) -> str:
    """The hidden marker; percent-encoding keeps "--", "<", ">" and spaces out of the comment
    ("a--b" -> "a%2D-b"), and leaves the usual names (letters, digits, . _ -) readable."""
    encoded = re.sub(r"-(?=-)", "%2D", quote(environment, safe=""))
    return MARKER.format(environment=encoded)


def _intro(environment: str, action: str, source: str | None, commit: str | None,
           build_url: str | None, approval: str | None = None) -> str:
    heading = HEADINGS[action].format(environment=_code(environment))
    lines = [_marker(environment), f"## {heading}", ""]
    if source is not None:
        origin = f"Images as deployed in {_code(source)}"
        if commit is not None:
            origin += f" at commit {_code(commit)}"
        lines.append(origin + ".")
    elif commit is not None:
        lines.append(f"Images as of commit {_code(commit)}.")
    if build_url:
        lines.append(f"CI build: {_one_line(build_url)}")
    if approval:
        lines.append(_one_line(approval))
    while lines[-1] == "":
        lines.pop()
    return "\n".join(lines)


def _row(image: ImageDelta) -> str:
    return (
        f"| {_code(image.name)} | {_change(image.old_tag, image.new_tag)} "
        f"| {_change(image.old_digest, image.new_digest)} |"
    )


def _table(rows: Sequence[str], count: int) -> str:
    if not rows:
        return "No image changes."
    lines = ["| Image | Tag | Digest |", "|---|---|---|", *rows[:count]]
    if count < len(rows):
        lines.append("")
        lines.append(ROWS_NOTE.format(count=len(rows) - count))
    return "\n".join(lines)


def _change(old: str | None, new: str | None) -> str:
    if old is None and new is None:
        return "—"
    if old == new:
        return f"{_code(str(new))} (unchanged)"
    before = _code(old) if old is not None else "(none)"
    after = _code(new) if new is not None else "(none)"
    return f"{before} → {after}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _code(text: str) -> str:
    """An inline code span that survives backticks and table pipes in text."""
    text = _one_line(text).replace("|", "\\|")
    fence = "`" * (_longest_backtick_run(text) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICKS.findall(text)), default=0)


def _largest(fits: Callable[[int], bool], high: int) -> int | None:
    """Largest k in [0, high] with fits(k), for fits true up to some k and false after."""
    if high < 0 or not fits(0):
        return None
    low = 0
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


class _DiffSection:
    """A titled diff: the first `keep` lines in a fence, then a note counting the rest."""

    def __init__(self, title: str, diff: str) -> None:
        self.title = f"### {title}"
        text = diff[:-1] if diff.endswith("\n") else diff
        self.lines = text.split("\n") if text else []
        # a fence longer than any backtick run inside keeps the block closed where we close it
        self.fence = "`" * max(3, _longest_backtick_run(diff) + 1)
        self._prefix = [0, *accumulate(len(line) + 1 for line in self.lines)]

    @property
    def lines_count(self) -> int:
        return len(self.lines)

    def render(self, keep: int) -> str:
        if not self.lines:
            return f"{self.title}\n\nNo changes."
        parts = [self.title, ""]
        if keep > 0:
            parts.extend([f"{self.fence}diff", *self.lines[:keep], self.fence])
        if keep < len(self.lines):
            parts.append(TRIM_NOTE.format(count=len(self.lines) - keep))
        return "\n".join(parts)

    def length(self, keep: int) -> int:
        """len(self.render(keep)), without building the string."""
        if not self.lines:
            return len(self.title) + len("\n\nNo changes.")
        total = len(self.title) + 1  # title, "\n", then the empty line's "" joined by "\n"
        if keep > 0:
            # "\n" + fence+"diff" + ("\n" + line)*keep + "\n" + fence
            total += 1 + len(self.fence) + 4 + self._prefix[keep] + 1 + len(self.fence)
        if keep < len(self.lines):
            total += 1 + len(TRIM_NOTE.format(count=len(self.lines) - keep))
        return total
