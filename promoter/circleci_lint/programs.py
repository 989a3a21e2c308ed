"""What a command other than promoter runs: nothing of concern, a script given as text (read
on), or something this lint cannot see into (a script file, a command named at run time, ...).

A program found on PATH by a plain name (`curl`, `git`, `kubectl`) runs no promoter; a path
(`./scripts/deploy.sh`, `bin/release`) is the repository's own code, unless its name is one of
the well-known tools below; interpreters, shells, task runners, containers and remote shells
run code this lint does not read. A promoter installed under another name is beyond its reach.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from promoter.circleci_lint.shellwords import Word

# A program that runs the rest of its arguments as a command: its options that take a value,
# and how many positional arguments it takes before the command.
_WRAPPERS: dict[str, tuple[frozenset[str], int]] = {
    "sudo": (frozenset({"-u", "-g", "-h", "-p", "-C", "-D", "-r", "-t", "-U"}), 0),
    "env": (frozenset({"-u", "-C", "-S"}), 0),
    "nohup": (frozenset(), 0), "time": (frozenset({"-f", "-o"}), 0),
    "nice": (frozenset({"-n"}), 0), "timeout": (frozenset({"-s", "-k"}), 1),
    "exec": (frozenset({"-a"}), 0), "command": (frozenset(), 0), "builtin": (frozenset(), 0),
    "stdbuf": (frozenset({"-i", "-o", "-e"}), 0), "flock": (frozenset({"-w", "-E"}), 1),
    "xargs": (frozenset({"-n", "-I", "-L", "-P", "-d", "-s", "-E", "-a"}), 0),
    "watch": (frozenset({"-n", "-d"}), 0), "ionice": (frozenset({"-c", "-n"}), 0),
}
_RUN_WRAPPERS = frozenset({"uv", "poetry", "pipenv", "pipx", "hatch", "pdm", "rye"})  # X run ...
_SHELLS = frozenset({"sh", "bash", "zsh", "dash", "ash", "ksh", "mksh", "fish"})
_INTERPRETERS = re.compile(r"(python|pypy)[0-9.]*|node|nodejs|deno|bun|ruby|perl|php|pwsh|Rscript")
_SAFE_MODULES = frozenset({"pip", "venv", "ensurepip", "site", "json.tool", "http.server"})
_TASK_RUNNERS = frozenset({"make", "gmake", "just", "task", "rake", "invoke", "tox", "nox",
                           "npx", "ansible-playbook", "mage", "earthly"})
_PACKAGE_MANAGERS = frozenset({"npm", "yarn", "pnpm"})
_PACKAGE_SAFE = frozenset({"install", "ci", "i", "add", "--version", "-v", "audit", "ls"})
_CONTAINERS = frozenset({"docker", "podman", "nerdctl", "kubectl", "oc"})
_CONTAINER_RUN = frozenset({"run", "exec", "compose", "debug", "attach"})
_REMOTE = frozenset({"ssh", "gcloud", "aws"})  # aws ssm / gcloud ssh: see _remote
# Well-known tools run by a path (a venv's bin/, /usr/local/bin/): not the repository's code.
KNOWN_TOOLS = frozenset({
    "pip", "pip3", "kubectl", "kustomize", "git", "ruff", "mypy", "pytest", "black", "flake8",
    "curl", "wget", "helm", "docker", "jq", "yq", "sha256sum", "install", "tar", "gzip",
    "python", "python3", "uv", "pipx", "aws", "gcloud", "gh", "circleci", "promoter",
})
NOT_RUNNING = frozenset({"echo", "printf", "true", "false", ":", "test", "[", "[[", "cd",
                         "export", "readonly", "local", "declare", "set", "unset", "shift",
                         "exit", "return", "read", "wait", "trap", "umask", "alias"})


@dataclass(frozen=True)
class Inner:
    """A script handed over as text (`bash -c '...'`, `eval '...'`): read it as a script."""

    script: str


@dataclass(frozen=True)
class Opaque:
    """Could run promoter, and this lint cannot see what it runs."""

    reason: str


Verdict = Inner | Opaque | None  # None: runs no promoter


def unwrap(argv: list[Word]) -> list[Word]:
    """The command a wrapper runs (`sudo -E X`, `env A=1 X`, `timeout 5m X`, `uv run X`)."""
    for _ in range(10):
        if not argv or argv[0].expands:
            return argv
        name = basename(argv[0])
        if name in _RUN_WRAPPERS and len(argv) > 1 and argv[1].text == "run":
            argv = _after_options(argv[2:], frozenset(), 0)
        elif name in _WRAPPERS and not (name == "command" and _prints_only(argv)):
            argv = _after_options(argv[1:], *_WRAPPERS[name])
        else:
            return argv
    return argv


def classify(argv: list[Word]) -> Verdict:
    """What `argv` (a command with its wrappers removed, not promoter itself) runs."""
    word = argv[0]
    name = basename(word)
    if word.expands and ("$" in name or not name):
        return Opaque(f"runs a command named at run time ({word.text})")
    if name in NOT_RUNNING or name == "command":
        return None
    if name == "eval":
        return _eval(argv[1:])
    if name in ("source", "."):
        return Opaque(f"runs {_first_text(argv[1:]) or 'a file'} in this shell ({name})")
    if name in _SHELLS:
        return _shell(name, argv[1:])
    if _INTERPRETERS.fullmatch(name):
        return _interpreter(name, argv[1:])
    return _tool(word, name, argv[1:])


def basename(word: Word) -> str:
    return word.text.rstrip("/").rsplit("/", 1)[-1]


def _tool(word: Word, name: str, args: list[Word]) -> Verdict:
    first = args[0].text if args else ""
    if name in _TASK_RUNNERS:
        return Opaque(f"runs {name} targets, defined in a file this check does not read")
    if name in _PACKAGE_MANAGERS and first not in _PACKAGE_SAFE:
        return Opaque(f"runs a {name} script, defined in package.json")
    if name in _CONTAINERS and first in _CONTAINER_RUN:
        return Opaque(f"runs commands in a container ({name} {first})")
    if name in _REMOTE and _remote(name, args):
        return Opaque(f"runs commands on another machine ({name})")
    if "/" in word.text and name not in KNOWN_TOOLS:
        return Opaque(f"runs the script {word.text}")
    return None


def _eval(args: list[Word]) -> Verdict:
    if any(a.expands for a in args):
        return Opaque("eval of text built at run time")
    return Inner(" ".join(a.text for a in args))


def _shell(name: str, args: list[Word]) -> Verdict:
    options = _leading_options(args)
    rest = args[len(options):]
    if any(re.fullmatch(r"-[a-zA-Z]*c[a-zA-Z]*", o.text) for o in options):
        if not rest:
            return Opaque(f"{name} -c without a script")
        if rest[0].expands:
            return Opaque(f"{name} -c with a script built at run time")
        return Inner(rest[0].text)
    if rest:
        return Opaque(f"runs the script {rest[0].text} with {name}")
    if any(o.text in ("--version", "--help") for o in options):
        return None
    return Opaque(f"{name} runs a script from its standard input")


def _interpreter(name: str, args: list[Word]) -> Verdict:
    options = _leading_options(args)
    rest = args[len(options):]
    for index, option in enumerate(options):
        if option.text.startswith("-m"):
            module = option.text[2:] or _first_text(args[index + 1:])
            if module in _SAFE_MODULES:
                return None
            return Opaque(f"runs the {name} module {module or '(missing)'}")
        if option.text in ("-c", "-e", "--eval", "-r", "-E"):
            return Opaque(f"runs {name} code given inline")
    if rest:
        return Opaque(f"runs the script {rest[0].text} with {name}")
    if options:
        return None  # --version, -V ...
    return Opaque(f"{name} runs a script from its standard input")


def _remote(name: str, args: list[Word]) -> bool:
    texts = [a.text for a in args]
    if name == "ssh":
        return len(_after_options(args, frozenset({"-i", "-p", "-o", "-l", "-F", "-J"}), 1)) > 0
    return "ssh" in texts or "send-command" in texts or "start-session" in texts


def _leading_options(args: list[Word]) -> list[Word]:
    """The options before the first operand; `-m MODULE` keeps its module out of them."""
    taken: list[Word] = []
    for arg in args:
        if not arg.text.startswith(("-", "+")) or arg.text in ("-", "--"):
            break
        taken.append(arg)
        if arg.text == "-m":
            break
    return taken


def _after_options(args: list[Word], valued: frozenset[str], positional: int) -> list[Word]:
    index = 0
    while index < len(args):
        text = args[index].text
        if text == "--":
            index += 1
            break
        if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=.*", text, re.DOTALL):
            index += 1  # env NAME=value
        elif text.startswith("-") and text != "-":
            index += 2 if text in valued else 1
        else:
            break
    return args[index + positional:]


def _prints_only(argv: list[Word]) -> bool:
    return len(argv) > 1 and argv[1].text in ("-v", "-V")


def _first_text(args: list[Word]) -> str:
    return args[0].text if args else ""
