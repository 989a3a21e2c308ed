"""gitrepo.rejection: reading git push --porcelain and the remote's own lines."""

from __future__ import annotations

from promoter.gitrepo.rejection import push_rejection, remote_said, retryable

PORCELAIN = ("To file:///srv/gitops.git\n"
             "!\tHEAD:refs/heads/main\t[remote rejected] (pre-receive hook declined)\n"
             "Done\n")


def test_push_rejection_is_the_first_rejected_ref() -> None:
    assert push_rejection(PORCELAIN) == "[remote rejected] (pre-receive hook declined)"
    assert push_rejection("To x\n=\tHEAD:refs/heads/main\t[up to date]\nDone\n") is None


def test_remote_said_keeps_only_the_remote_lines_safely() -> None:
    stderr = ("remote: \x1b[31mmain is protected\x1b[0m\r\n"
              "remote:\n"
              "remote: see https://bot:s3cret@example.com/rules\n"
              "error: failed to push some refs to 'file:///srv/gitops.git'\n")
    assert remote_said(stderr) == "main is protected; see https://example.com/rules"
    assert remote_said("error: nothing from the remote\n") == ""


def test_retryable_when_the_branch_moved() -> None:
    assert retryable("[rejected] (fetch first)", "")
    assert retryable("[rejected] (stale info)")
    assert retryable("failed to update ref", "cannot lock ref 'refs/heads/main': is at 1 but "
                     "expected 2")
    assert not retryable("[remote rejected] (pre-receive hook declined)", "protected")


def test_branch_protection_is_told_apart_from_a_moved_branch() -> None:
    from promoter.gitrepo.rejection import protected
    assert protected("protected branch hook declined")
    assert protected("error: GH006: Protected branch update failed for refs/heads/main.")
    assert protected("GH013: Repository rule violations found for refs/heads/main.")
    assert protected("fatal: unable to access 'https://github.com/a/b.git/': The requested URL "
                     "returned error: 403")
    assert not protected("non-fast-forward", "fetch first")
