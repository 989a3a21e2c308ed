"""Credentials for git commands that talk to a remote, given to git through its environment
(GIT_CONFIG_COUNT/KEY/VALUE), never in argv, a URL or a file: whoever knows them (the GitHub
App credentials of promoter.forge.github.credentials) registers a source here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

#: remote URL -> "-c" settings git needs for it (e.g. http.<origin>/.extraHeader); {} for none.
RemoteSettings = Callable[[str], Mapping[str, str]]

_sources: list[RemoteSettings] = []


def use_remote_settings(source: RemoteSettings) -> None:
    """Ask `source` for the settings of every remote a git command talks to (once per source)."""
    if source not in _sources:
        _sources.append(source)


def forget_remote_settings() -> None:
    """No source any more (tests)."""
    _sources.clear()


def wants_remote_settings() -> bool:
    return bool(_sources)


def remote_environment(url: str, environ: Mapping[str, str]) -> dict[str, str]:
    """GIT_CONFIG_* variables adding the sources' settings for `url` after those `environ`
    already has; {} when no source has any."""
    settings: dict[str, str] = {}
    for source in _sources:
        settings.update(source(url))
    if not settings:
        return {}
    try:
        first = int(environ.get("GIT_CONFIG_COUNT", "0") or "0")
    except ValueError:
        first = 0
    env = {"GIT_CONFIG_COUNT": str(first + len(settings))}
    for index, (key, value) in enumerate(settings.items(), start=first):
        env[f"GIT_CONFIG_KEY_{index}"] = key
        env[f"GIT_CONFIG_VALUE_{index}"] = value
    return env
