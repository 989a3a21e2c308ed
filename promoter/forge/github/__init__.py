"""The GitHub provider: hosts.py decides where the token may go, credentials.py chooses a GitHub
App (app.py) or a token, http.py speaks the REST API and graphql.py the GraphQL API, pulls.py
implements the pull-request operations (with automerge.py and protection.py), statuses.py reads
a commit's statuses and check runs."""

from promoter.forge.github.pulls import GitHubProvider

__all__ = ["GitHubProvider"]
