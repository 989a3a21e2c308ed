"""What check-pipeline reports: findings (a job that breaks a rule), what it checked, the steps
it could not see into, and every job that reaches a guarded environment."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Finding:
    job: str
    workflow: str
    message: str

    def __str__(self) -> str:
        return f"workflow {self.workflow}, job {self.job}: {self.message}"


@dataclass(frozen=True)
class UnverifiedStep:
    """A step that could run promoter and that check-pipeline cannot see into."""

    workflow: str
    job: str
    location: str  # "file:line"
    reason: str  # "runs the script ./scripts/deploy.sh"
    command: str  # the command as written
    reaches: list[str]  # guarded environments its job reaches: non-empty makes it count
    reviewed: str | None  # "file:line: note" of the `# promoter: reviewed` pragma covering it

    @property
    def fails(self) -> bool:
        return bool(self.reaches) and self.reviewed is None


@dataclass(frozen=True)
class GuardedJob:
    """A job that reaches an environment with a source: how, its approvals, its serial group."""

    workflow: str
    job: str
    environments: list[str]
    how: str  # "promoter" (a promoter call it runs) or "unverified" (only signs of it)
    approvals: list[str]  # approval jobs upstream (success only)
    after: list[str]  # jobs deploying the source upstream of those approvals
    serial_group: str | None

    @property
    def approval_path(self) -> str:
        if not self.approvals:
            return "none"
        return " → ".join([", ".join(self.after), ", ".join(self.approvals)] if self.after
                          else [", ".join(self.approvals)])


@dataclass(frozen=True)
class PipelineReport:
    path: str
    checked: list[str]  # one human line per thing checked
    findings: list[Finding]
    unverified: list[UnverifiedStep] = field(default_factory=list)
    guarded: list[GuardedJob] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.findings

    @property
    def reviewed(self) -> list[UnverifiedStep]:
        return [u for u in self.unverified if u.reviewed is not None]

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "ok": self.ok,
            "checked": list(self.checked),
            "findings": [{"workflow": f.workflow, "job": f.job, "message": f.message}
                         for f in self.findings],
            "unverifiable": [asdict(u) for u in self.unverified],
            "guarded": [{**asdict(g), "approval_path": g.approval_path} for g in self.guarded],
        }
