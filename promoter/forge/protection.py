"""Naming the rule behind a push the remote refused because the branch is protected: the
forge's own account of the branch protection, added to the refusal."""

from __future__ import annotations

from collections.abc import Mapping

from promoter.config import Config
from promoter.errors import PromoterError, ProtectedBranch
from promoter.forge import provider_for


def explain_protection(refused: ProtectedBranch, remote_url: str, cfg: Config,
                       environ: Mapping[str, str]) -> ProtectedBranch:
    """`refused` with the protection rule of its branch named (as far as the credentials may
    read it); never fails itself: what kept it from reading the rule is said instead."""
    try:
        with provider_for(remote_url, cfg, environ) as provider:
            rule = provider.describe_protection(refused.branch)
    except PromoterError as exc:
        rule = f"the rule of {refused.branch} could not be read ({exc.message})"
    return ProtectedBranch(f"{refused.message}; {rule}", branch=refused.branch,
                           hint=refused.hint)
