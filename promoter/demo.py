"""`promoter demo`: the whole pipeline on a throwaway GitOps repo made from the sample layout.

The demo plays the CircleCI jobs a service would run: deploy a commit hash to staging, wait for
approval, promote that very tag to production, and show that a tag staging never had is refused.
It reports each step through a callback; the CLI decides how to print it.

The sample layout (overlays/ and promoter.yaml) lives once, at the repository root. A built
wheel carries a copy as promoter/demo_data/ (setup.py copies it at build time); a checkout
(editable install, tests) reads the root itself.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from promoter import promotion
from promoter.config import CONFIG_NAME
from promoter.errors import GitError, PolicyError, UsageError
from promoter.gitrepo.command import GitRunner, detail, git_timeout
from promoter.history import HistoryEntry
from promoter.promotion import ChangeResult, CommitOptions, EnvironmentStatus, RepoOptions

PACKAGED_SAMPLE = Path(__file__).resolve().parent / "demo_data"
CHECKOUT_SAMPLE = Path(__file__).resolve().parent.parent
IMAGE = "web"
BOT = ("user.name=promoter demo", "user.email=promoter-demo@example.invalid")


@dataclass
class Step:
    title: str
    detail: str = ""
    change: ChangeResult | None = None
    status: list[EnvironmentStatus] | None = None
    history: list[HistoryEntry] | None = None
    commit_message: str | None = None
    refusal: PolicyError | None = None
    lines: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class DemoResult:
    workdir: Path
    remote_url: str
    tag: str
    staging_tag: str | None
    production_tag: str | None
    approved: bool

    def to_json(self) -> dict[str, object]:
        return {
            "workdir": str(self.workdir),
            "remote": self.remote_url,
            "tag": self.tag,
            "approved": self.approved,
            "staging_tag": self.staging_tag,
            "production_tag": self.production_tag,
        }


def find_source(source: Path | None = None) -> Path:
    """The folder holding overlays/ and promoter.yaml: --source, else the sample shipped in the
    package, else the checkout promoter runs from."""
    candidates = [source] if source is not None else [PACKAGED_SAMPLE, CHECKOUT_SAMPLE]
    for root in candidates:
        if (root / "overlays").is_dir() and (root / CONFIG_NAME).is_file():
            return root
    raise UsageError(
        f"{candidates[0]} has no overlays/ and {CONFIG_NAME} to build the demo repository from",
        hint="pass --source DIR with a GitOps layout, or reinstall promoter from a wheel or a "
             "checkout (the sample layout ships in promoter/demo_data/)",
    )


def make_remote(source: Path, workdir: Path) -> str:
    """A bare repo seeded with overlays/ and promoter.yaml; returns its file:// URL."""
    remote = workdir / "gitops.git"
    seed = workdir / "seed"
    _git(workdir, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    _git(workdir, "init", "--quiet", "--initial-branch=main", str(seed))
    shutil.copytree(source / "overlays", seed / "overlays")
    shutil.copy2(source / CONFIG_NAME, seed / CONFIG_NAME)
    _git(seed, "add", "--all")
    _git(seed, "commit", "--quiet", "-m", "Initial GitOps layout (from promoter's overlays/)",
         config=BOT)
    _git(seed, "push", "--quiet", remote.as_uri(), "main")
    shutil.rmtree(seed)
    return remote.as_uri()


def run_demo(report: Callable[[Step], None], approve: Callable[[str], bool], *,
             source: Path | None = None, workdir: Path | None = None) -> DemoResult:
    root = find_source(source)
    work = _empty_workdir(workdir)
    url = make_remote(root, work)
    repo = RepoOptions(repo=url)
    tag = secrets.token_hex(20)
    report(Step("A throwaway GitOps repository", f"{url} made from {root / 'overlays'}"))
    report(Step("Where things stand", status=promotion.status(repo)))

    ci = _circleci(tag, build=101, job="promote-staging")
    change = promotion.set_image(repo, CommitOptions(environ=ci, sleep=_no_sleep), "staging",
                                 [f"{IMAGE}={tag}"])
    report(Step(f"CircleCI job promote-staging: promoter set-image staging {IMAGE}={tag[:12]}…",
                change=change, commit_message=change.message))
    report(Step("Staging now differs from production", status=promotion.status(repo)))

    approved = approve(f"Approve the promotion of {IMAGE} {tag[:12]}… to production?")
    report(Step("request_prod: approval", "approved" if approved else "not approved: stopping"))
    if approved:
        _promote_to_production(report, repo, tag)
    statuses = {s.name: s for s in promotion.status(repo)}
    report(_explore(url, work))
    return DemoResult(work, url, tag, _tag(statuses.get("staging")),
                      _tag(statuses.get("production")), approved)


def _empty_workdir(workdir: Path | None) -> Path:
    work = workdir or Path(tempfile.mkdtemp(prefix="promoter-demo-"))
    if work.exists() and any(work.iterdir()):
        raise UsageError(f"{work} is not empty", hint="remove it, or pick another --workdir")
    work.mkdir(parents=True, exist_ok=True)
    return work


def _promote_to_production(report: Callable[[Step], None], repo: RepoOptions, tag: str) -> None:
    ci = _circleci(tag, build=102, job="promote-production")
    change = promotion.promote(repo, CommitOptions(environ=ci, sleep=_no_sleep),
                               "production", tag=tag)
    report(Step(f"CircleCI job promote-production: promoter promote production --tag "
                f"{tag[:12]}…", change=change, commit_message=change.message))
    report(Step("Production runs exactly what staging tested", status=promotion.status(repo)))
    report(Step("promoter history production",
                history=promotion.history(repo, "production")))
    report(_refusal(repo))


def _explore(url: str, work: Path) -> Step:
    return Step("Explore it yourself", lines=[
        f"git clone {url} {work / 'gitops'}",
        f"git -C {work / 'gitops'} log --format='%h %s%n%(trailers:only)' ",
        f"promoter status --repo {url}",
        f"promoter history staging --repo {url}",
        f"rm -rf {work}   # when done",
    ])


def _refusal(repo: RepoOptions) -> Step:
    never = secrets.token_hex(20)
    title = f"A tag staging never had is refused: promoter promote production --tag {never[:12]}…"
    try:
        promotion.promote(repo, CommitOptions(sleep=_no_sleep), "production", tag=never)
    except PolicyError as exc:
        return Step(title, refusal=exc)
    raise AssertionError("promote of a tag staging never had was not refused")


def _tag(env: EnvironmentStatus | None) -> str | None:
    if env is None:
        return None
    for entry in env.images:
        if IMAGE in (entry.name, entry.new_name):
            return entry.new_tag
    return None


def _circleci(tag: str, *, build: int, job: str) -> dict[str, str]:
    return {
        "CI": "true",
        "CIRCLECI": "true",
        "CIRCLE_SHA1": tag,
        "CIRCLE_BUILD_URL": f"https://circleci.com/gh/example-org/web/{build}",
        "CIRCLE_WORKFLOW_ID": "5f0c8a53-demo-4e3b-9c1d-release",
        "CIRCLE_USERNAME": "demo-developer",
        "CIRCLE_JOB": job,
    }


def _git(cwd: Path, *args: str, config: Sequence[str] = ()) -> str:
    done = GitRunner(cwd, git_timeout()).run(*args, config=config)
    if not done.ok:
        raise GitError(f"git {' '.join(args[:2])} failed in the demo: {detail(done)}")
    return done.text


def _no_sleep(_: float) -> None:
    return None
