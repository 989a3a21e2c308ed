"""promoter.yamlsource: UTF-8 text, round-trip YAML with file:line errors, and the locator."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter.errors import ConfigError, ContentError
from promoter.yamlbounds import MAX_DEPTH
from promoter.yamlsource import YamlSource
from tests.hostile_yaml import billion_laughs, nested, oversized

TEXT = "top:\n  key: value\n  list:\n    - a\n    - b\n"


def source() -> YamlSource[ContentError]:
    return YamlSource("ci/config.yml", ContentError, hint="see the docs", syntax_hint="fix it")


def test_loads_round_trip_and_locates_keys_items_and_nodes() -> None:
    src = source()
    data = src.load(TEXT)
    assert data["top"]["list"] == ["a", "b"]
    assert src.line(data, "top") == 1
    assert src.line(data["top"], "list") == 3
    assert src.line(data["top"]["list"], 1) == 5
    assert src.line(data["top"]["list"]) == 4
    assert src.where(data["top"], "key") == "ci/config.yml:2"


def test_unknown_locations_fall_back_to_the_label() -> None:
    src = source()
    data = src.load(TEXT)
    assert src.line(data, "missing") is None
    assert src.line(data["top"]["list"], 7) is None
    assert src.line({"plain": "dict"}, "plain") is None
    assert src.line("scalar") is None
    assert src.at(None) == "ci/config.yml"
    assert src.where("scalar") == "ci/config.yml"


def test_empty_text_is_none() -> None:
    assert source().load("") is None


def test_fail_builds_the_callers_error_class_with_location_and_hint() -> None:
    src = YamlSource("promoter.yaml", ConfigError, hint="see README.md")
    data = src.load(TEXT)
    error = src.fail(data["top"], "list", "'list' must be a mapping")
    assert type(error) is ConfigError
    assert error.message == "promoter.yaml:3: 'list' must be a mapping"
    assert error.hint == "see README.md"


@pytest.mark.parametrize(("text", "where"), [
    ("a: [1, 2\n", "ci/config.yml:2: malformed YAML"),
    ("a: 1\na: 2\n", "ci/config.yml:2: malformed YAML"),  # duplicate keys are refused
    ("a: 1\n b: 2\n", "ci/config.yml:2: malformed YAML"),
])
def test_malformed_yaml_names_the_line(text: str, where: str) -> None:
    with pytest.raises(ContentError) as caught:
        source().load(text)
    assert caught.value.message.startswith(where)
    assert caught.value.hint == "fix it"


def test_unmarked_yaml_error_names_the_file() -> None:
    with pytest.raises(ConfigError) as caught:
        YamlSource("promoter.yaml", ConfigError).load("a: \x00\n")
    assert caught.value.message.startswith("promoter.yaml: malformed YAML")


@pytest.mark.parametrize(("data", "offset", "byte"), [
    (b"\xff\xfeab", 0, "invalid start byte"),
    (b"key: caf\xe9 au lait\n", 8, "invalid continuation byte"),
    (b"key: \xe2\x82", 5, "unexpected end of data"),
])
def test_text_that_is_not_utf8_names_file_and_byte_offset(data: bytes, offset: int,
                                                          byte: str) -> None:
    with pytest.raises(ContentError) as caught:
        source().decode(data)
    assert caught.value.message == (
        f"ci/config.yml: not UTF-8 text at byte offset {offset} ({byte})")
    assert caught.value.hint == "save the file as UTF-8"


def test_read_translates_newlines_like_read_text(tmp_path: Path) -> None:
    path = tmp_path / "x.yml"
    path.write_bytes("a: é\r\nb: 2\rc: 3\n".encode())
    assert source().read(path) == path.read_text(encoding="utf-8") == "a: é\nb: 2\nc: 3\n"


@pytest.mark.parametrize(("text", "message"), [
    (billion_laughs(), "ci/config.yml: its YAML aliases would expand to more than 100,000 nodes"),
    (nested(), f"ci/config.yml:1: lists and mappings nested more than {MAX_DEPTH} levels deep"),
    (oversized(), "ci/config.yml is 1,048,577 bytes"),
], ids=["billion-laughs", "too-deep", "over-1-MiB"])
def test_load_refuses_what_is_past_the_bounds_in_the_callers_class(text: str,
                                                                   message: str) -> None:
    with pytest.raises(ContentError) as caught:
        source().load(text)
    assert caught.value.message.startswith(message)


def test_read_refuses_an_unreadable_file_in_the_callers_class(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        YamlSource("promoter.yaml", ConfigError).read(tmp_path)  # a directory
    assert caught.value.message == "cannot read promoter.yaml: Is a directory"


def test_aliases_and_merge_keys_load_with_their_lines() -> None:
    src = source()
    data = src.load("base: &b {x: 1}\njob:\n  <<: *b\n  y: 2\n")
    assert dict(data["job"]) == {"x": 1, "y": 2}
    assert src.line(data["job"], "y") == 4
