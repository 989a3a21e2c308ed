"""The GitHub provider: hosts.py decides where the token may go, http.py speaks the REST API,
pulls.py implements the pull-request operations, statuses.py reads a commit's statuses and check
runs."""

from promoter.forge.github.pulls import GitHubProvider

__all__ = ["GitHubProvider"]
