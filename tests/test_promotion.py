"""The use cases called as Python functions against real git repositories.

The remote is a bare repository reached over file://; "local copy" tests work in a clone whose
upstream is that remote. Templates are built once per module and copied for each test.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from promoter import promotion
from promoter.errors import (
    GitError,
    PolicyError,
    PushRejected,
    UsageError,
    VerificationError,
)
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageDelta, ImageEntry
from promoter.kustomize.imageref import ImageRef
from promoter.promotion import ChangeResult, CommitOptions, RepoOptions
from tests.e2e.conftest import PROJECT, GitOps, git, make_gitops

SHA_A = "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"
SHA_B = "b2c3d4e5f60718293a4b5c6d7e8f901234567890"
SHA_C = "c3d4e5f60718293a4b5c6d7e8f90123456789012"
DIGEST = "sha256:" + "ab" * 32
STAGING = "overlays/staging/kustomization.yaml"
PRODUCTION = "overlays/production/kustomization.yaml"
REGISTRY = "123456789012.dkr.ecr.ap-northeast-1.amazonaws.com"
WORKER_TAG = "0badc0ffee"


def project_tag(rel: str) -> str:
    tag = next(e.new_tag for e in read_images((PROJECT / rel).read_text()) if e.name == "web")
    assert tag is not None
    return tag


STAGING_TAG = project_tag(STAGING)
PRODUCTION_TAG = project_tag(PRODUCTION)

WORKER_DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: worker
spec:
  selector:
    matchLabels:
      app.kubernetes.io/component: worker
  template:
    metadata:
      labels:
        app.kubernetes.io/component: worker
    spec:
      containers:
        - name: worker
          image: worker:set-by-overlay
"""
WORKER_ENTRY = f"""\
  - name: worker
    newName: {REGISTRY}/worker
    newTag: {WORKER_TAG}
"""


# --------------------------------------------------------------------------- helpers


def commit_and_push(gitops: GitOps, edit: Callable[[Path], None], message: str) -> str:
    """Change the remote's main through a fresh clone, as another person or job would."""
    work = Path(tempfile.mkdtemp(prefix="other-", dir=gitops.tmp)) / "repo"
    git(gitops.tmp, "clone", "--quiet", gitops.url, str(work))
    edit(work)
    git(work, "add", "--all")
    git(work, "commit", "--quiet", "-m", message)
    git(work, "push", "--quiet", "origin", "main")
    return git(work, "rev-parse", "HEAD").strip()


def add_worker(root: Path) -> None:
    """A second workload with its own image; staging pins it, production has no entry yet."""
    (root / "overlays" / "base" / "worker.yaml").write_text(WORKER_DEPLOYMENT)
    base = root / "overlays" / "base" / "kustomization.yaml"
    last = "  - migrate-job.yaml\n"
    text = base.read_text()
    assert last in text
    base.write_text(text.replace(last, f"{last}  - worker.yaml\n"))
    staging = root / STAGING
    staging.write_text(staging.read_text() + WORKER_ENTRY)


def entries(gitops: GitOps, rel: str, ref: str = "main") -> dict[str, ImageEntry]:
    return {e.name: e for e in read_images(gitops.show(rel, ref))}


def count_commits(gitops: GitOps) -> int:
    return int(git(gitops.remote, "rev-list", "--count", "main"))


def trailer_pairs(message: str) -> list[tuple[str, str]]:
    done = subprocess.run(["git", "interpret-trailers", "--parse"], input=message,
                          capture_output=True, text=True, check=True)
    return [(k, v) for k, _, v in (line.partition(": ") for line in done.stdout.splitlines())]


def worktree_state(work: Path) -> tuple[str, bytes, bytes, str]:
    """HEAD, both overlay files' bytes and `git status` of a local copy."""
    return (git(work, "rev-parse", "HEAD"), (work / STAGING).read_bytes(),
            (work / PRODUCTION).read_bytes(), git(work, "status", "--porcelain"))


class Sleeps:
    """A CommitOptions.sleep that records the delays instead of waiting."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def opts(*, dry_run: bool = False, max_attempts: int = 10, sleep: Sleeps | None = None,
         environ: dict[str, str] | None = None) -> CommitOptions:
    """No CI variables from the test's environment, and never a real sleep."""
    return CommitOptions(dry_run=dry_run, max_attempts=max_attempts, environ=environ or {},
                         sleep=sleep or Sleeps())


def url(gitops: GitOps) -> RepoOptions:
    return RepoOptions(repo=gitops.url)


# --------------------------------------------------------------------------- fixtures


def _identity(mp: pytest.MonkeyPatch, home: Path) -> None:
    mp.setenv("HOME", str(home))
    mp.setenv("GIT_CONFIG_NOSYSTEM", "1")
    for var in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        mp.setenv(var, "Template Author")
    for var in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        mp.setenv(var, "template@example.com")


@pytest.fixture(scope="module")
def templates(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Bare remotes built once: the project's layout, and the same with a `worker` image."""
    made: dict[str, Path] = {}
    with pytest.MonkeyPatch.context() as mp:
        _identity(mp, tmp_path_factory.mktemp("template-home"))
        plain = make_gitops(tmp_path_factory.mktemp("plain"))
        made["plain"] = plain.remote
        two = make_gitops(tmp_path_factory.mktemp("two"))
        commit_and_push(two, add_worker, "add the worker")
        made["two"] = two.remote
    yield made


def _copy(template: Path, tmp: Path) -> GitOps:
    remote = tmp / "gitops.git"
    shutil.copytree(template, remote)
    return GitOps(remote, tmp)


@pytest.fixture
def gitops(templates: dict[str, Path], tmp_path: Path) -> GitOps:
    return _copy(templates["plain"], tmp_path)


@pytest.fixture
def two(templates: dict[str, Path], tmp_path: Path) -> GitOps:
    """Staging deploys web and worker; production has only a web entry."""
    return _copy(templates["two"], tmp_path)


# --------------------------------------------------------------------------- set-image


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


# --------------------------------------------------------------------------- promote


def test_promote_image_filter_and_new_name_for_a_missing_entry(two: GitOps) -> None:
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}", "worker=7654321"])
    assert "worker" not in entries(two, PRODUCTION)

    web = promotion.promote(url(two), opts(), "production", images=["web"])
    assert [d.name for d in web.images] == ["web"]
    after_web = entries(two, PRODUCTION)
    assert after_web["web"].new_tag == SHA_A
    assert "worker" not in after_web

    worker = promotion.promote(url(two), opts(), "production", images=["worker"])
    assert worker.images == (ImageDelta("worker", None, "7654321", None, None),)
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


# --------------------------------------------------------------------------- rollback


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


# --------------------------------------------------------------------------- concurrency


def test_stale_local_copy_retries_on_the_new_tip(gitops: GitOps) -> None:
    work = gitops.clone()
    other = promotion.promote(url(gitops), opts(), "production")  # another job, first
    assert other.commit == gitops.head()
    sleeps = Sleeps()
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.attempts == 2
    assert len(sleeps.calls) == 1 and sleeps.calls[0] >= 0
    assert result.pushed and result.commit == gitops.head()
    assert git(gitops.remote, "rev-parse", "main~1").strip() == other.commit
    assert entries(gitops, STAGING)["web"].new_tag == SHA_A
    assert entries(gitops, PRODUCTION)["web"].new_tag == STAGING_TAG
    assert git(work, "rev-parse", "HEAD").strip() == gitops.head()
    assert git(work, "status", "--porcelain") == ""


def test_stale_local_copy_finds_the_same_tag_already_pushed(gitops: GitOps) -> None:
    work = gitops.clone()
    # Another job's commit differs by its build URL: an identical commit (same tree, parent,
    # message, identity and second) would have the same sha and make the push a no-op.
    promotion.set_image(url(gitops), opts(environ={"CIRCLE_BUILD_URL": "https://ci/other"}),
                        "staging", [f"web={SHA_A}"])
    head, commits = gitops.head(), count_commits(gitops)
    sleeps = Sleeps()
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.changed is False
    assert (result.commit, result.pushed, result.attempts) == (None, False, 2)
    assert len(sleeps.calls) == 1
    assert (gitops.head(), count_commits(gitops)) == (head, commits)
    assert git(work, "rev-parse", "HEAD").strip() == head


def test_attempts_exhausted_leaves_the_local_copy_as_it_was(gitops: GitOps) -> None:
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    remote_head = gitops.head()
    before = worktree_state(work)
    sleeps = Sleeps()
    with pytest.raises(GitError) as caught:
        promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps, max_attempts=1),
                            "staging", [f"web={SHA_A}"])
    assert isinstance(caught.value, PushRejected) and caught.value.retryable
    assert "rejected" in str(caught.value)
    assert sleeps.calls == []
    assert worktree_state(work) == before
    assert git(work, "diff", "--cached", "--name-only") == ""
    assert gitops.head() == remote_head


def add_note(root: Path) -> None:
    (root / "NOTES.md").write_text("release notes\n")


class PushDuringFirstBackoff(Sleeps):
    """Records delays; during the first one another job pushes, so the retry is stale too."""

    def __init__(self, gitops: GitOps) -> None:
        super().__init__()
        self.gitops = gitops
        self.pushed: list[str] = []

    def __call__(self, seconds: float) -> None:
        super().__call__(seconds)
        if len(self.calls) == 1:
            self.pushed.append(commit_and_push(self.gitops, add_note, "notes"))


def test_remote_moving_again_during_backoff(gitops: GitOps) -> None:
    """The retry backs off first and syncs after, so a push made during the backoff is already
    in the tip it plans on: one retry is enough."""
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    sleeps = PushDuringFirstBackoff(gitops)
    result = promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps), "staging",
                                 [f"web={SHA_A}"])
    assert result.attempts == 2
    assert len(sleeps.calls) == 1 and len(sleeps.pushed) == 1
    assert result.commit == gitops.head()
    assert gitops.subjects()[:3] == [f"deploy(staging): web {SHA_A}", "notes",
                                     f"promote(production): web {STAGING_TAG}"]
    assert git(gitops.remote, "rev-parse", "main~1").strip() == sleeps.pushed[0]
    assert git(work, "status", "--porcelain") == ""


def racing_pre_push_hook(work: Path, gitops: GitOps) -> Path:
    """Install a pre-push hook in `work` that makes another job push to the remote first, on
    every push: the branch always moves between plan and push."""
    racer = gitops.clone("racer")
    hook = work / ".git" / "hooks" / "pre-push"
    hook.write_text(
        "#!/bin/sh\nunset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE\n"
        f"cd '{racer}' && git pull -q --ff-only && date +%N >> notes.txt && "
        "git add notes.txt && git -c user.name=racer -c user.email=r@example.com "
        "commit -qm notes && git push -q origin HEAD:main\n"
    )
    hook.chmod(0o755)
    return racer


def test_attempts_exhausted_leave_no_promoter_commit_anywhere(gitops: GitOps) -> None:
    work = gitops.clone()
    promotion.promote(url(gitops), opts(), "production")
    git(work, "pull", "-q", "--ff-only")
    before = git(work, "rev-parse", "HEAD")
    racer = racing_pre_push_hook(work, gitops)
    sleeps = Sleeps()
    with pytest.raises(PushRejected, match="rejected 2 times because the branch kept moving"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(sleep=sleeps, max_attempts=2),
                            "staging", [f"web={SHA_A}"])
    assert len(sleeps.calls) == 1
    assert gitops.head() == git(racer, "rev-parse", "HEAD").strip()
    assert "deploy(staging)" not in gitops.subjects()[0]
    assert entries(gitops, STAGING)["web"].new_tag == STAGING_TAG
    assert git(work, "rev-parse", "HEAD") == before  # rewound, not fast-forwarded
    assert read_images((work / STAGING).read_text())[0].new_tag == STAGING_TAG
    assert git(work, "status", "--porcelain") == ""


def test_max_attempts_below_one_is_a_usage_error(gitops: GitOps) -> None:
    with pytest.raises(UsageError, match="at least 1"):
        promotion.set_image(url(gitops), opts(max_attempts=0), "staging", [f"web={SHA_A}"])


# --------------------------------------------------------------------------- dry run


def test_dry_run_on_a_url(gitops: GitOps) -> None:
    head = gitops.head()
    result = promotion.set_image(url(gitops), opts(dry_run=True), "staging", [f"web={SHA_A}"])
    assert result.dry_run and result.changed
    assert (result.commit, result.pushed, result.message) == (None, False, None)
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert gitops.head() == head


def test_dry_run_in_a_local_copy(gitops: GitOps) -> None:
    promotion.set_image(url(gitops), opts(), "staging", [f"web={SHA_A}"])
    work = gitops.clone()
    before = worktree_state(work)
    result = promotion.promote(RepoOptions(repo=str(work)), opts(dry_run=True), "production")
    assert result.dry_run and result.changed and result.commit is None
    assert result.images == (ImageDelta("web", PRODUCTION_TAG, SHA_A, None, None),)
    assert f"\n+    newTag: {SHA_A}" in result.diff
    assert worktree_state(work) == before
    assert entries(gitops, PRODUCTION)["web"].new_tag == PRODUCTION_TAG


# --------------------------------------------------------------------------- reads


def test_status_shape(two: GitOps) -> None:
    envs = {e.name: e for e in promotion.status(url(two))}
    assert list(envs) == ["staging", "production"]
    staging, production = envs["staging"], envs["production"]
    assert (staging.path, staging.source, staging.in_sync) == ("overlays/staging", None, None)
    assert (production.source, production.in_sync) == ("staging", False)
    assert [e.name for e in staging.images] == ["web", "worker"]
    assert production.images == (ImageEntry("web", f"{REGISTRY}/web", PRODUCTION_TAG),)
    doc = production.to_json()
    assert set(doc) == {"name", "path", "source", "in_sync", "error", "images"}
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


def test_repeated_rollback_keeps_going_back(gitops: GitOps) -> None:  # 4
    for sha in (SHA_A, SHA_B, SHA_C):
        promotion.set_image(url(gitops), opts(), "staging", [f"web={sha}"])
    assert promotion.rollback(url(gitops), opts(), "staging").images[0].new_tag == SHA_B
    assert promotion.rollback(url(gitops), opts(), "staging").images[0].new_tag == SHA_A


def test_local_copy_with_uncommitted_files_elsewhere_is_refused(gitops: GitOps) -> None:
    """kustomize renders the working copy: an uncommitted base change could pass verification
    and then be missing from the commit. promoter refuses instead."""
    work = gitops.clone()
    deployment = work / "overlays" / "base" / "deployment.yaml"
    deployment.write_text(deployment.read_text() + "# local experiment\n")
    state = worktree_state(work)
    with pytest.raises(PolicyError, match=r"overlays/base/deployment\.yaml .*clean"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(), "staging", [f"web={SHA_A}"])
    assert worktree_state(work) == state
    assert entries(gitops, STAGING)["web"].new_tag == STAGING_TAG


def test_local_copy_with_unpushed_commits_is_refused(gitops: GitOps) -> None:
    work = gitops.clone()
    (work / "NOTES.md").write_text("work in progress\n")
    git(work, "add", "NOTES.md")
    git(work, "commit", "-qm", "WIP: not for the remote")
    head = gitops.head()
    with pytest.raises(PolicyError, match=r"1 commit\(s\) not on origin/main"):
        promotion.set_image(RepoOptions(repo=str(work)), opts(), "staging", [f"web={SHA_A}"])
    assert gitops.head() == head


def test_promote_tag_requires_every_named_image_to_have_had_it(two: GitOps) -> None:
    promotion.set_image(url(two), opts(), "staging", [f"web={SHA_A}"])
    with pytest.raises(PolicyError, match=f"{SHA_A} was never deployed to staging for web, nope"):
        promotion.promote(url(two), opts(), "production", tag=SHA_A, images=["web", "nope"])


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


def test_message_cannot_forge_trailers(gitops: GitOps) -> None:
    head = gitops.head()
    forged = CommitOptions(message="fix\nPromoter-Environment: production", sleep=Sleeps())
    with pytest.raises(UsageError, match="Promoter-"):
        promotion.set_image(url(gitops), forged, "staging", [f"web={SHA_A}"])
    assert gitops.head() == head
