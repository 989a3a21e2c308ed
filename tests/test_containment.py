"""promoter.containment: reading stays inside the repository, writing never follows a link."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from promoter.config import load_config
from promoter.containment import confined, refuse_links
from promoter.errors import ConfigError, ContentError, ExitCode
from promoter.kustomize.session import EditSession

CONFIG = "environments:\n  - name: staging\n"


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "file.yaml").write_text("x: 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "file.yaml").write_text("x: 2\n")
    return root


def test_plain_paths_and_links_inside_are_confined(repo: Path) -> None:
    assert confined(repo, "a/b/file.yaml") == repo / "a/b/file.yaml"
    (repo / "c").symlink_to("a/b")
    (repo / "d.yaml").symlink_to(repo / "a" / "b" / "file.yaml")  # absolute, but inside
    assert confined(repo, "c/file.yaml").read_text() == "x: 1\n"
    assert confined(repo, "d.yaml").read_text() == "x: 1\n"
    assert confined(repo, "absent/too.yaml") == repo / "absent/too.yaml"


@pytest.mark.parametrize(("link", "target", "rel", "message"), [
    ("f.yaml", "../outside/file.yaml", "f.yaml",
     "f.yaml is a symbolic link to ../outside/file.yaml, outside the repository"),
    ("a/out", "../../outside", "a/out/file.yaml",
     "a/out/file.yaml passes through a/out, a symbolic link to ../../outside, outside the "
     "repository"),
    ("hop", "a/loop", "hop/file.yaml",  # a link inside that leads to a link outside
     "hop/file.yaml passes through hop, a symbolic link to a/loop, outside the repository"),
])
def test_links_leaving_the_repository_are_refused(repo: Path, link: str, target: str, rel: str,
                                                  message: str) -> None:
    (repo / "a" / "loop").symlink_to("../../outside")
    (repo / link).symlink_to(target)
    with pytest.raises(ContentError) as caught:
        confined(repo, rel)
    assert caught.value.message == message
    assert caught.value.exit_code == ExitCode.INVALID


def test_dot_dot_leaving_the_repository_is_refused(repo: Path) -> None:
    with pytest.raises(ContentError, match="outside the repository"):
        confined(repo, "a/../../outside/file.yaml")


def test_writing_refuses_any_link_on_the_way(repo: Path) -> None:
    refuse_links(repo / "a/b/file.yaml", "a/b/file.yaml")
    (repo / "c").symlink_to("a/b")
    with pytest.raises(ContentError, match=re.escape(
            "c/file.yaml passes through c, a symbolic link to a/b, and promoter does not write "
            "through symbolic links")):
        refuse_links(repo / "c" / "file.yaml", "c/file.yaml")
    (repo / "d.yaml").symlink_to("a/b/file.yaml")
    with pytest.raises(ContentError, match=re.escape("d.yaml is a symbolic link to a/b/file.yaml")):
        EditSession(repo / "d.yaml", label="d.yaml")
    assert (repo / "a/b/file.yaml").read_text() == "x: 1\n"


def test_promoter_yaml_leaving_the_repository_is_refused(repo: Path) -> None:
    (repo.parent / "outside" / "promoter.yaml").write_text(CONFIG)
    (repo / "promoter.yaml").symlink_to(repo.parent / "outside" / "promoter.yaml")
    with pytest.raises(ContentError, match=r"promoter\.yaml is a symbolic link to "):
        load_config(repo)
    (repo / "deploy").symlink_to("../outside")
    with pytest.raises(ContentError, match="passes through deploy"):
        load_config(repo, "deploy/promoter.yaml")
    with pytest.raises(ConfigError, match="outside the repository"):
        load_config(repo, "../outside/promoter.yaml")
    absolute = str(repo.parent / "outside" / "promoter.yaml")
    assert [e.name for e in load_config(repo, absolute).environments] == ["staging"]


def test_promoter_yaml_linked_inside_the_repository_is_read(repo: Path) -> None:
    (repo / "a" / "promoter.yaml").write_text(CONFIG)
    (repo / "promoter.yaml").symlink_to("a/promoter.yaml")
    assert [e.name for e in load_config(repo).environments] == ["staging"]
