"""Safety lint for a CircleCI config that runs promoter: `promoter check-pipeline`.

promoter refuses, at run time, a production tag that staging never had. What it cannot see at run
time is the pipeline around it. This module reads `.circleci/config.yml` and finds every job that
changes an environment (`promoter promote|rollback|set-image ENV`, in `run:` steps, reusable
commands, inline orbs and `pre-steps`/`post-steps`), then checks each workflow:

(a) a job changing an environment that has a source (production) has an approval job
    (`type: approval`) upstream, through `requires`, in the same workflow;
(b) for `promote` (and `set-image`), that approval itself comes after a job deploying the source
    environment (a person approves what staging runs, not what it will run);
(c) that job has a `serial-group` on its workflow entry, where CircleCI reads it, and every job
    changing the same environment uses the same group (two promotions never race);
(d) every `requires` names a job of that workflow;
(e) `set-image` is never used on an environment with a source: it skips the source check.

Only `requires` that wait for success count as "upstream" for (a) and (b): a job that also runs
when its requirement failed is not guarded by it.
"""

from __future__ import annotations

import itertools
import re
import shlex
from collections.abc import Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from promoter.errors import ContentError

ACTIONS = ("promote", "rollback", "set-image")
ALL_STATUSES = frozenset({"success", "failed", "canceled", "not_run", "unauthorized"})
_HINT = "see https://circleci.com/docs/reference/configuration-reference/"
_MAX_DEPTH = 25

# promoter's own options: those that take a value, and flags. Anything else starting with `-` is
# treated as taking a value unless the next word is a known environment or another option.
_VALUE_OPTIONS = frozenset({
    "--repo", "--branch", "--config", "--message", "-m", "--max-attempts", "--tag", "--image",
    "--from", "--to", "--limit", "--source", "--workdir",
})
_FLAG_OPTIONS = frozenset({
    "--push", "--no-push", "--json", "--dry-run", "--skip-ci", "--debug", "--yes", "-y",
    "--version", "--help",
})
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash"})
_NOT_RUNNING = frozenset({"echo", "printf"})  # prints words, runs nothing
_SEPARATORS = frozenset({";", "&&", "||", "|", "&", "(", ")", "|&", ";;"})
_JOB_ENTRY_KEYS = frozenset({
    "name", "requires", "context", "filters", "type", "matrix", "serial-group", "pre-steps",
    "post-steps", "override-with",
})
_PARAM = re.compile(r"<<\s*parameters\.([A-Za-z0-9_-]+)\s*>>")
_PIPELINE_PARAM = re.compile(r"<<\s*pipeline\.parameters\.([A-Za-z0-9_-]+)\s*>>")
_MATRIX = re.compile(r"<<\s*matrix\.([A-Za-z0-9_-]+)\s*>>")


# ----------------------------------------------------------------------------- results


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


@dataclass(frozen=True)
class PromoterCall:
    """One `promoter ACTION ENV ...` found in a shell command."""

    action: str  # promote | rollback | set-image
    environment: str | None  # None when the argument is not literal ($VAR, << ... >>)
    argument: str  # the environment argument as written ("" when missing)
    command: str  # the promoter command line, for messages


# ----------------------------------------------------------------------------- shell commands


def find_promoter_calls(command: str, environments: Collection[str] = ()) -> list[PromoterCall]:
    """Every `promoter promote|rollback|set-image ENV` run by a shell script.

    Handles line continuations, `;`/`&&`/`|` lists, quoting, options before or after ENV,
    `python -m promoter`, wrappers (`env X=1 promoter ...`, `if promoter ...`, `docker run IMAGE
    promoter ...`) and `bash -c "..."`. It errs on the side of finding too much: a false finding
    is a nuisance, a missed production promotion is not. `environments` disambiguates options
    it does not know.
    """
    text = re.sub(r"\\\r?\n", " ", command)
    calls: list[PromoterCall] = []
    for line in text.splitlines():
        for words in _simple_commands(line):
            calls.extend(_calls_in(words, environments))
    return calls


def _calls_in(words: list[str], environments: Collection[str]) -> list[PromoterCall]:
    if words and words[0] in _NOT_RUNNING:
        return []
    if words and (words[0].rsplit("/", 1)[-1] in _SHELLS or words[0] == "eval"):
        scripts = [words[i + 1] for i, w in enumerate(words[:-1]) if re.fullmatch(r"-[a-z]*c", w)]
        if words[0] == "eval":
            scripts = [" ".join(words[1:])]
        return [c for script in scripts for c in find_promoter_calls(script, environments)]
    call = _promoter_call(words, environments)
    return [call] if call is not None else []


def _simple_commands(line: str) -> Iterator[list[str]]:
    try:
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|()")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:  # unbalanced quotes: a multi-line string; good enough for a lint
        tokens = [w.strip("'\"") for w in line.split()]
    words: list[str] = []
    for token in tokens:
        if token in _SEPARATORS:
            yield words
            words = []
        else:
            words.append(token)
    yield words


def _promoter_call(words: list[str], environments: Collection[str]) -> PromoterCall | None:
    """The first `promoter ACTION` in words (any position: wrappers are many)."""
    for index, word in enumerate(words):
        if word.rsplit("/", 1)[-1] != "promoter":
            continue
        rest = words[index + 1:]
        action_at = _first_positional(rest, environments)
        if action_at is None or rest[action_at] not in ACTIONS:
            continue
        action = rest[action_at]
        args = rest[action_at + 1:]
        env_at = _first_positional(args, environments)
        argument = args[env_at] if env_at is not None else ""
        literal = bool(argument) and not any(c in argument for c in "$`<>{}*?")
        line = " ".join(["promoter", *rest])
        return PromoterCall(action, argument if literal else None, argument, line)
    return None


def _first_positional(args: list[str], environments: Collection[str]) -> int | None:
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            return index + 1 if index + 1 < len(args) else None
        if not word.startswith("-") or word == "-":
            return index
        index += 1 + _takes_value(word, args[index + 1] if index + 1 < len(args) else None,
                                  environments)
    return None


def _takes_value(option: str, following: str | None, environments: Collection[str]) -> int:
    if "=" in option or option in _FLAG_OPTIONS or following is None:
        return 0
    if option in _VALUE_OPTIONS:
        return 1
    if following.startswith("-") or following in environments or following in ACTIONS:
        return 0
    return 1


# ----------------------------------------------------------------------------- config model


@dataclass
class _Definitions:
    """Jobs and reusable commands by the name a workflow or a step calls them."""

    jobs: dict[str, Any] = field(default_factory=dict)
    commands: dict[str, Any] = field(default_factory=dict)
    orbs: set[str] = field(default_factory=set)

    def defines(self, job: str) -> bool:
        return job in self.jobs or job.split("/", 1)[0] in self.orbs


@dataclass
class _Node:
    """One job of a workflow, as the workflow names it."""

    name: str
    job: str
    line: int | None
    requires: list[tuple[str, frozenset[str]]]
    approval: bool
    serial_group: str | None
    job_serial_group: bool  # serial-group on the job definition, where CircleCI ignores it
    defined: bool  # an approval, a job of `jobs:`, or an orb's job
    calls: list[PromoterCall]


class _Reader:
    """Locations for messages: `path:line`."""

    def __init__(self, path: str) -> None:
        self.path = path

    def line(self, node: Any, key: Any = None) -> int | None:
        try:
            if key is not None and isinstance(node, CommentedMap):
                return int(node.lc.key(key)[0]) + 1
            if key is not None and isinstance(node, CommentedSeq):
                return int(node.lc.item(key)[0]) + 1
            if hasattr(node, "lc"):
                return int(node.lc.line) + 1
        except (KeyError, IndexError, TypeError, AttributeError):
            return None
        return None

    def at(self, line: int | None) -> str:
        return f"{self.path}:{line}" if line is not None else self.path

    def fail(self, node: Any, key: Any, message: str) -> ContentError:
        return ContentError(f"{self.at(self.line(node, key))}: {message}", hint=_HINT)


def _load(config_text: str, reader: _Reader) -> CommentedMap:
    yaml = YAML(typ="rt")
    try:
        data = yaml.load(config_text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = reader.at(mark.line + 1 if mark is not None else None)
        raise ContentError(f"{where}: malformed YAML: {exc.problem or exc}",
                           hint="fix the YAML syntax") from exc
    except YAMLError as exc:
        raise ContentError(f"{reader.path}: malformed YAML: {exc}") from exc
    if not isinstance(data, CommentedMap) or "version" not in data:
        raise ContentError(
            f"{reader.path}: not a CircleCI config (the top level must be a mapping with "
            "'version', 'jobs' and 'workflows')", hint=_HINT)
    return data


def _mapping(reader: _Reader, parent: Any, key: str, what: str) -> Mapping[str, Any]:
    value = parent.get(key) if isinstance(parent, Mapping) else None
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise reader.fail(parent, key, f"{what} must be a mapping")
    return value


def _definitions(data: CommentedMap, reader: _Reader) -> _Definitions:
    defs = _Definitions()
    defs.jobs.update(_mapping(reader, data, "jobs", "'jobs'"))
    defs.commands.update(_mapping(reader, data, "commands", "'commands'"))
    for orb, body in _mapping(reader, data, "orbs", "'orbs'").items():
        defs.orbs.add(str(orb))
        if isinstance(body, Mapping):  # an inline orb: its jobs and commands are visible
            for kind, target in (("jobs", defs.jobs), ("commands", defs.commands)):
                for name, value in _mapping(reader, body, kind, f"orb {orb} {kind}").items():
                    target[f"{orb}/{name}"] = value
    return defs


# ----------------------------------------------------------------------------- parameters


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _substitute(value: Any, params: Mapping[str, Any], pattern: re.Pattern[str] = _PARAM) -> Any:
    """Replace `<< parameters.X >>` everywhere in value; a lone placeholder keeps the type."""
    if isinstance(value, str):
        whole = pattern.fullmatch(value.strip())
        if whole and whole.group(1) in params:
            return params[whole.group(1)]
        return pattern.sub(
            lambda m: _text(params[m.group(1)]) if m.group(1) in params else m.group(0), value)
    if isinstance(value, Mapping):
        return {k: _substitute(v, params, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, params, pattern) for v in value]
    return value


def _parameters(definition: Any, args: Mapping[str, Any]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    specs = definition.get("parameters") if isinstance(definition, Mapping) else None
    if isinstance(specs, Mapping):
        for name, spec in specs.items():
            if isinstance(spec, Mapping) and "default" in spec:
                params[str(name)] = spec["default"]
    params.update({str(k): v for k, v in args.items()})
    return params


# ----------------------------------------------------------------------------- steps → calls


class _Steps:
    """Walk steps, expanding reusable commands, collecting the promoter calls of `run` steps."""

    def __init__(self, defs: _Definitions, environments: Collection[str], reader: _Reader) -> None:
        self.defs = defs
        self.environments = environments
        self.reader = reader

    def job_calls(self, job: str, args: Mapping[str, Any]) -> list[PromoterCall]:
        definition = self.defs.jobs.get(job)
        if not isinstance(definition, Mapping):
            return []
        body = _substitute(dict(definition), _parameters(definition, args))
        return self.calls(body.get("steps"), 0)

    def calls(self, steps: Any, depth: int) -> list[PromoterCall]:
        if depth > _MAX_DEPTH:
            raise ContentError(f"{self.reader.path}: reusable commands call each other in a "
                               "loop (or nest deeper than 25)", hint=_HINT)
        found: list[PromoterCall] = []
        for step in _flatten(steps):
            found.extend(self._step(step, depth))
        return found

    def _step(self, step: Any, depth: int) -> list[PromoterCall]:
        if isinstance(step, str):
            return self._command(step.strip(), {}, depth)
        if not isinstance(step, Mapping) or len(step) != 1:
            return []
        key, value = next(iter(step.items()))
        if key == "run":
            command = value.get("command") if isinstance(value, Mapping) else value
            if isinstance(command, str):
                return find_promoter_calls(command, self.environments)
            return []
        if key in ("when", "unless") and isinstance(value, Mapping):
            return self.calls(value.get("steps"), depth + 1)
        return self._command(str(key), value if isinstance(value, Mapping) else {}, depth)

    def _command(self, name: str, args: Mapping[str, Any], depth: int) -> list[PromoterCall]:
        definition = self.defs.commands.get(name)
        if not isinstance(definition, Mapping):
            return []  # a built-in step (checkout, ...) or a command of an orb we cannot see
        body = _substitute(dict(definition), _parameters(definition, args))
        return self.calls(body.get("steps"), depth + 1)


def _flatten(steps: Any) -> Iterator[Any]:
    """Steps, with nested lists (anchors, `steps` parameters) flattened into their place."""
    if not isinstance(steps, list):
        return
    for step in steps:
        if isinstance(step, list):
            yield from _flatten(step)
        else:
            yield step


# ----------------------------------------------------------------------------- workflows


def _requires(reader: _Reader, entry: Mapping[str, Any],
              origin: Any) -> list[tuple[str, frozenset[str]]]:
    """entry: the workflow job entry (matrix values filled in); origin: the YAML node."""
    value = entry.get("requires")
    if value is None:
        return []
    if not isinstance(value, list):
        raise reader.fail(origin, "requires", "'requires' must be a list of job names")
    found: list[tuple[str, frozenset[str]]] = []
    for index, item in enumerate(value):
        if isinstance(item, str):
            found.append((item, frozenset({"success"})))
        elif isinstance(item, Mapping) and len(item) == 1:
            name, statuses = next(iter(item.items()))
            found.append((str(name), _statuses(statuses)))
        else:
            raise reader.fail(origin.get("requires"), index,
                              "each 'requires' entry must be a job name or {job: status}")
    return found


def _statuses(value: Any) -> frozenset[str]:
    items = [value] if isinstance(value, str) else list(value) if isinstance(value, list) else []
    if "terminal" in items:
        return ALL_STATUSES
    return frozenset(str(i) for i in items) or frozenset({"success"})


def _matrix_instances(job: str, entry: Mapping[str, Any]) -> tuple[list[dict[str, Any]], str]:
    """(parameter sets, alias). No matrix: one empty set, alias the job's own name."""
    matrix = entry.get("matrix")
    name = entry.get("name")
    if not isinstance(matrix, Mapping) or not isinstance(matrix.get("parameters"), Mapping):
        return [{}], str(name) if name else job
    params = matrix["parameters"]
    keys = [str(k) for k in params]
    values = [v if isinstance(v, list) else [v] for v in params.values()]
    excluded = [dict(e) for e in matrix.get("exclude") or [] if isinstance(e, Mapping)]
    combos = [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*values)]
    combos = [c for c in combos if c not in excluded]
    alias = matrix.get("alias") or (name if name and not _MATRIX.search(str(name)) else job)
    return combos, str(alias)


def _instance_name(job: str, entry: Mapping[str, Any], combo: Mapping[str, Any]) -> str:
    name = entry.get("name")
    if name:
        return str(_MATRIX.sub(lambda m: _text(combo.get(m.group(1), m.group(0))), str(name)))
    if combo:
        return "-".join([job, *(_text(v) for v in combo.values())])
    return job


@dataclass
class _Workflow:
    name: str
    nodes: dict[str, _Node]
    aliases: dict[str, list[str]]
    findings: list[Finding]


class _WorkflowReader:
    def __init__(self, defs: _Definitions, steps: _Steps, reader: _Reader) -> None:
        self.defs = defs
        self.steps = steps
        self.reader = reader

    def read(self, name: str, body: Mapping[str, Any]) -> _Workflow:
        workflow = _Workflow(name, {}, {}, [])
        jobs = body.get("jobs")
        if not isinstance(jobs, list):
            key = "jobs" if "jobs" in body else None
            raise self.reader.fail(body, key, f"workflow {name!r} must have a 'jobs' list")
        for index, item in enumerate(jobs):
            self._entry(workflow, jobs, index, item)
        return workflow

    def _entry(self, workflow: _Workflow, jobs: list[Any], index: int, item: Any) -> None:
        line = self.reader.line(jobs, index)
        entry: Mapping[str, Any] = {}
        if isinstance(item, str):
            job = item
        elif isinstance(item, Mapping) and len(item) == 1:
            key, value = next(iter(item.items()))
            job = str(key)
            entry = value if isinstance(value, Mapping) else {}
        else:
            raise self.reader.fail(jobs, index, f"workflow {workflow.name!r}: each job must be a "
                                   "name or a one-key mapping {job: {requires: ...}}")
        combos, alias = _matrix_instances(job, entry)
        for combo in combos:
            node = self._node(job, entry, combo, line)
            if node.name in workflow.nodes:
                workflow.findings.append(Finding(node.name, workflow.name, (
                    f"the name {node.name!r} is used twice in this workflow "
                    f"({self.reader.at(line)}); give each entry its own `name:`")))
            workflow.nodes[node.name] = node
            workflow.aliases.setdefault(alias, []).append(node.name)

    def _node(self, job: str, origin: Mapping[str, Any], combo: Mapping[str, Any],
              line: int | None) -> _Node:
        entry: dict[str, Any] = _substitute(dict(origin), combo, _MATRIX)
        args = {k: v for k, v in entry.items() if k not in _JOB_ENTRY_KEYS}
        args.update(combo)
        definition = self.defs.jobs.get(job)
        approval = entry.get("type") == "approval" or (
            isinstance(definition, Mapping) and definition.get("type") == "approval")
        calls = self.steps.calls(entry.get("pre-steps"), 0)
        calls += self.steps.job_calls(job, args)
        calls += self.steps.calls(entry.get("post-steps"), 0)
        group = entry.get("serial-group")
        return _Node(
            name=_instance_name(job, entry, combo), job=job, line=line,
            requires=_requires(self.reader, entry, origin), approval=approval,
            serial_group=str(group) if group else None,
            job_serial_group=isinstance(definition, Mapping) and "serial-group" in definition,
            defined=approval or self.defs.defines(job),
            calls=calls,
        )


def _resolve(workflow: _Workflow, required: str) -> list[str]:
    if required in workflow.nodes:
        return [required]
    return workflow.aliases.get(required, [])


def _upstream(workflow: _Workflow, start: str, *, success_only: bool) -> set[str]:
    """Every job `start` waits for, transitively (only success edges when success_only)."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for required, statuses in workflow.nodes[todo.pop()].requires:
            if success_only and statuses != frozenset({"success"}):
                continue
            for name in _resolve(workflow, required):
                if name not in seen:
                    seen.add(name)
                    todo.append(name)
    return seen


# ----------------------------------------------------------------------------- rules


@dataclass
class _Check:
    sources: Mapping[str, str | None]
    reader: _Reader
    checked: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    groups: dict[str, dict[str, list[tuple[str, str]]]] = field(default_factory=dict)

    def finding(self, workflow: _Workflow, node: _Node, message: str) -> None:
        where = f" ({self.reader.at(node.line)})"
        self.findings.append(Finding(node.name, workflow.name, message + where))

    def workflow(self, workflow: _Workflow) -> None:
        self.findings.extend(workflow.findings)
        for node in workflow.nodes.values():
            if not node.defined:
                self.finding(workflow, node, (
                    f"runs job {node.job!r}, which neither `jobs:` nor an orb defines"))
            self._requires_exist(workflow, node)
        changing = [n for n in workflow.nodes.values() if n.calls]
        if not changing:
            self.checked.append(f"workflow {workflow.name}: no job runs promoter "
                                f"{'/'.join(ACTIONS)}")
        for node in changing:
            for call in node.calls:
                self._call(workflow, node, call)

    def _requires_exist(self, workflow: _Workflow, node: _Node) -> None:
        for required, _ in node.requires:
            if not _resolve(workflow, required):
                known = ", ".join(sorted(workflow.nodes)) or "none"
                self.finding(workflow, node, (
                    f"requires {required!r}, which is not a job of workflow {workflow.name} "
                    f"(its jobs: {known}); CircleCI rejects the config"))

    def _call(self, workflow: _Workflow, node: _Node, call: PromoterCall) -> None:
        env = call.environment
        verb = _VERBS[call.action]
        if env is None:
            self.finding(workflow, node, (
                f"runs `{call.command}` whose environment {call.argument or '(missing)'!r} is not "
                "literal, so this check cannot tell what it changes; name the environment"))
            return
        if env not in self.sources:
            known = ", ".join(sorted(self.sources)) or "none"
            self.finding(workflow, node, (
                f"runs `{call.command}` for unknown environment {env!r} (promoter.yaml "
                f"declares: {known})"))
            return
        source = self.sources[env]
        head = f"workflow {workflow.name}: job {node.name} {verb} {env}"
        if source is None:
            self.checked.append(f"{head} (no source): no approval required")
            return
        marks = [self._approval(workflow, node, call, env, source), self._serial(workflow, node,
                                                                                   env)]
        if call.action == "set-image":
            self.finding(workflow, node, (
                f"writes {env} with `promoter set-image`; {env} takes its tags from {source}: use "
                f"`promoter promote {env} --tag TAG`, which refuses a tag {source} never had"))
            marks.append("set-image ✗")
        self.checked.append(f"{head} (source {source}): " + ", ".join(marks))

    def _approval(self, workflow: _Workflow, node: _Node, call: PromoterCall, env: str,
                  source: str) -> str:
        strict = _upstream(workflow, node.name, success_only=True)
        approvals = sorted(n for n in strict if workflow.nodes[n].approval)
        if not approvals:
            loose = any(workflow.nodes[n].approval
                        for n in _upstream(workflow, node.name, success_only=False))
            why = (" (the only approval upstream is reached through a `requires` that also "
                   "accepts failure)") if loose else ""
            self.finding(workflow, node, (
                f"changes {env} with no approval job upstream{why}; add a `type: approval` job "
                f"that requires the {source} deployment, and require it from {node.name}"))
            return "approval upstream ✗"
        if call.action == "rollback":
            return f"approval {', '.join(approvals)} upstream ✓"
        return self._after_source(workflow, node, approvals, env, source)

    def _after_source(self, workflow: _Workflow, node: _Node, approvals: list[str], env: str,
                      source: str) -> str:
        for approval in approvals:
            deployers = sorted(
                n for n in _upstream(workflow, approval, success_only=True)
                if any(c.environment == source and c.action != "rollback"
                       for c in workflow.nodes[n].calls))
            if deployers:
                return (f"approval {approval} upstream ✓, after {', '.join(deployers)} "
                        f"({source}) ✓")
        self.finding(workflow, node, (
            f"promotes to {env} after approval {', '.join(approvals)}, but no approval comes "
            f"after a job that deploys {source}: the approver would not have seen {source} run "
            f"the tag; make the approval require the {source} promotion"))
        return f"approval {', '.join(approvals)} upstream ✓, after {source} deployment ✗"

    def _serial(self, workflow: _Workflow, node: _Node, env: str) -> str:
        if node.serial_group is None:
            where = (" (a serial-group on the job definition is ignored: CircleCI reads it on "
                     "the workflow's job entry)") if node.job_serial_group else ""
            self.finding(workflow, node, (
                f"changes {env} without a `serial-group`{where}; two pipelines could change {env} "
                "at once: add `serial-group: << pipeline.project.slug >>/promote-" + env + "`"))
            return "serial-group ✗"
        self.groups.setdefault(env, {}).setdefault(node.serial_group, []).append(
            (workflow.name, node.name))
        return f"serial-group {node.serial_group} ✓"

    def same_groups(self, workflows: Mapping[str, _Workflow]) -> None:
        for env, groups in self.groups.items():
            if len(groups) < 2:
                continue
            listing = "; ".join(f"{g}: {', '.join(j for _, j in jobs)}"
                                for g, jobs in sorted(groups.items()))
            for jobs in list(groups.values())[1:]:
                for workflow, job in jobs:
                    self.finding(workflows[workflow], workflows[workflow].nodes[job], (
                        f"jobs changing {env} use different serial groups ({listing}), so they "
                        "can still run at the same time; use one group"))


_VERBS = {"promote": "promotes", "rollback": "rolls back", "set-image": "sets an image in"}


# ----------------------------------------------------------------------------- entry point


def check_pipeline(config_text: str, sources: Mapping[str, str | None], *,
                   path: str = ".circleci/config.yml") -> PipelineReport:
    """Check every workflow of a CircleCI config against the rules in this module's docstring.

    `sources` maps each environment to its source (None when it has none), as promoter.yaml
    declares. Raises ContentError when the text is not YAML or not a CircleCI config.
    """
    reader = _Reader(path)
    data = _load(config_text, reader)
    data = _substitute_pipeline(data)
    defs = _definitions(data, reader)
    steps = _Steps(defs, tuple(sources), reader)
    workflows = _workflows(data, _WorkflowReader(defs, steps, reader), reader)
    check = _Check(sources, reader)
    for workflow in workflows.values():
        check.workflow(workflow)
    check.same_groups(workflows)
    return PipelineReport(path=path, checked=check.checked, findings=check.findings)


def _substitute_pipeline(data: CommentedMap) -> CommentedMap:
    """Fill `<< pipeline.parameters.X >>` with defaults, keeping the YAML nodes (for lines)."""
    params = data.get("parameters")
    defaults = {str(k): v["default"] for k, v in params.items()
                if isinstance(v, Mapping) and "default" in v} if isinstance(params, Mapping) else {}
    if defaults:
        _fill_in_place(data, defaults)
    return data


def _fill_in_place(node: Any, defaults: Mapping[str, Any]) -> None:
    items: Iterable[tuple[Any, Any]]
    if isinstance(node, dict):
        items = list(node.items())
    elif isinstance(node, list):
        items = list(enumerate(node))
    else:
        return
    for key, value in items:
        if isinstance(value, str) and _PIPELINE_PARAM.search(value):
            node[key] = _substitute(value, defaults, _PIPELINE_PARAM)
        else:
            _fill_in_place(value, defaults)


def _workflows(data: CommentedMap, workflow_reader: _WorkflowReader,
               reader: _Reader) -> dict[str, _Workflow]:
    workflows: dict[str, _Workflow] = {}
    section = _mapping(reader, data, "workflows", "'workflows'")
    for name, body in section.items():
        if name == "version" and not isinstance(body, Mapping):
            continue  # `version: 2` inside workflows, from config 2.0
        if not isinstance(body, Mapping):
            raise reader.fail(section, name, f"workflow {name!r} must be a mapping with 'jobs'")
        workflows[str(name)] = workflow_reader.read(str(name), body)
    return workflows
