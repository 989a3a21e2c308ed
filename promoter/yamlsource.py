"""One YAML file read for its content and its positions: UTF-8 text, round-trip nodes, file:line.

Shared by promoter.yaml (promoter.config) and the CircleCI lint (promoter.circleci_lint); each
passes the error class its problems raise and the hint that says where the format is documented.
The file is read within promoter.yamlbounds' limits (size, nesting, alias expansion).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from promoter.errors import PromoterError
from promoter.yamlbounds import check_aliases, check_text, depth_bounded, read_bounded

E = TypeVar("E", bound=PromoterError)


@dataclass(frozen=True)
class YamlSource(Generic[E]):
    """A YAML file under its label (the path as the user knows it) and the errors it raises."""

    label: str
    error: type[E]
    hint: str | None = None  # for fail(): where the expected shape is documented
    syntax_hint: str | None = None  # for malformed YAML that has a position

    def read(self, path: Path) -> str:
        """The file's text: UTF-8, newlines translated as `Path.read_text` does. A file that
        cannot be read, or is over promoter.yamlbounds.MAX_BYTES, raises."""
        return self.decode(read_bounded(path, self.label, self.error,
                                        hint="check the file's path and permissions"))

    def decode(self, data: bytes) -> str:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise self.error(
                f"{self.label}: not UTF-8 text at byte offset {exc.start} ({exc.reason})",
                hint="save the file as UTF-8") from exc
        return text.replace("\r\n", "\n").replace("\r", "\n")

    def load(self, text: str) -> Any:
        """The round-trip document (None when empty); malformed YAML raises with file:line, and
        so does a document over the bounds (checked before any object is built)."""
        check_text(text, self.label, self.error)
        yaml = YAML(typ="rt")
        yaml.allow_duplicate_keys = False
        try:
            with depth_bounded(yaml, self.label, self.error):
                node = yaml.compose(text)
            if node is None:
                return None
            check_aliases(node, self.label, self.error)
            return yaml.constructor.construct_document(node)
        except MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            where = self.at(mark.line + 1 if mark is not None else None)
            raise self.error(f"{where}: malformed YAML: {exc.problem or exc}",
                             hint=self.syntax_hint) from exc
        except YAMLError as exc:
            raise self.error(f"{self.label}: malformed YAML: {exc}") from exc

    def line(self, node: Any, key: Any = None) -> int | None:
        """The 1-based line of `node[key]` (of node itself without key), None when unknown."""
        try:
            if key is not None and isinstance(node, CommentedMap):
                return int(node.lc.key(key)[0]) + 1
            if key is not None and isinstance(node, CommentedSeq):
                return int(node.lc.item(key)[0]) + 1
            if hasattr(node, "lc"):
                return int(node.lc.line) + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return None

    def at(self, line: int | None) -> str:
        """`label:line`, or the label alone when the line is unknown."""
        return f"{self.label}:{line}" if line is not None else self.label

    def where(self, node: Any, key: Any = None) -> str:
        return self.at(self.line(node, key))

    def fail(self, node: Any, key: Any, message: str) -> E:
        """The error to raise for `node[key]`: `label:line: message (hint)`."""
        return self.error(f"{self.where(node, key)}: {message}", hint=self.hint)
