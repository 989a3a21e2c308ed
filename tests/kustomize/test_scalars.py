"""Scalar typing and quoting: a value YAML 1.1, 1.2 or Go would misread is quoted, others stay
plain."""

from __future__ import annotations

import pytest
from ruamel.yaml import YAML

from promoter.kustomize.arguments import parse_image_arg
from promoter.kustomize.scalars import needs_quotes
from promoter.kustomize.splice import set_image_text


def load(text: str, version: tuple[int, int] = (1, 2)) -> object:
    yaml = YAML(typ="safe", pure=True)
    yaml.version = version
    return yaml.load(text)


def set_tag(text: str, arg: str) -> str:
    return set_image_text(text, parse_image_arg(arg))


TRICKY_TAGS = [
    "1234567", "12e4567", "1e10", "00123", "0x1f", "0o17", "0b101", "true", "yes", "on", "y",
    "n", "NO", "Off", "null", "Null", "1.10", "1_000", "12", "0", "08", "2001-01-01", "1.", "0e5",
    "Y", "N", "TRUE",
]  # fmt: skip


@pytest.mark.parametrize("tag", TRICKY_TAGS)
def test_non_string_looking_tags_are_quoted_and_read_back_as_strings(tag: str) -> None:
    assert needs_quotes(tag)
    after = set_tag("images:\n- name: web\n  newTag: v0\n", f"web={tag}")
    assert after == f'images:\n- name: web\n  newTag: "{tag}"\n'
    for version in ((1, 1), (1, 2)):
        assert load(after, version) == {"images": [{"name": "web", "newTag": tag}]}


@pytest.mark.parametrize("tag", ["v1.2.3", "abc1234", "latest", "4.8-apache", "1.1.11", "a" * 40])
def test_string_tags_stay_plain(tag: str) -> None:
    assert not needs_quotes(tag)
    assert set_tag("images:\n- name: web\n  newTag: v0\n", f"web={tag}").endswith(f": {tag}\n")
