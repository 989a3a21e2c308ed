"""pr-status --merge and the target's gates: the versions a promotion pull request brings into
the target's overlay (read from its head commit's content, not from its message) must pass the
gates on the source's commits, as `promote` requires before it commits."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from promoter.config import Config
from promoter.errors import GitError
from promoter.forge import CommitStatuses, PullRequest
from promoter.gates import Gates
from promoter.gitrepo import Workspace
from promoter.kustomize.document import read_images
from promoter.kustomize.entries import ImageEntry
from promoter.promotion.gating import GatePass, judge, read_board
from promoter.promotion.versions import deployment, in_place, kustomization_rel, read_entries
from promoter.trailers import parse_records

#: Called with the pull request about to be merged: its GatePass (None: no gates to pass), or
#: GateRefused.
MergeGate = Callable[[PullRequest], GatePass | None]


def merge_gate(ws: Workspace, cfg: Config, environment: str, reader: CommitStatuses,
               now: Callable[[], datetime]) -> MergeGate:
    """The gate check of ENV's promotion pull requests, in the workspace of their base."""

    def check(pr: PullRequest) -> GatePass | None:
        env = cfg.environment(environment)
        if env.gates is None or env.source is None:
            return None
        source = cfg.environment(env.source)
        wanted = _brought(ws, env.name, kustomization_rel(ws, env), pr)
        if not wanted:
            return None
        gates: Gates = env.gates
        stretch = deployment(ws, kustomization_rel(ws, source), wanted, source.name)
        board = read_board(reader, stretch.commits, gates.statuses) if gates.statuses else {}
        return judge(gates, stretch, board, now=now(), target=env.name)

    return check


def _brought(ws: Workspace, env: str, rel: str, pr: PullRequest) -> list[ImageEntry]:
    """The entries of the target's overlay at the pull request's head whose tag or digest the
    base does not have; none for a rollback (a rollback is never gated)."""
    head = ws.branches.fetch(pr.head_branch)
    if head != pr.head_sha:
        raise GitError(f"branch {pr.head_branch} of pull request #{pr.number} moved while "
                       f"promoter read it (now {head[:12]}, GitHub said {pr.head_sha[:12]})",
                       hint="run pr-status again")
    records = [r for r in parse_records(ws.log.message(head)) if r.environment == env]
    if records and records[-1].action == "rollback":
        return []
    text = ws.log.file_at(head, rel)
    after = read_images(text, source=f"{rel}@{head[:12]}") if text is not None else []
    before = read_entries(ws, rel)
    return [e for e in after if (e.new_tag or e.digest) and not in_place(e, before)]
