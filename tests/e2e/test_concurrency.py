"""Many CI jobs promoting into one GitOps repo at once: no update is lost."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from tests.e2e.conftest import PROJECT, PROMOTER, git

JOBS = 16


def make_many_environments(tmp: Path, count: int) -> str:
    remote = tmp / "gitops.git"
    seed = tmp / "seed"
    git(tmp, "init", "--quiet", "--bare", "--initial-branch=main", str(remote))
    git(tmp, "init", "--quiet", "--initial-branch=main", str(seed))
    shutil.copytree(PROJECT / "overlays" / "base", seed / "overlays" / "base")
    for n in range(count):
        env = seed / "overlays" / f"env{n:02d}"
        shutil.copytree(PROJECT / "overlays" / "staging", env)
    git(seed, "add", "--all")
    git(seed, "commit", "--quiet", "-m", "many environments")
    git(seed, "push", "--quiet", remote.as_uri(), "main")
    return remote.as_uri()


def test_sixteen_concurrent_jobs_all_land(tmp_path: Path) -> None:
    url = make_many_environments(tmp_path, JOBS)
    tags = {f"env{n:02d}": f"{n:02d}" + "0" * 5 + f"{n:033x}" for n in range(JOBS)}
    env = dict(os.environ, CI="true")
    procs = [
        subprocess.Popen(
            [str(PROMOTER), "set-image", name, f"web={tag}", "--repo", url,
             "--max-attempts", "40", "--json"],
            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            stdin=subprocess.DEVNULL,
        )
        for name, tag in tags.items()
    ]
    results = [p.communicate(timeout=600) for p in procs]
    failures = [(p.returncode, e) for p, (_, e) in zip(procs, results, strict=True)
                if p.returncode != 0]
    assert failures == []
    remote = tmp_path / "gitops.git"
    for name, tag in tags.items():
        text = git(remote, "show", f"main:overlays/{name}/kustomization.yaml")
        assert f"newTag: {tag}" in text or f"newTag: '{tag}'" in text or f'newTag: "{tag}"' in text
    subjects = git(remote, "log", "--format=%s", "main").splitlines()
    for name, tag in tags.items():
        assert f"deploy({name}): web {tag}" in subjects
    assert len(subjects) == JOBS + 1
