"""What check-pipeline reports: findings (a job that breaks a rule) and what it checked."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    job: str
    workflow: str
    message: str

    def __str__(self) -> str:
        return f"workflow {self.workflow}, job {self.job}: {self.message}"


@dataclass(frozen=True)
class PipelineReport:
    path: str
    checked: list[str]  # one human line per thing checked
    findings: list[Finding]

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_json(self) -> dict[str, object]:
        return {
            "path": self.path,
            "ok": self.ok,
            "checked": list(self.checked),
            "findings": [{"workflow": f.workflow, "job": f.job, "message": f.message}
                         for f in self.findings],
        }
