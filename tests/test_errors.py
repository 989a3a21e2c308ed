from promoter.errors import ExitCode, GitError, PolicyError, PromoterError, UsageError
from promoter.sanitize import redact


def test_exit_codes_per_class() -> None:
    assert UsageError("x").exit_code is ExitCode.USAGE
    assert PolicyError("x").exit_code is ExitCode.POLICY
    assert GitError("x").exit_code is ExitCode.REMOTE
    assert PromoterError("x").exit_code is ExitCode.UNEXPECTED


def test_credentials_are_stripped_from_messages() -> None:
    err = GitError("push to https://x-access-token:ghp_secret@github.com/o/r.git failed")
    assert "ghp_secret" not in str(err)
    assert "https://github.com/o/r.git" in str(err)
    assert redact("ssh://git@host/repo") == "ssh://host/repo"
