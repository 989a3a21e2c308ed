"""Everything that talks to git: open a working copy or clone a URL, commit one file, push,
recover from races, read history, push promotion branches.

command.py runs git (through promoter.process: environment, timeout, error text); urls.py tells
remote addresses from paths; open.py opens a Workspace (workspace.py); its `log` (log.py) reads
history and its `branches` (branches.py) handles promotion pull request branches.
"""

from promoter.gitrepo.branches import Branches
from promoter.gitrepo.command import TIMEOUT_VAR, GitRunner, git_timeout
from promoter.gitrepo.log import CommitInfo, Log
from promoter.gitrepo.open import open_workspace
from promoter.gitrepo.urls import RemoteLocation, is_url, remote_location
from promoter.gitrepo.workspace import BOT_EMAIL, BOT_NAME, Workspace

__all__ = [
    "BOT_EMAIL",
    "BOT_NAME",
    "TIMEOUT_VAR",
    "Branches",
    "CommitInfo",
    "GitRunner",
    "Log",
    "RemoteLocation",
    "Workspace",
    "git_timeout",
    "is_url",
    "open_workspace",
    "remote_location",
]
