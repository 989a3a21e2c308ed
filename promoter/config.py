"""promoter.yaml: the environments, their overlay paths and sources, the tag policy, PR settings.

Without a config file, the environments are the folders under `overlays/` that hold a
kustomization file (except `base`/`bases`/`components`), and `production` takes `staging` as its
source when both exist.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml.comments import CommentedMap, CommentedSeq

from promoter.containment import confined
from promoter.errors import ConfigError, ContentError, UsageError
from promoter.freeze import FreezeWindow, parse_freeze
from promoter.gates import Gates, parse_gates
from promoter.kustomize.files import KUSTOMIZATION_NAMES
from promoter.kustomize.imageref import TAG_MAX
from promoter.patterns import RE2_SYNTAX, LinearPattern, PatternError, compile_linear
from promoter.yamlsource import YamlSource

CONFIG_NAME = "promoter.yaml"
DEFAULT_TAG_PATTERN = r"^[0-9a-f]{7,40}$"
DEFAULT_PR_LABELS = ("promotion",)
AUTO_MERGE_METHODS = ("squash", "merge", "rebase")  # pr.auto_merge, --auto-merge
COMMIT_VIA = ("git", "api")  # how the promotion commit reaches the branch: git push, GitHub API
OVERLAYS_DIR = "overlays"
APPROVAL_REQUIRED, APPROVAL_OPTIONAL = "required", "optional"
_NOT_ENVIRONMENTS = frozenset({"base", "bases", "components"})
_ENV_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_HINT = "see README.md, section promoter.yaml"


@dataclass(frozen=True)
class Environment:
    name: str
    path: str  # repository-relative, posix
    source: str | None = None
    gates: Gates | None = None  # what the source must show before a promotion
    approval_required: bool = False  # `approval: required`: a change needs a recorded approver
    freeze: tuple[FreezeWindow, ...] = ()  # when it may not be changed (promoter.freeze)


@dataclass(frozen=True)
class PullRequestSettings:
    labels: tuple[str, ...] = DEFAULT_PR_LABELS
    reviewers: tuple[str, ...] = ()
    team_reviewers: tuple[str, ...] = ()
    repository: str | None = None  # OWNER/REPO
    auto_merge: str | None = None  # squash | merge | rebase: GitHub merges the PR when allowed


@dataclass(frozen=True)
class Config:
    environments: tuple[Environment, ...]
    tag_pattern: str = DEFAULT_TAG_PATTERN
    pr: PullRequestSettings = field(default_factory=PullRequestSettings)
    path: str | None = None  # where it was read from; None for the convention
    allowed_names: tuple[str, ...] | None = None  # RE2 patterns a new image name must match
    commit_via: str = "git"  # one of COMMIT_VIA

    def environment(self, name: str) -> Environment:
        for env in self.environments:
            if env.name == name:
                return env
        known = ", ".join(e.name for e in self.environments) or "none"
        where = self.path or f"the folders under {OVERLAYS_DIR}/"
        raise UsageError(
            f"unknown environment {name!r} (known from {where}: {known})",
            hint="pass one of those, or declare it in promoter.yaml",
        )

    def tag_matches(self, tag: str) -> bool:
        """True when tag is at most Docker's 128 characters and tag_pattern finds a match in it
        (RE2: linear time, whatever the pattern)."""
        return len(tag) <= TAG_MAX and compile_linear(self.tag_pattern).search(tag)

    def name_allowed(self, name: str) -> bool:
        """True when allowed_names is absent, or one of its patterns matches all of name."""
        if self.allowed_names is None:
            return True
        return any(compile_linear(p).fullmatch(name) for p in self.allowed_names)


def load_config(root: Path, config: str | None = None) -> Config:
    """Read `config` (relative to root unless absolute), else promoter.yaml, else convention.

    A config file found in the repository (promoter.yaml, or a relative `config`) that is, or
    passes through, a symbolic link leaving the repository is refused (ContentError)."""
    if config is not None:
        path = Path(config) if Path(config).is_absolute() else _in_repository(root, config)
        if not _is_file(path, config):
            raise ConfigError(
                f"config file {config} not found", hint="check --config / PROMOTER_CONFIG"
            )
        return parse_config(_read(path, config), source=config)
    default = confined(root, CONFIG_NAME, unreadable=ConfigError)
    if _is_file(default, CONFIG_NAME):
        return parse_config(_read(default, CONFIG_NAME), source=CONFIG_NAME)
    return conventional_config(root)


def _is_file(path: Path, label: str) -> bool:
    """Whether path is a file; a path that cannot even be looked at (too long, in a folder
    promoter may not search) is a ConfigError naming `label`."""
    try:
        return path.is_file()
    except OSError as exc:
        raise ConfigError(f"cannot read config file {label}: {exc.strerror or exc}",
                          hint="check --config / PROMOTER_CONFIG and the folder's permissions",
                          ) from exc


def _in_repository(root: Path, config: str) -> Path:
    """A relative --config: a file in the repository (ConfigError for `..`)."""
    if ".." in Path(config).parts:
        raise ConfigError(f"config file {config} is outside the repository: a relative --config "
                          "is read inside the repository",
                          hint="give the path inside the repository, or an absolute path")
    return confined(root, Path(config).as_posix(), unreadable=ConfigError)


def _read(path: Path, label: str) -> str:
    return YamlSource(label, ConfigError).read(path)


def conventional_config(root: Path) -> Config:
    names = _overlay_names(root / OVERLAYS_DIR)
    sources = {"production": "staging"} if {"staging", "production"} <= set(names) else {}
    envs = tuple(Environment(n, f"{OVERLAYS_DIR}/{n}", sources.get(n)) for n in names)
    return Config(environments=envs)


def _overlay_names(overlays: Path) -> list[str]:
    """The folders under overlays/ that hold a kustomization file (not base, bases, components);
    a folder promoter may not read is a ContentError."""
    try:
        if not overlays.is_dir():
            return []
        return [child.name for child in sorted(overlays.iterdir())
                if child.name not in _NOT_ENVIRONMENTS and child.is_dir()
                and any((child / k).is_file() for k in KUSTOMIZATION_NAMES)]
    except OSError as exc:
        raise ContentError(
            f"cannot list the environments under {OVERLAYS_DIR}/: {exc.strerror or exc}",
            hint=f"check the permissions of {OVERLAYS_DIR}/ and its folders, or declare the "
            "environments in promoter.yaml",
        ) from exc


def parse_config(text: str, *, source: str = CONFIG_NAME) -> Config:
    r = _Reader(source, ConfigError, hint=_HINT)
    data = r.load(text)
    if data is None:
        data = CommentedMap()
    return _build(r, data)


class _Reader(YamlSource[ConfigError]):
    """Type checks with file:line in every message."""

    def string(self, node: CommentedMap, key: str, *, required: bool = False) -> str | None:
        if key not in node or node[key] is None:
            if required:
                raise self.fail(node, None, f"missing required key {key!r}")
            return None
        value = node[key]
        if not isinstance(value, str) or not value:
            raise self.fail(node, key, f"{key!r} must be a non-empty string, got {value!r}")
        return value

    def strings(self, node: CommentedMap, key: str) -> tuple[str, ...] | None:
        if key not in node or node[key] is None:
            return None
        value = node[key]
        if isinstance(value, str):
            return (value,)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(node, key, f"{key!r} must be a list of strings")
        return tuple(value)

    def only_keys(self, node: CommentedMap, allowed: set[str], what: str) -> None:
        for key in node:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                raise self.fail(node, key, f"unknown key {key!r} in {what} (known: {known})")


def _build(r: _Reader, data: Any) -> Config:
    if not isinstance(data, CommentedMap):
        raise r.fail(data, None, "the top level must be a mapping with an 'environments' list")
    r.only_keys(data, {"environments", "tag_pattern", "allowed_names", "pr", "commit_via"},
                "promoter.yaml")
    envs = _environments(r, data)
    pattern = r.string(data, "tag_pattern") or DEFAULT_TAG_PATTERN
    _pattern(r, data, "tag_pattern", pattern, "tag_pattern")
    return Config(environments=envs, tag_pattern=pattern, pr=_pr(r, data), path=r.label,
                  allowed_names=_allowed_names(r, data), commit_via=_commit_via(r, data))


def _commit_via(r: _Reader, data: CommentedMap) -> str:
    value = r.string(data, "commit_via") or "git"
    if value not in COMMIT_VIA:
        raise r.fail(data, "commit_via", f"commit_via must be git or api, got {value!r}")
    return value


def _pattern(r: _Reader, node: Any, key: Any, pattern: str, what: str) -> LinearPattern:
    """pattern compiled by RE2, or ConfigError at node[key] saying why it is refused."""
    try:
        return compile_linear(pattern)
    except PatternError as exc:
        raise r.error(
            f"{r.where(node, key)}: {what} {pattern!r} is not a regular expression in RE2 "
            f"syntax ({exc}): promoter matches patterns in linear time, so backreferences "
            "and lookaround are not available",
            hint=f"rewrite it in RE2 syntax, see {RE2_SYNTAX}") from exc


def _allowed_names(r: _Reader, data: CommentedMap) -> tuple[str, ...] | None:
    """allowed_names: a list of RE2 patterns (absent: any valid image name is allowed)."""
    if "allowed_names" not in data:
        return None
    items = data["allowed_names"]
    if not isinstance(items, CommentedSeq) or not all(isinstance(i, str) and i for i in items):
        raise r.fail(data, "allowed_names", "'allowed_names' must be a list of regular "
                     "expressions (strings), each matched against the whole new image name")
    for index, item in enumerate(items):
        _pattern(r, items, index, item, "allowed_names entry")
    return tuple(items)


def _environments(r: _Reader, data: CommentedMap) -> tuple[Environment, ...]:
    items = data.get("environments")
    if not isinstance(items, CommentedSeq) or not items:
        raise r.fail(data, "environments" if "environments" in data else None,
                     "'environments' must be a non-empty list of {name, path, from}")
    envs: list[Environment] = []
    for index, item in enumerate(items):
        if not isinstance(item, CommentedMap):
            raise r.fail(items, index, "each environment must be a mapping with name and path")
        r.only_keys(item, {"name", "path", "from", "gates", "approval", "freeze"},
                    "an environment")
        name = r.string(item, "name", required=True)
        assert name is not None
        if not _ENV_NAME.match(name) or ".." in name or name.endswith((".", ".lock")):
            raise r.fail(item, "name", f"environment name {name!r} must be letters, digits, "
                         ". _ - (it names a git branch: no '..', no '.' or '.lock' at the end)")
        path = r.string(item, "path") or f"{OVERLAYS_DIR}/{name}"
        if Path(path).is_absolute() or ".." in Path(path).parts:
            raise r.fail(item, "path", f"path {path!r} must be relative and inside the repository")
        if any(e.name == name for e in envs):
            raise r.fail(item, "name", f"environment {name!r} is declared twice")
        posix = Path(path).as_posix()
        shared = next((e.name for e in envs if e.path == posix), None)
        if shared is not None:
            raise r.fail(item, "path", f"{name!r} and {shared!r} share the overlay {posix}: "
                         "a change to one would bypass the other's policy")
        source = r.string(item, "from")
        envs.append(Environment(name, posix, source,
                                parse_gates(r, item, has_source=source is not None),
                                _approval(r, item), parse_freeze(r, item)))
    _check_sources(r, items, envs)
    return tuple(envs)


def _approval(r: _Reader, item: CommentedMap) -> bool:
    """`approval: required` (a change needs an approver recorded by CircleCI) or `optional`."""
    value = r.string(item, "approval") or APPROVAL_OPTIONAL
    if value not in (APPROVAL_REQUIRED, APPROVAL_OPTIONAL):
        raise r.fail(item, "approval", f"'approval' must be {APPROVAL_REQUIRED!r} or "
                     f"{APPROVAL_OPTIONAL!r}, got {value!r}")
    return value == APPROVAL_REQUIRED


def _check_sources(r: _Reader, items: CommentedSeq, envs: list[Environment]) -> None:
    by_name: Mapping[str, Environment] = {e.name: e for e in envs}
    for index, env in enumerate(envs):
        if env.source is None:
            continue
        if env.source not in by_name:
            raise r.fail(items[index], "from", f"{env.name!r} comes from unknown environment "
                         f"{env.source!r}")
        seen = {env.name}
        current: str | None = env.source
        while current is not None:
            if current in seen:
                raise r.fail(items[index], "from", f"'from' makes a cycle through {env.name!r}")
            seen.add(current)
            current = by_name[current].source


def _pr(r: _Reader, data: CommentedMap) -> PullRequestSettings:
    node = data.get("pr")
    if node is None:
        return PullRequestSettings()
    if not isinstance(node, CommentedMap):
        raise r.fail(data, "pr", "'pr' must be a mapping")
    r.only_keys(node, {"labels", "reviewers", "team_reviewers", "repository", "auto_merge"},
                "pr")
    repository = r.string(node, "repository")
    if repository is not None and not re.fullmatch(r"[\w.-]+/[\w.-]+", repository):
        raise r.fail(node, "repository", f"pr.repository must be OWNER/REPO, got {repository!r}")
    labels = r.strings(node, "labels")
    auto_merge = r.string(node, "auto_merge")
    if auto_merge is not None and auto_merge not in AUTO_MERGE_METHODS:
        raise r.fail(node, "auto_merge", "pr.auto_merge must be one of "
                     f"{', '.join(AUTO_MERGE_METHODS)}, got {auto_merge!r}")
    return PullRequestSettings(
        labels=DEFAULT_PR_LABELS if labels is None else labels,
        reviewers=r.strings(node, "reviewers") or (),
        team_reviewers=r.strings(node, "team_reviewers") or (),
        repository=repository,
        auto_merge=auto_merge,
    )
