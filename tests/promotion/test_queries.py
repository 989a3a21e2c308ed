"""The read-only use cases: status, diff, history, validate."""

from __future__ import annotations

from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import (
    PolicyError,
    UsageError,
)
from promoter.kustomize.entries import ImageDelta, ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.promotion import RepoOptions
from tests.e2e.conftest import GitOps
from tests.promotion.bench import (
    PRODUCTION,
    PRODUCTION_TAG,
    REGISTRY,
    SHA_A,
    SHA_B,
    commit_and_push,
    count_commits,
    opts,
    url,
)


def test_status_shape(two: GitOps) -> None:
    envs = {e.name: e for e in promotion.status(url(two))}
    assert list(envs) == ["staging", "production"]
    staging, production = envs["staging"], envs["production"]
    assert (staging.path, staging.source, staging.in_sync) == ("overlays/staging", None, None)
    assert (production.source, production.in_sync) == ("staging", False)
    assert [e.name for e in staging.images] == ["web", "worker"]
    assert production.images == (ImageEntry("web", f"{REGISTRY}/web", PRODUCTION_TAG),)
    doc = production.to_json()
    assert set(doc) == {"name", "path", "source", "in_sync", "error", "images", "hold", "freeze"}
    assert (doc["hold"], doc["freeze"]) == (None, None)
    assert doc["images"] == [{"name": "web", "newName": f"{REGISTRY}/web",
                              "tag": PRODUCTION_TAG, "digest": None}]


def test_status_in_sync_after_promote(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    assert {e.name: e.in_sync for e in promotion.status(url(gitops))}["production"] is False
    promotion.promote(url(gitops), opts(), "production")
    assert {e.name: e.in_sync for e in promotion.status(url(gitops))}["production"] is True


def test_diff_shape_and_no_side_effects(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    staged_at, commits = gitops.head(), count_commits(gitops)
    result = promotion.diff(url(gitops), "staging", "production")
    assert (result.environment, result.action, result.path) == ("production", "promote",
                                                                 PRODUCTION)
    assert result.dry_run and result.changed
    assert (result.commit, result.pushed) == (None, False)
    assert result.source == f"staging@{staged_at}"
    assert result.images == (ImageDelta("web", PRODUCTION_TAG, SHA_A, None, None),)
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert count_commits(gitops) == commits
    promotion.promote(url(gitops), opts(), "production")
    same = promotion.diff(url(gitops), "staging", "production")
    assert (same.changed, same.diff) == (False, "")


def test_history_shape(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(environ={"CIRCLE_BUILD_URL": "https://ci/1"}),
                        "staging", [f"web={SHA_A}"])
    promotion.promote(url(gitops), opts(), "production")
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_B}"])
    staging = promotion.history(url(gitops), "staging")
    assert [h.record.images[0].tag for h in staging] == [SHA_B, SHA_A]
    assert staging[1].record.build_url == "https://ci/1"
    assert staging[0].commit == gitops.head()
    production = promotion.history(url(gitops), "production")
    assert len(production) == 1
    assert production[0].record.action == "promote"
    assert production[0].to_json()["images"] == [{"name": "web", "tag": SHA_A, "digest": None}]
    assert len(promotion.history(url(gitops), "staging", limit=1)) == 1
    with pytest.raises(UsageError, match="--limit"):
        promotion.history(url(gitops), "staging", limit=0)


def test_validate_ok_and_a_broken_overlay(gitops: GitOps) -> None:
    ok = promotion.validate(url(gitops))
    assert [(v.name, v.error) for v in ok] == [("staging", None), ("production", None)]
    assert ok[1].images == (ImageRef(f"{REGISTRY}/web", PRODUCTION_TAG),)

    def drop_patch(root: Path) -> None:
        (root / "overlays" / "production" / "replicas.yaml").unlink()

    commit_and_push(gitops, drop_patch, "break production")
    broken = {v.name: v for v in promotion.validate(url(gitops))}
    assert broken["staging"].error is None
    error = broken["production"].error
    assert error is not None and "replicas.yaml" in error
    assert broken["production"].images == ()
    assert broken["production"].to_json()["ok"] is False
    only = promotion.validate(url(gitops), ["production"])
    assert [v.name for v in only] == ["production"]
    with pytest.raises(UsageError, match="unknown environment"):
        promotion.validate(url(gitops), ["qa"])


def test_diff_only_along_the_configured_source(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    with pytest.raises(PolicyError, match="staging has no source environment"):
        promotion.diff(url(gitops), "production", "staging")


def test_diff_reads_a_dirty_local_copy_without_refusing(gitops: GitOps) -> None:
    work = gitops.clone()
    target = work / "overlays" / "production" / "kustomization.yaml"
    target.write_text(target.read_text() + "# local note\n")
    result = promotion.diff(RepoOptions(repo=str(work)), "staging", "production")
    assert result.dry_run and result.changed
    assert target.read_text().endswith("# local note\n")
