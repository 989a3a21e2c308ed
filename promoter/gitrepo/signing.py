"""Signing promotion commits with the user's own key (--sign): git's user.signingkey and
gpg.format (openpgp, ssh or x509), checked by signing a throw-away commit before anything is
edited, so a broken key fails the run before a file is touched or anything is pushed.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from promoter.errors import GitError, UsageError
from promoter.gitrepo.command import detail
from promoter.gitrepo.workspace import BOT_EMAIL, BOT_NAME, Workspace

FORMATS = ("openpgp", "ssh", "x509")
_PROBE = "promoter: signing check (this commit is never used)\n"


@dataclass(frozen=True)
class SigningKey:
    """What git signs with: the format and the key as configured ("" when git picks one)."""

    format: str
    key: str

    def describe(self) -> str:
        """"ssh signing key PATH (gpg.format=ssh, user.signingkey)", for messages."""
        if self.key:
            return f"{self.format} signing key {self.key} (gpg.format={self.format}, " \
                   "user.signingkey)"
        return f"default {self.format} signing key (gpg.format={self.format}; user.signingkey " \
               "is unset)"


def signing_key(ws: Workspace) -> SigningKey:
    """The configured key, or UsageError saying what is missing or unknown."""
    fmt = _config(ws, "gpg.format") or "openpgp"
    key = _config(ws, "user.signingkey")
    if fmt not in FORMATS:
        raise UsageError(f"--sign: gpg.format is {fmt!r}; git signs with one of "
                         f"{', '.join(FORMATS)}", hint="git config gpg.format ssh (or openpgp)")
    if fmt == "ssh" and not key and not _config(ws, "gpg.ssh.defaultKeyCommand"):
        raise UsageError("--sign: gpg.format is ssh but user.signingkey is not set",
                         hint="git config user.signingkey ~/.ssh/id_ed25519.pub (the public "
                         "key file, or key::ssh-ed25519 AAAA...)")
    if fmt == "ssh" and key and not key.startswith(("key::", "ssh-")):
        path = Path(key).expanduser()
        if not path.is_file():
            raise UsageError(f"--sign: the ssh signing key {key} (user.signingkey) does not exist",
                             hint="point user.signingkey at the key file, or at its .pub file")
    return SigningKey(fmt, key)


def check_signing(ws: Workspace) -> SigningKey:
    """Sign a throw-away commit (never referenced; git's gc removes it) the way the promotion
    commit will be signed; GitError naming the key and format when git cannot."""
    key = signing_key(ws)
    tree = ws.runner.run("rev-parse", "--verify", "HEAD^{tree}").text.strip()
    probe = ws.runner.run("commit-tree", "-S", tree, "-m", _PROBE,
                          config=_identity(ws))
    if not probe.ok:
        raise GitError(f"--sign: git cannot sign with the {key.describe()}: {detail(probe)}",
                       hint="check that the key exists, is readable, has no passphrase that "
                       "cannot be asked for here (use an agent), and matches gpg.format")
    return key


def _config(ws: Workspace, name: str) -> str:
    return ws.runner.run("config", "--get", name).text.strip()


def _identity(ws: Workspace) -> list[str]:
    """The probe is committed as the promotion commit is (the bot when no identity is set)."""
    if _config(ws, "user.name") and _config(ws, "user.email"):
        return []
    return [f"user.name={BOT_NAME}", f"user.email={BOT_EMAIL}"]
