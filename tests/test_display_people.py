"""History shows people: who set a change going (triggered by) and who approved it, beside the
git author."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from promoter.history import HistoryEntry
from promoter.trailers import Approver
from tests.test_display import SHA_A, entries, lines, screen


def with_people() -> list[HistoryEntry]:
    first, *rest = entries()
    record = replace(first.record, triggered_by="ci-bot",
                     approvals=(Approver("alice", "Alice Liddell", "hold-production"),))
    return [replace(first, record=record), *rest]


@pytest.mark.parametrize("width", [80, 160])
def test_history_shows_triggered_by_and_approved_by(width: int) -> None:
    shown, out, _ = screen(width)
    shown.history({"environment": "production", "entries": with_people()})
    text = out.getvalue()
    assert max(len(line) for line in lines(text)) <= width
    assert SHA_A[:12] in text  # the commit id is not folded
    assert "ci-bot" in text and "Template" in text  # the author column stays
    assert "alice" in text


def test_at_160_columns_the_people_have_their_column() -> None:
    shown, out, _ = screen(160)
    shown.history({"environment": "production", "entries": with_people()})
    text = lines(out.getvalue())
    assert re.search(r"images +by +build", text[1])
    first = next(i for i, line in enumerate(text) if re.match(r"\d{4}-\d\d-\d\d", line))
    assert re.search(r"▸ ci-bot +#102$", text[first].rstrip())
    assert text[first + 1].rstrip().endswith("✔ alice (Alice Liddell)")
    assert all(line.strip() for line in text)  # no empty line for an entry without people


def test_at_80_columns_the_people_are_under_the_action() -> None:
    shown, out, _ = screen(80)
    shown.history({"environment": "production", "entries": with_people()})
    text = out.getvalue()
    assert " by " not in lines(text)[1]
    assert "▸ ci-bot" in text and "✔ alice" in text


def test_without_people_there_is_no_column() -> None:
    shown, out, _ = screen(160)
    shown.history({"environment": "production", "entries": entries()})
    assert re.search(r"images +build", lines(out.getvalue())[1])


def test_history_json_has_the_people_keys() -> None:
    data = with_people()[0].to_json()
    assert data["triggered_by"] == "ci-bot"
    assert data["approved_by"] == [{"login": "alice", "name": "Alice Liddell",
                                    "job": "hold-production"}]
    assert data["overrides"] == []
