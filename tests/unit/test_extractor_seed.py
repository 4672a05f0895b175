"""The seed wire story (../shared, beside the repository) and a hand-written story with the
same constructions, so the rules are covered even where ../shared is absent."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from schemas.reports import EventType, Figure, IncidentReport, ReportKind, SourceKind
from services.extractor.domain import extract

SEED = Path(__file__).resolve().parents[3] / "shared" / "000_3514081b15f2f00c.txt"
REPORTED = datetime(2024, 12, 2, tzinfo=UTC)

OWN_STORY = """BEIRUT, Dec 2 - At least 25 people, including 10 children, were killed in northern
Syria on Dec 1 as air strikes by the Syrian government and its ally Russia targeted Idlib, according
to the White Helmets, a rescue group.
Since Nov 27, air strikes have killed at least 56 people, including 20 children, according to
the White Helmets.
Witnesses reported panic in Idlib as one strike hit a market, killing seven people and injuring
dozens. In Aleppo, residents fled the city.
Rebels said they captured Khansir, south of Aleppo. These reports remain unverified.
The siege of 2016 killed thousands in Aleppo.
"""


def check_story(reports: list[IncidentReport]) -> None:
    incidents = [r for r in reports if r.kind is ReportKind.INCIDENT]
    summaries = [r for r in reports if r.kind is ReportKind.SUMMARY]
    main = next(r for r in incidents if r.source.name == "White Helmets")
    assert main.source.kind is SourceKind.NGO
    assert (main.location.country, main.location.admin1) == ("SYR", "Idlib")
    assert main.occurred_at.date() == date(2024, 12, 1)
    assert main.event_type is EventType.AIR_STRIKE
    assert main.casualties.killed == Figure.at_least(25)
    assert main.casualties.children_killed == Figure.at_least(10)
    assert main.alleged_perpetrators == ["Syrian government", "Russia"]

    [summary] = summaries
    assert summary.casualties.killed == Figure.at_least(56)
    assert summary.casualties.children_killed == Figure.at_least(20)
    assert summary.period_start is not None and summary.period_start.date() == date(2024, 11, 27)
    assert summary.occurred_at.date() == date(2024, 12, 1)

    # The witnesses' seven dead are a second source for the same incident, not a new one.
    others = [r for r in incidents if r is not main]
    assert all(r.incident_id == main.incident_id for r in others)
    assert [r.source.kind for r in others] == [SourceKind.WITNESS]
    assert others[0].casualties.killed == Figure.exact(7)
    # No casualty incident for Khansir, the displacement, or the 2016 siege.
    assert len({r.incident_id for r in incidents}) == 1


def test_hand_written_story() -> None:
    check_story(extract(OWN_STORY, reported_at=REPORTED))


def test_seed_story() -> None:
    if not SEED.exists():
        pytest.skip(f"seed story not found at {SEED} (it lives beside the repository)")
    text = SEED.read_text(encoding="utf-8")
    reports = extract(text, reported_at=REPORTED)
    check_story(reports)
    assert [r.report_id for r in reports] == [
        r.report_id for r in extract(text, reported_at=REPORTED)
    ]
