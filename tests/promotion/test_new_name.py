"""Renaming an image is explicit: set-image --new-name (new_names), allowed_names in
promoter.yaml, production only through promote, and tag_pattern matched in linear time."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import ExitCode, PolicyError, UsageError
from promoter.kustomize.entries import ImageDelta
from tests.e2e.conftest import GitOps
from tests.promotion.bench import (
    PRODUCTION,
    REGISTRY,
    SHA_A,
    STAGING,
    STAGING_TAG,
    commit_and_push,
    count_commits,
    entries,
    opts,
    trailer_pairs,
    url,
)

MIRROR = "ghcr.io/acme/web"


def _config(extra: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        config = root / "promoter.yaml"
        config.write_text(config.read_text() + extra)

    return edit


def test_a_tag_and_a_new_name_in_one_commit(gitops: GitOps) -> None:
    commits = count_commits(gitops)
    result = promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"],
                                 [f"web={MIRROR}"])
    assert result.images == (
        ImageDelta("web", STAGING_TAG, SHA_A, None, None, f"{REGISTRY}/web", MIRROR),)
    assert count_commits(gitops) == commits + 1
    entry = entries(gitops, STAGING)["web"]
    assert (entry.new_name, entry.new_tag) == (MIRROR, SHA_A)
    message = gitops.message()
    assert f"New image name: web now points to {MIRROR} (was {REGISTRY}/web)." in message
    assert ("Promoter-Image", f"web={SHA_A}") in trailer_pairs(message)
    assert promotion.validate(url(gitops), ["staging"])[0].images[0].name == MIRROR


def test_a_new_name_alone_keeps_the_tag(gitops: GitOps) -> None:
    result = promotion.set_image(url(gitops), opts(), "staging", [], [f"web={MIRROR}"])
    assert result.changed and result.images[0].renamed
    entry = entries(gitops, STAGING)["web"]
    assert (entry.new_name, entry.new_tag) == (MIRROR, STAGING_TAG)


def test_a_new_name_after_equals_is_a_usage_error_and_changes_nothing(gitops: GitOps) -> None:
    head = gitops.head()
    for arg in ("web=evil.example/web", f"web={MIRROR}:{SHA_A}", "web=x:y"):
        with pytest.raises(UsageError, match="--new-name") as caught:
            promotion.set_image(url(gitops), opts(), "staging", [arg])
        assert caught.value.exit_code == ExitCode.USAGE
    assert gitops.head() == head


def test_allowed_names_refuses_a_name_none_of_them_matches(gitops: GitOps) -> None:
    commit_and_push(gitops, _config("allowed_names:\n  - 'ghcr\\.io/acme/[a-z-]+'\n"),
                    "allow ghcr.io/acme only")
    head = gitops.head()
    with pytest.raises(PolicyError) as caught:
        promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"],
                            ["web=evil.example/web"])
    message = str(caught.value)
    assert caught.value.exit_code == ExitCode.POLICY
    assert "'evil.example/web'" in message and "'ghcr\\\\.io/acme/[a-z-]+'" in message
    assert gitops.head() == head
    # a full match is required: a prefix that matches is not enough
    with pytest.raises(PolicyError):
        promotion.set_image(url(gitops), opts(), "staging", [], [f"web={MIRROR}/x"])
    promotion.set_image(url(gitops), opts(), "staging", [], [f"web={MIRROR}"])
    assert entries(gitops, STAGING)["web"].new_name == MIRROR


def test_production_cannot_be_renamed_by_set_image(gitops: GitOps) -> None:
    with pytest.raises(PolicyError, match="set-image cannot change it"):
        promotion.set_image(url(gitops), opts(), "production", [], [f"web={MIRROR}"])
    assert entries(gitops, PRODUCTION)["web"].new_name == f"{REGISTRY}/web"


def test_promote_keeps_the_production_name_of_an_existing_entry(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"], [f"web={MIRROR}"])
    promotion.promote(url(gitops), opts(), "production", tag=SHA_A)
    entry = entries(gitops, PRODUCTION)["web"]
    assert (entry.new_name, entry.new_tag) == (f"{REGISTRY}/web", SHA_A)


def test_a_catastrophic_tag_pattern_answers_at_once(gitops: GitOps) -> None:
    commit_and_push(gitops, _config_tag_pattern("^(a+)+$"), "a backtracking pattern")
    tag = "a" * 99 + "b"
    started = time.monotonic()
    with pytest.raises(PolicyError, match="tag_pattern"):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={tag}"])
    assert time.monotonic() - started < 30  # Python's re would take longer than the universe


def _config_tag_pattern(pattern: str) -> Callable[[Path], None]:
    def edit(root: Path) -> None:
        config = root / "promoter.yaml"
        text = config.read_text().replace("'^[0-9a-f]{7,40}$'", f"'{pattern}'")
        config.write_text(text)

    return edit
