"""set-image, promote and rollback planned and applied against real git repositories (a bare
remote over file://)."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import (
    PolicyError,
    UsageError,
    VerificationError,
)
from promoter.kustomize.entries import ImageDelta, ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.promotion import ChangeResult, RepoOptions
from tests.e2e.conftest import GitOps
from tests.promotion.bench import (
    DIGEST,
    PRODUCTION,
    PRODUCTION_TAG,
    REGISTRY,
    SHA_A,
    SHA_B,
    SHA_C,
    STAGING,
    STAGING_TAG,
    WORKER_TAG,
    commit_and_push,
    count_commits,
    entries,
    opts,
    trailer_pairs,
    url,
    worktree_state,
)


def test_set_image_returns_the_pushed_change(gitops: GitOps) -> None:
    before = gitops.show(STAGING)
    result = promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    assert isinstance(result, ChangeResult)
    assert (result.environment, result.action, result.path) == ("staging", "set-image", STAGING)
    assert result.changed is True and result.pushed is True and result.dry_run is False
    assert result.commit == gitops.head()
    assert result.attempts == 1
    assert result.source is None
    assert result.images == (ImageDelta("web", STAGING_TAG, SHA_A, None, None),)
    assert result.diff.startswith(f"--- a/{STAGING}\n+++ b/{STAGING}\n")
    assert f"\n-    newTag: {STAGING_TAG}" in result.diff
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert result.message is not None
    assert result.message.rstrip("\n") == gitops.message().rstrip("\n")
    assert gitops.show(STAGING) == before.replace(STAGING_TAG, SHA_A, 1)
    assert gitops.show(PRODUCTION, "main~1") == gitops.show(PRODUCTION)


def test_set_image_several_images_in_one_commit(two: GitOps) -> None:
    commits = count_commits(two)
    result = promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}", "worker=1234567"])
    assert [(d.name, d.old_tag, d.new_tag) for d in result.images] == [
        ("web", STAGING_TAG, SHA_A), ("worker", WORKER_TAG, "1234567")]
    assert count_commits(two) == commits + 1
    now = entries(two, STAGING)
    assert (now["web"].new_tag, now["worker"].new_tag) == (SHA_A, "1234567")
    assert now["worker"].new_name == f"{REGISTRY}/worker"
    message = two.message()
    assert message.splitlines()[0] == f"deploy(staging): web {SHA_A}, worker 1234567"
    images = [v for k, v in trailer_pairs(message) if k == "Promoter-Image"]
    assert images == [f"web={SHA_A}", "worker=1234567"]


@pytest.mark.parametrize(("arg", "tag", "trailer"), [
    (f"web@{DIGEST}", None, f"web@{DIGEST}"),
    (f"web={SHA_A}@{DIGEST}", SHA_A, f"web={SHA_A}@{DIGEST}"),
])
def test_set_image_digest_forms(gitops: GitOps, arg: str, tag: str | None, trailer: str) -> None:
    result = promotion.set_image(url(gitops), opts(), "staging", [arg])
    assert result.images == (ImageDelta("web", STAGING_TAG, tag, None, DIGEST),)
    entry = entries(gitops, STAGING)["web"]
    assert (entry.new_name, entry.new_tag, entry.digest) == (f"{REGISTRY}/web", tag, DIGEST)
    assert ("Promoter-Image", trailer) in trailer_pairs(gitops.message())
    rendered = promotion.validate(url(gitops), ["staging"])[0]
    assert rendered.images == (ImageRef(f"{REGISTRY}/web", tag, DIGEST),)


def test_set_image_refuses_a_tag_outside_tag_pattern(gitops: GitOps) -> None:
    head = gitops.head()
    with pytest.raises(PolicyError, match="tag_pattern") as caught:
        promotion.set_image(url(gitops), opts(), "staging", ["web=latest"])
    assert "'latest'" in str(caught.value)
    assert gitops.head() == head


def test_tag_pattern_comes_from_promoter_yaml(gitops: GitOps) -> None:
    def semver(root: Path) -> None:
        config = root / "promoter.yaml"
        text = config.read_text()
        assert "tag_pattern: '^[0-9a-f]{7,40}$'" in text
        config.write_text(text.replace("'^[0-9a-f]{7,40}$'", r"'^v\d+\.\d+\.\d+$'"))

    commit_and_push(gitops, semver, "semver tags")
    result = promotion.set_image(url(gitops), opts(), "staging", ["web=v1.2.3"])
    assert result.changed and result.commit == gitops.head()
    assert entries(gitops, STAGING)["web"].new_tag == "v1.2.3"
    with pytest.raises(PolicyError, match="tag_pattern"):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    assert entries(gitops, STAGING)["web"].new_tag == "v1.2.3"


def test_set_image_unknown_environment(gitops: GitOps) -> None:
    with pytest.raises(UsageError, match="unknown environment 'qa'") as caught:
        promotion.set_image(url(gitops), opts(), "qa", [f"web={SHA_A}"])
    assert "staging" in str(caught.value) and "production" in str(caught.value)


def test_set_image_of_an_image_no_workload_uses(gitops: GitOps) -> None:
    work = gitops.clone()
    before, head = worktree_state(work), gitops.head()
    with pytest.raises(VerificationError, match="matches no container") as caught:
        promotion.set_image(RepoOptions(repo=str(work)), opts(), "staging", [f"api={SHA_A}"])
    assert f"{REGISTRY}/web" in str(caught.value)  # says what the overlay does deploy
    assert worktree_state(work) == before
    assert gitops.head() == head


def test_set_image_needs_an_image_argument(gitops: GitOps) -> None:
    with pytest.raises(UsageError, match="at least one"):
        promotion.set_image(url(gitops), opts(), "staging", [])


def test_promote_image_filter_and_new_name_for_a_missing_entry(two: GitOps) -> None:
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}", "worker=7654321"])
    assert "worker" not in entries(two, PRODUCTION)

    web = promotion.promote(url(two), opts(), "production", images=["web"])
    assert [d.name for d in web.images] == ["web"]
    after_web = entries(two, PRODUCTION)
    assert after_web["web"].new_tag == SHA_A
    assert "worker" not in after_web

    worker = promotion.promote(url(two), opts(), "production", images=["worker"])
    assert worker.images == (
        ImageDelta("worker", None, "7654321", None, None, None, f"{REGISTRY}/worker"),)
    production = entries(two, PRODUCTION)
    assert production["worker"] == ImageEntry("worker", f"{REGISTRY}/worker", "7654321")
    assert production["web"].new_tag == SHA_A
    deployed = promotion.validate(url(two), ["production"])[0].images
    assert ImageRef(f"{REGISTRY}/worker", "7654321") in deployed


def test_promote_unknown_image(two: GitOps) -> None:
    head = two.head()
    with pytest.raises(UsageError, match="staging has no image 'api'") as caught:
        promotion.promote(url(two), opts(), "production", images=["api"])
    assert "web, worker" in str(caught.value)
    assert two.head() == head


@pytest.mark.parametrize("arg", [f"web={SHA_A}@{DIGEST}", f"web@{DIGEST}"])
def test_promote_copies_the_digest(gitops: GitOps, arg: str) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [arg])
    staged = entries(gitops, STAGING)["web"]
    result = promotion.promote(url(gitops), opts(), "production")
    production = entries(gitops, PRODUCTION)["web"]
    assert (production.new_tag, production.digest) == (staged.new_tag, DIGEST)
    assert production.new_name == f"{REGISTRY}/web"
    assert result.images[0].new_digest == DIGEST
    assert ("Promoter-Image", arg) in trailer_pairs(gitops.message())


def test_promote_when_production_already_has_it_is_a_no_op(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    promotion.promote(url(gitops), opts(), "production")
    head, commits = gitops.head(), count_commits(gitops)
    again = promotion.promote(url(gitops), opts(), "production")
    assert again.changed is False
    assert (again.commit, again.pushed, again.diff) == (None, False, "")
    assert again.images == (ImageDelta("web", SHA_A, SHA_A, None, None),)
    assert (gitops.head(), count_commits(gitops)) == (head, commits)


def test_promote_tag_with_image(two: GitOps) -> None:
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}"])
    approved = two.head()
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_B}", "worker=abcdef1"])
    result = promotion.promote(url(two), opts(), "production", tag=SHA_A, images=["web"])
    assert result.source == f"staging@{approved}"
    assert [(d.name, d.new_tag) for d in result.images] == [("web", SHA_A)]
    production = entries(two, PRODUCTION)
    assert production["web"].new_tag == SHA_A and "worker" not in production
    assert ("Promoter-Source", f"staging@{approved}") in trailer_pairs(two.message())
    with pytest.raises(PolicyError, match=f"{SHA_A} was never deployed to staging for worker"):
        promotion.promote(url(two), opts(), "production", tag=SHA_A, images=["worker"])


def test_rollback_one_step_then_to_an_older_tag(gitops: GitOps) -> None:
    for sha in (SHA_A, SHA_B, SHA_C):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={sha}"])
    first = promotion.rollback(url(gitops), opts(), "staging")
    assert first.images == (ImageDelta("web", SHA_C, SHA_B, None, None),)
    assert (first.action, first.commit) == ("rollback", gitops.head())
    assert gitops.message().splitlines()[0] == f"rollback(staging): web {SHA_B}"
    second = promotion.rollback(url(gitops), opts(), "staging", to=SHA_A)
    assert second.images == (ImageDelta("web", SHA_B, SHA_A, None, None),)
    third = promotion.rollback(url(gitops), opts(), "staging", to=STAGING_TAG)
    assert third.images[0].new_tag == STAGING_TAG  # the initial layout's tag has no trailer
    history = promotion.history(url(gitops), "staging")
    assert [(h.record.action, h.record.images[0].tag) for h in history] == [
        ("rollback", STAGING_TAG), ("rollback", SHA_A), ("rollback", SHA_B),
        ("set-image", SHA_C), ("set-image", SHA_B), ("set-image", SHA_A)]


def test_rollback_after_a_promote(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    promotion.promote(url(gitops), opts(), "production")
    result = promotion.rollback(url(gitops), opts(), "production")
    assert result.images == (ImageDelta("web", SHA_A, PRODUCTION_TAG, None, None),)
    assert result.source is None
    assert entries(gitops, PRODUCTION)["web"].new_tag == PRODUCTION_TAG
    assert entries(gitops, STAGING)["web"].new_tag == SHA_A
    pairs = trailer_pairs(gitops.message())
    assert ("Promoter-Action", "rollback") in pairs
    assert ("Promoter-Environment", "production") in pairs


def test_rollback_to_on_production(gitops: GitOps) -> None:
    for sha in (SHA_A, SHA_B):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={sha}"])
        promotion.promote(url(gitops), opts(), "production")
    result = promotion.rollback(url(gitops), opts(), "production", to=SHA_A)
    assert result.images == (ImageDelta("web", SHA_B, SHA_A, None, None),)
    assert entries(gitops, PRODUCTION)["web"].new_tag == SHA_A
    head = gitops.head()
    with pytest.raises(PolicyError, match=f"{SHA_C} was never deployed to production"):
        promotion.rollback(url(gitops), opts(), "production", to=SHA_C)
    assert gitops.head() == head


def test_repeated_rollback_keeps_going_back(gitops: GitOps) -> None:  # 4
    for sha in (SHA_A, SHA_B, SHA_C):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={sha}"])
    assert promotion.rollback(url(gitops), opts(), "staging").images[0].new_tag == SHA_B
    assert promotion.rollback(url(gitops), opts(), "staging").images[0].new_tag == SHA_A


def test_promote_tag_requires_every_named_image_to_have_had_it(two: GitOps) -> None:
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}"])
    with pytest.raises(PolicyError, match=f"{SHA_A} was never deployed to staging for web, nope"):
        promotion.promote(url(two), opts(), "production", tag=SHA_A, images=["web", "nope"])
