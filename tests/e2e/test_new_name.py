"""Renaming an image through the installed command: never by a value after '=', only with
--new-name (or PROMOTER_NEW_NAME), limited by allowed_names."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import GitOps, git
from tests.e2e.test_exit_codes import one_error_line

SHA = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
FORMS = "NAME=TAG, NAME:TAG, NAME@sha256:HEX or NAME=TAG@sha256:HEX"


@pytest.mark.parametrize("arg", ["web=evil.example/web", f"web=ghcr.io/o/web:{SHA[:7]}",
                                 "web=x:y"])
def test_a_new_name_after_equals_is_exit_2_with_the_forms(gitops: GitOps, arg: str) -> None:
    head = gitops.head()
    done = gitops.run("set-image", "staging", arg)
    assert done.returncode == 2
    line = one_error_line(done.stderr)
    assert f"invalid image argument {arg!r}" in line
    assert FORMS in line and "--new-name web=" in line
    assert gitops.head() == head


def test_new_name_from_the_option_and_from_the_environment(gitops: GitOps) -> None:
    out = gitops.json("set-image", "staging", f"web={SHA}", "--new-name", "web=ghcr.io/acme/web")
    assert out["images"][0]["new_new_name"] == "ghcr.io/acme/web"
    assert out["images"][0]["new_tag"] == SHA
    out = gitops.json("set-image", "staging", env={"PROMOTER_NEW_NAME": "web=quay.io/acme/web"})
    assert out["images"][0]["old_new_name"] == "ghcr.io/acme/web"
    assert out["images"][0]["new_new_name"] == "quay.io/acme/web"
    assert "newName: quay.io/acme/web" in gitops.show("overlays/staging/kustomization.yaml")


def test_allowed_names_refusal_is_exit_3_naming_the_name_and_the_list(gitops: GitOps) -> None:
    work = gitops.clone()
    config = work / "promoter.yaml"
    config.write_text(config.read_text() + "allowed_names: ['ghcr\\.io/acme/.*']\n")
    git(work, "commit", "--quiet", "-am", "allowed names")
    git(work, "push", "--quiet")
    head = gitops.head()
    done = gitops.run("set-image", "staging", "--new-name", "web=evil.example/web", "--json")
    assert done.returncode == 3
    line = one_error_line(done.stderr)
    assert "'evil.example/web'" in line and "allowed_names" in line
    assert "ghcr\\\\.io/acme/.*" in line
    assert json.loads(done.stdout)["error"]["type"] == "PolicyError"
    assert gitops.head() == head


def test_production_takes_no_new_name_from_set_image(gitops: GitOps) -> None:
    done = gitops.run("set-image", "production", "--new-name", "web=ghcr.io/acme/web")
    assert done.returncode == 3
    assert "set-image cannot change it" in one_error_line(done.stderr)
