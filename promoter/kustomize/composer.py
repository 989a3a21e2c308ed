"""Composing a kustomization file in one pass: its nodes, and the parser events and scanner tokens
they came from (the splice engine needs all three for exact offsets).

ruamel.yaml's pure-Python scanner spends, per token, time that grows with the depth of the flow
collections (`[ ... ]`, `{ ... }`) it is inside: a file of deeply nested flow collections takes
minutes. Kustomization files nest flow collections a level or two, so deeper than MAX_FLOW_DEPTH
is refused as soon as the scanner sees it.
"""

from __future__ import annotations

from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.nodes import Node
from ruamel.yaml.parser import Parser
from ruamel.yaml.scanner import Scanner, ScannerError

MAX_FLOW_DEPTH = 20
"""Flow collections (`[...]`, `{...}`) nest at most this deep in a kustomization file."""


class FlowTooDeep(ScannerError):
    """A flow collection nested more than MAX_FLOW_DEPTH levels deep."""


class _Keeps:
    """Keeps every item a pipeline stage hands to the next one."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.taken: list[Any] = []

    def keep(self, item: Any) -> Any:
        if item is not None:
            self.taken.append(item)
        return item


class _Scanner(_Keeps, Scanner):
    """The scanner, keeping its tokens and refusing flow collections nested too deep."""

    def get_token(self) -> Any:
        return self.keep(super().get_token())

    def fetch_flow_collection_start(self, TokenClass: Any, to_push: str) -> None:
        if len(self.flow_context) >= MAX_FLOW_DEPTH:
            raise FlowTooDeep(None, None, "too deep", self.reader.get_mark())
        super().fetch_flow_collection_start(TokenClass, to_push)


class _Parser(_Keeps, Parser):
    """The parser, keeping its events."""

    def get_event(self) -> Any:
        return self.keep(super().get_event())


def compose_recorded(yaml: YAML, text: str) -> tuple[list[Node], list[Any], list[Any]]:
    """Every document of text composed by yaml (a pure safe loader), with the events and tokens
    seen on the way, in one pass. Raises ruamel's YAMLError subclasses as composing does."""
    yaml.Scanner, yaml.Parser = _Scanner, _Parser
    nodes = list(yaml.compose_all(text))
    scanner, parser = yaml.scanner, yaml.parser
    assert isinstance(scanner, _Scanner) and isinstance(parser, _Parser)
    return nodes, parser.taken, scanner.taken
