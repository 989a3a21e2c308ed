"""The promotion gates (promotion.gating.judge): which commit's statuses let versions through,
what a refusal says and whether waiting can change it, and how long they have soaked. Pure:
a Deployment and a board of checks, no repository."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from promoter.forge.base import FAILURE, PENDING, SUCCESS, CommitCheck
from promoter.gates import Gates
from promoter.promotion.gating import Board, GatePass, GateRefused, judge, verdict
from promoter.promotion.versions import Deployment, Stamp
from promoter.trailers import GateTrailer, ImageTrailer

ARGO = "argocd/web-staging"
SMOKE = "smoke"
T0 = datetime(2030, 5, 1, 12, 0, tzinfo=UTC)
NEW, MID, OLD = "c" * 40, "b" * 40, "a" * 40  # the stretch's commits, newest first


def stretch(*, replaced: Stamp | None = None) -> Deployment:
    return Deployment("staging", (ImageTrailer("web", "abc1234", None),),
                      Stamp(OLD, T0), replaced, (NEW, MID, OLD))


def check(name: str, state: str, at: datetime | None = T0, *, detail: str | None = None,
          kind: str = "status") -> CommitCheck:
    return CommitCheck(name, state, detail or state, at if state == SUCCESS else None, kind)


def board(**by_commit: list[CommitCheck]) -> Board:
    letters = {"new": NEW, "mid": MID, "old": OLD}
    return {letters[key]: {c.name.casefold(): verdict([c]) for c in checks}
            for key, checks in by_commit.items()}


def refusal(gates: Gates, found: Board, now: datetime = T0) -> GateRefused:
    with pytest.raises(GateRefused) as caught:
        judge(gates, stretch(), found, now=now, target="production")
    return caught.value


def test_the_newest_commit_with_every_context_successful_lets_it_through() -> None:
    gates = Gates(statuses=(ARGO, SMOKE))
    found = board(new=[check(ARGO, SUCCESS)],  # smoke missing on the newest
                  mid=[check(ARGO, SUCCESS), check(SMOKE, SUCCESS, kind="check-run")],
                  old=[check(ARGO, SUCCESS), check(SMOKE, SUCCESS)])
    passed = judge(gates, stretch(), found, now=T0, target="production")
    assert passed == GatePass((GateTrailer(ARGO, SUCCESS, MID), GateTrailer(SMOKE, SUCCESS, MID)))
    assert passed.to_json() == {"gates": [{"context": ARGO, "state": "success", "commit": MID},
                                          {"context": SMOKE, "state": "success", "commit": MID}],
                                "soak": None}


def test_contexts_match_without_regard_to_case() -> None:
    found = {OLD: {ARGO.casefold(): check(ARGO.upper(), SUCCESS)}}
    passed = judge(Gates(statuses=(ARGO,)), stretch(), found, now=T0, target="production")
    assert passed.gates == (GateTrailer(ARGO, SUCCESS, OLD),)


def test_missing_and_pending_refuse_but_waiting_may_help() -> None:
    refused = refusal(Gates(statuses=(ARGO, SMOKE)),
                      board(mid=[check(ARGO, PENDING)]))
    assert not refused.final and refused.ready_in is None
    assert f"{ARGO} is pending (pending) on {MID[:12]}; {SMOKE} is missing" in refused.message
    assert "read on 3 commit(s) of web abc1234 in staging since commit aaaaaaaaaaaa" in (
        refused.message)
    assert "--wait" in (refused.hint or "")
    assert refused.exit_code == 3


def test_a_failing_context_refuses_for_good() -> None:
    refused = refusal(Gates(statuses=(ARGO,)), board(new=[check(ARGO, FAILURE, detail="error")]))
    assert refused.final and f"{ARGO} is failure (error) on {NEW[:12]}" in refused.message


def test_an_older_success_passes_even_when_the_newest_fails() -> None:
    found = board(new=[check(ARGO, FAILURE)], old=[check(ARGO, SUCCESS)])
    passed = judge(Gates(statuses=(ARGO,)), stretch(), found, now=T0, target="production")
    assert passed.gates == (GateTrailer(ARGO, SUCCESS, OLD),)


def test_a_failing_report_beats_a_success_of_the_same_name() -> None:
    both = [check(ARGO, SUCCESS), check(ARGO, FAILURE, kind="check-run")]
    assert verdict(both).state == FAILURE
    assert verdict([check(ARGO, SUCCESS), check(ARGO, PENDING)]).state == PENDING
    latest = verdict([check(ARGO, SUCCESS, T0), check(ARGO, SUCCESS, T0 + timedelta(hours=1))])
    assert latest.at == T0 + timedelta(hours=1)


def test_soak_counts_from_the_earliest_commit_where_all_passed() -> None:
    gates = Gates(statuses=(ARGO,), soak=timedelta(minutes=30))
    found = board(new=[check(ARGO, SUCCESS, T0 + timedelta(minutes=20))],
                  old=[check(ARGO, SUCCESS, T0 + timedelta(minutes=5))])
    refused = refusal(gates, found, now=T0 + timedelta(minutes=25))
    assert not refused.final and refused.ready_in == 10 * 60
    assert "healthy for 20m" in refused.message and "10m left" in refused.message
    assert f"successful on {OLD[:12]} at 2030-05-01 12:05:00 UTC" in refused.message
    passed = judge(gates, stretch(), found, now=T0 + timedelta(minutes=47, seconds=10),
                   target="production")
    assert passed.soak_text == "42m" and passed.gates[0].commit == NEW


def test_soak_without_statuses_counts_from_the_deploy_commit() -> None:
    gates = Gates(soak=timedelta(hours=1))
    refused = refusal(gates, {}, now=T0 + timedelta(minutes=59, seconds=30))
    assert refused.ready_in == 30 and "30s left" in refused.message
    assert f"commit {OLD[:12]} deployed them at 2030-05-01 12:00:00 UTC" in refused.message
    passed = judge(gates, stretch(), {}, now=T0 + timedelta(hours=1), target="production")
    assert passed == GatePass((), timedelta(hours=1)) and passed.soak_text == "1h"


def test_versions_replaced_before_their_soak_was_over_never_pass() -> None:
    gates = Gates(soak=timedelta(hours=1))
    replaced = Stamp("d" * 40, T0 + timedelta(minutes=20))
    with pytest.raises(GateRefused) as caught:
        judge(gates, stretch(replaced=replaced), {}, now=T0 + timedelta(days=3),
              target="production")
    assert caught.value.final
    assert "healthy only 20m" in caught.value.message
    assert "until commit dddddddddddd replaced it" in caught.value.message


@pytest.mark.parametrize(("soak", "text"), [
    (timedelta(seconds=45), "45s"), (timedelta(minutes=47, seconds=59), "47m"),
    (timedelta(hours=2, minutes=3, seconds=4), "2h3m"), (timedelta(0), "0s"),
])
def test_the_soak_is_recorded_in_whole_minutes(soak: timedelta, text: str) -> None:
    assert GatePass((), soak).soak_text == text
