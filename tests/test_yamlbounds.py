"""promoter.yamlbounds: size, nesting and alias expansion refused in the caller's error class,
cheaply, while ordinary anchors and aliases keep working."""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.nodes import Node

from promoter.errors import ConfigError, ContentError, KustomizationError, PromoterError
from promoter.yamlbounds import (
    ALIAS_BUDGET,
    MAX_BYTES,
    MAX_DEPTH,
    check_aliases,
    check_size,
    check_text,
    depth_bounded,
    read_bounded,
)
from tests.hostile_yaml import billion_laughs, just_too_deep, nested, oversized, self_containing

LABEL = "overlays/staging/kustomization.yaml"


def compose(text: str) -> Node:
    node: Node = YAML(typ="safe", pure=True).compose(text)
    return node


def refused(error: type[PromoterError], action: object) -> PromoterError:
    assert callable(action)
    with pytest.raises(error) as caught:
        action()
    assert type(caught.value) is error
    assert "\n" not in str(caught.value)
    return caught.value


# --------------------------------------------------------------------------- size


def test_a_file_over_one_mebibyte_is_refused_naming_its_size_and_the_limit(
        tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text(oversized())
    error = refused(ConfigError, lambda: read_bounded(path, "promoter.yaml", ConfigError,
                                                      hint="check it"))
    assert error.message == ("promoter.yaml is 1,048,577 bytes; promoter reads YAML files of at "
                             "most 1 MiB (1,048,576 bytes)")


def test_a_file_at_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "limit.yaml"
    path.write_bytes(b"x" * MAX_BYTES)
    assert len(read_bounded(path, "ci.yml", ContentError, hint="")) == MAX_BYTES
    check_size(MAX_BYTES, "ci.yml", ContentError)


def test_an_unreadable_file_is_the_callers_error(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "promoter.yaml"
    path.write_text("a: 1\n")

    def denied(*_: object, **__: object) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "open", denied)
    error = refused(ConfigError, lambda: read_bounded(path, "promoter.yaml", ConfigError,
                                                      hint="check its permissions"))
    assert str(error) == "cannot read promoter.yaml: Permission denied (check its permissions)"
    assert str(tmp_path) not in str(error)


def test_a_directory_is_unreadable_too(tmp_path: Path) -> None:
    error = refused(KustomizationError, lambda: read_bounded(tmp_path, LABEL, KustomizationError,
                                                             hint="check the overlay path"))
    assert error.message.startswith(f"cannot read {LABEL}: ")


@pytest.mark.parametrize(("text", "ok"), [
    ("a" * MAX_BYTES, True),
    ("a" * (MAX_BYTES + 1), False),
    ("é" * (MAX_BYTES // 2), True),  # two bytes each
    ("é" * (MAX_BYTES // 2 + 1), False),
])
def test_text_is_measured_in_utf8_bytes(text: str, ok: bool) -> None:
    if ok:
        check_text(text, LABEL, KustomizationError)
    else:
        refused(KustomizationError, lambda: check_text(text, LABEL, KustomizationError))


# --------------------------------------------------------------------------- nesting


def test_nesting_deeper_than_the_limit_names_the_line() -> None:
    def load() -> None:
        with depth_bounded(YAML(typ="rt"), "ci.yml", ContentError) as yaml:
            yaml.compose("a: 1\n" + nested())

    error = refused(ContentError, load)
    assert error.message == f"ci.yml:2: lists and mappings nested more than {MAX_DEPTH} levels deep"


def test_nesting_up_to_the_limit_is_read() -> None:
    with depth_bounded(YAML(typ="rt"), "ci.yml", ContentError) as yaml:
        assert yaml.compose(nested(MAX_DEPTH - 1)) is not None
    with pytest.raises(ContentError), depth_bounded(YAML(typ="rt"), "ci.yml", ContentError) as y:
        y.compose(just_too_deep())


# --------------------------------------------------------------------------- aliases


@pytest.mark.parametrize("text", [billion_laughs(), billion_laughs(levels=100, width=2),
                                  self_containing()],
                         ids=["billion-laughs", "doubling-100-times", "self-containing"])
def test_an_alias_bomb_is_refused_before_it_is_expanded(text: str) -> None:
    node = compose(text)
    error = refused(KustomizationError, lambda: check_aliases(node, LABEL, KustomizationError))
    assert error.message == (f"{LABEL}: its YAML aliases would expand to more than 100,000 nodes "
                             "(an alias bomb, or an alias inside its own anchor)")


def aliased(references: int) -> str:
    """An anchored list of 100 nodes (the list and 99 scalars), then `references` aliases to it:
    expanding them adds exactly 100 * references nodes."""
    return (f"a: &a [{', '.join(['x'] * 99)}]\n"
            f"b: [{', '.join(['*a'] * references)}]\n")


def test_the_budget_counts_the_nodes_aliases_add() -> None:
    within = ALIAS_BUDGET // 100
    check_aliases(compose(aliased(within)), LABEL, KustomizationError)
    refused(KustomizationError,
            lambda: check_aliases(compose(aliased(within + 1)), LABEL, KustomizationError))


def test_ordinary_anchors_and_merge_keys_pass() -> None:
    text = ("defaults: &defaults {image: web, resources: {cpu: 1}}\n"
            "jobs:\n  a:\n    <<: *defaults\n    name: a\n  b:\n    <<: *defaults\n"
            "  c: *defaults\n")
    check_aliases(compose(text), LABEL, KustomizationError)
