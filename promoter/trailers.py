"""Commit messages with machine-readable Promoter-* trailers: writing them, and reading them back.

A promoter commit message looks like:

    deploy(staging): web abc1234

    Set web to abc1234 in staging.

    Promoter-Action: set-image
    Promoter-Environment: staging
    Promoter-Image: web=abc1234

Reading is lenient: Promoter-* lines are found anywhere in a message (GitHub squash merges
concatenate several commit messages, as `* subject` bullets, sometimes indented), and every
Promoter-Action line starts a new record. Pure text: no git, no files.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import zip_longest

from promoter.kustomize.imageref import ImageRef
from promoter.sanitize import redact

TRAILER_PREFIX = "Promoter-"
ACTION = f"{TRAILER_PREFIX}Action"
ENVIRONMENT = f"{TRAILER_PREFIX}Environment"
IMAGE = f"{TRAILER_PREFIX}Image"
SOURCE = f"{TRAILER_PREFIX}Source"
BUILD_URL = f"{TRAILER_PREFIX}Build-URL"
WORKFLOW_ID = f"{TRAILER_PREFIX}Workflow-ID"
TRIGGERED_BY = f"{TRAILER_PREFIX}Triggered-By"
GATE = f"{TRAILER_PREFIX}Gate"
SOAK = f"{TRAILER_PREFIX}Soak"
APPROVED_BY = f"{TRAILER_PREFIX}Approved-By"
APPROVAL_JOB = f"{TRAILER_PREFIX}Approval-Job"
OVERRIDE = f"{TRAILER_PREFIX}Override"

MANUAL = "manual"  # the action of a change without a promoter record
SKIP_CI = "[skip ci]"
SUBJECT_VERB = {"set-image": "deploy", "promote": "promote", "rollback": "rollback"}
_TRAILER_LINE = re.compile(
    rf"^\s*(?:[*-]\s+)?(?P<key>{TRAILER_PREFIX}[A-Za-z-]+)\s*:\s*(?P<value>.*?)\s*$",
    re.IGNORECASE,
)
_SHORT_DIGEST = 12
_APPROVED_BY = re.compile(r"^(?P<login>\S+)(?:\s+\((?P<name>.*)\))?$")


class ImageTrailer(ImageRef):
    """One image as written in a Promoter-Image trailer: NAME=TAG[@DIGEST] or NAME@DIGEST."""

    def format(self) -> str:
        text = self.name
        if self.tag:
            text += f"={self.tag}"
        if self.digest:
            text += f"@{self.digest}"
        return text

    @classmethod
    def parse(cls, value: str) -> ImageTrailer | None:
        """The image in a trailer value, or None when the value is malformed."""
        text = value.strip()
        if not text or any(char.isspace() for char in text):
            return None
        name, equals, rest = text.partition("=")
        if not equals:
            name, _, digest = text.partition("@")
            return cls(name, None, digest) if name and digest else None
        tag, _, digest = rest.partition("@")
        if not name or (not tag and not digest):
            return None
        return cls(name, tag or None, digest or None)

    def version(self) -> str:
        """`tag`, `tag@sha256:0123456789ab` or `sha256:0123456789ab` (digests shortened)."""
        digest = _short_digest(self.digest) if self.digest else None
        if self.tag and digest:
            return f"{self.tag}@{digest}"
        return self.tag or digest or ""

    def short(self) -> str:
        """Human form for subjects: `web abc1234`, `web sha256:0123456789ab`."""
        return f"{self.name} {self.version()}".rstrip()


@dataclass(frozen=True)
class GateTrailer:
    """One gate that let a promotion through, as written in a Promoter-Gate trailer:
    CONTEXT=STATE@COMMIT (the context may itself hold `=` or `@`)."""

    context: str
    state: str  # "success"
    commit: str

    def format(self) -> str:
        return f"{self.context}={self.state}@{self.commit}"

    @classmethod
    def parse(cls, value: str) -> GateTrailer | None:
        """The gate in a trailer value, or None when the value is malformed."""
        rest, at, commit = value.strip().rpartition("@")
        context, equals, state = rest.rpartition("=")
        if not (at and equals and context.strip() and state and commit) or " " in commit + state:
            return None
        return cls(context.strip(), state, commit)

    def to_json(self) -> dict[str, str]:
        return {"context": self.context, "state": self.state, "commit": self.commit}


def _short_digest(digest: str) -> str:
    algorithm, colon, hex_part = digest.partition(":")
    if not colon:
        return digest[:_SHORT_DIGEST]
    return f"{algorithm}:{hex_part[:_SHORT_DIGEST]}"


@dataclass(frozen=True)
class Approver:
    """Who approved a change, and in which approval job: written as the trailer pair
    `Promoter-Approved-By: LOGIN (NAME)` and `Promoter-Approval-Job: JOB`."""

    login: str
    name: str | None = None
    job: str | None = None

    def approved_by(self) -> str:
        """`alice (Alice Liddell)`, or `alice` without a name."""
        return f"{self.login} ({self.name})" if self.name else self.login

    @classmethod
    def parse(cls, value: str, job: str | None = None) -> Approver | None:
        """The approver in a Promoter-Approved-By value, or None when it names nobody."""
        match = _APPROVED_BY.match(value.strip())
        if match is None:
            return None
        return cls(match["login"], (match["name"] or "").strip() or None, job or None)

    def to_json(self) -> dict[str, str | None]:
        return {"login": self.login, "name": self.name, "job": self.job}


@dataclass(frozen=True)
class Record:
    action: str  # "set-image" | "promote" | "rollback"; "manual" in history (no record)
    environment: str
    images: tuple[ImageTrailer, ...]
    source: str | None = None  # "staging@<sha>" for promotions
    build_url: str | None = None
    workflow_id: str | None = None
    triggered_by: str | None = None
    gates: tuple[GateTrailer, ...] = ()  # what let a promotion through (Promoter-Gate)
    soak: str | None = None  # how long the source had been healthy, e.g. "47m" (Promoter-Soak)
    approvals: tuple[Approver, ...] = ()  # every approval job upstream of the CI job
    overrides: tuple[str, ...] = ()  # "approval: REASON": a requirement let through


def split_source(source: str | None) -> tuple[str | None, str | None]:
    """A Promoter-Source value "staging@SHA" -> ("staging", "SHA")."""
    if source and "@" in source:
        env, commit = source.split("@", 1)
        return env, commit
    return source, None


def subject_for(record: Record) -> str:
    """`deploy(ENV): web abc1234`, `promote(ENV): ...`, `rollback(ENV): ...`."""
    verb = SUBJECT_VERB.get(record.action, record.action)
    images = ", ".join(image.short() for image in record.images)
    subject = f"{verb}({record.environment})"
    return f"{subject}: {images}" if images else subject


def _default_body(record: Record) -> str:
    images = " and ".join(f"{image.name} to {image.version()}" for image in record.images)
    listed = ", ".join(image.short() for image in record.images)
    if record.action == "set-image":
        return f"Set {images} in {record.environment}."
    if record.action == "promote":
        origin = f" from {record.source}" if record.source else ""
        return f"Promote {listed} to {record.environment}{origin}."
    if record.action == "rollback":
        return f"Roll {record.environment} back to {listed}."
    return f"{record.action} in {record.environment}: {listed}."


def _one_line(value: str) -> str:
    return " ".join(value.split())


def trailers(record: Record) -> list[tuple[str, str]]:
    """The (key, value) trailer pairs of record, in their written order."""
    pairs = [(ACTION, record.action), (ENVIRONMENT, record.environment)]
    pairs += [(IMAGE, image.format()) for image in record.images]
    pairs += [(SOURCE, record.source)] if record.source else []
    pairs += [(GATE, gate.format()) for gate in record.gates]
    optional = [
        (SOAK, record.soak),
        (BUILD_URL, redact(record.build_url) if record.build_url else None),
        (WORKFLOW_ID, record.workflow_id),
        (TRIGGERED_BY, record.triggered_by),
    ]
    pairs += [(key, value) for key, value in optional if value]
    for approver in record.approvals:
        pairs.append((APPROVED_BY, approver.approved_by()))
        pairs.append((APPROVAL_JOB, approver.job or "(unknown)"))
    pairs += [(OVERRIDE, override) for override in record.overrides]
    return [(key, _one_line(value)) for key, value in pairs]


def format_message(
    record: Record,
    *,
    body: str | None = None,
    skip_ci: bool = False,
    subject: str | None = None,
) -> str:
    """Subject, blank line, body, blank line, Promoter-* trailers.

    The trailers form the last paragraph, so `git interpret-trailers --parse` reads them all.
    """
    first = _one_line(subject if subject is not None else subject_for(record))
    if skip_ci and SKIP_CI not in first:
        first = f"{first} {SKIP_CI}"
    text = (body if body is not None else _default_body(record)).strip()
    block = "\n".join(f"{key}: {value}" for key, value in trailers(record))
    parts = [first, text, block] if text else [first, block]
    return "\n\n".join(parts) + "\n"


def ci_metadata(environ: Mapping[str, str]) -> dict[str, str]:
    """Record fields (build_url, workflow_id, triggered_by) from CircleCI, else GitHub Actions."""
    circle = {
        "build_url": environ.get("CIRCLE_BUILD_URL", ""),
        "workflow_id": environ.get("CIRCLE_WORKFLOW_ID", ""),
        "triggered_by": environ.get("CIRCLE_USERNAME", ""),
    }
    if any(circle.values()):
        return {key: value for key, value in circle.items() if value}
    return _github_metadata(environ)


def _github_metadata(environ: Mapping[str, str]) -> dict[str, str]:
    run_id = environ.get("GITHUB_RUN_ID", "")
    server, repository = environ.get("GITHUB_SERVER_URL", ""), environ.get("GITHUB_REPOSITORY", "")
    found = {
        "build_url": f"{server}/{repository}/actions/runs/{run_id}"
        if run_id and server and repository else "",
        "workflow_id": run_id,
        "triggered_by": environ.get("GITHUB_ACTOR", ""),
    }
    return {key: value for key, value in found.items() if value}


def parse_records(message: str) -> list[Record]:
    """Every record in message, in message order; each Promoter-Action line starts one."""
    groups: list[list[tuple[str, str]]] = []
    for line in message.splitlines():
        match = _TRAILER_LINE.match(line)
        if not match:
            continue
        key, value = match["key"].lower(), match["value"]
        if key == ACTION.lower():
            groups.append([])
        if groups:
            groups[-1].append((key, value))
    records = (_record(group) for group in groups)
    return [record for record in records if record is not None]


def parse_record(message: str) -> Record | None:
    """The last record in message, or None."""
    records = parse_records(message)
    return records[-1] if records else None


def _record(pairs: list[tuple[str, str]]) -> Record | None:
    first: dict[str, str] = {}
    repeated: dict[str, list[str]] = {
        key.lower(): [] for key in (IMAGE, GATE, APPROVED_BY, APPROVAL_JOB, OVERRIDE)}
    for key, value in pairs:
        if key in repeated:
            repeated[key].append(value)
        elif value:
            first.setdefault(key, value)
    action, environment = first.get(ACTION.lower()), first.get(ENVIRONMENT.lower())
    if not action or not environment:
        return None
    images = (ImageTrailer.parse(value) for value in repeated[IMAGE.lower()])
    gates = (GateTrailer.parse(value) for value in repeated[GATE.lower()])
    return Record(
        action=action,
        environment=environment,
        images=tuple(image for image in images if image is not None),
        source=first.get(SOURCE.lower()),
        build_url=first.get(BUILD_URL.lower()),
        workflow_id=first.get(WORKFLOW_ID.lower()),
        triggered_by=first.get(TRIGGERED_BY.lower()),
        gates=tuple(gate for gate in gates if gate is not None),
        soak=first.get(SOAK.lower()),
        approvals=_approvers(repeated[APPROVED_BY.lower()], repeated[APPROVAL_JOB.lower()]),
        overrides=tuple(value for value in repeated[OVERRIDE.lower()] if value),
    )


def _approvers(approved_by: list[str], jobs: list[str]) -> tuple[Approver, ...]:
    """The i-th Promoter-Approved-By with the i-th Promoter-Approval-Job."""
    paired = zip_longest(approved_by, jobs[:len(approved_by)])
    found = (Approver.parse(value, job) for value, job in paired if value is not None)
    return tuple(approver for approver in found if approver is not None)
