"""Extraction rules, one table per concern (hand-written sentences, no shared data)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.reports import (
    EventType,
    Figure,
    IncidentReport,
    ReportKind,
    SourceKind,
    Verification,
)
from services.extractor.domain import extract, extract_all
from services.extractor.domain.casualties import sentence_figures
from services.extractor.domain.dates import dateline, incident_day, period_start

MONDAY = datetime(2024, 12, 2, 12, tzinfo=UTC)


def figures(sentence: str) -> dict[str, str]:
    """Figures as written (civilian figures: tests/unit/test_extractor_civilians.py)."""
    found = sentence_figures(sentence).figures.items()
    return {k: f.describe() for k, f in found if not k.startswith("civilians_")}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "At least 25 people, including 10 children, were killed.",
            {"killed": "at least 25", "children_killed": "at least 10"},
        ),
        ("Seven people were killed and twenty-five injured.", {"killed": "7", "injured": "25"}),
        ("A child was killed.", {"killed": "1", "children_killed": "1"}),
        (
            "The strike hit a market, killing seven people and injuring dozens.",
            {"killed": "7", "injured": "at least 12"},
        ),
        ("Between 5 and 8 people were killed.", {"killed": "5-8"}),
        ("About 30 civilians were killed.", {"killed": "about 30"}),
        ("Nearly 40 people died.", {"killed": "about 40"}),
        ("Shelling killed 6 soldiers and 4 militiamen.", {"killed": "10"}),
        ("Hundreds of people were wounded.", {"injured": "at least 100"}),
        (
            "The raid killed two women and three children.",
            {"killed": "5", "women_killed": "2", "children_killed": "3"},
        ),
        ("Gunmen shot dead a QSD fighter.", {"killed": "1"}),
        ("Three IS fighters were killed.", {"killed": "3"}),
        ("Clashes killed 3 fighters. ", {"killed": "3"}),
        ("Unknown fatalities coded as 10.", {"killed": "10"}),
        ("1 fatality.", {"killed": "1"}),
        ("Rebels destroyed 3 tanks and killed 10 soldiers.", {"killed": "10"}),
        ("One strike hit a crowded area.", {}),
        ("The war is in its 13th year and 2016 was worse.", {}),
        ("On 9 May 2020, 4 people were injured.", {"injured": "4"}),
        ("A 15-year-old boy was killed.", {"killed": "1", "children_killed": "1"}),
    ],
)
def test_casualty_figures(sentence: str, expected: dict[str, str]) -> None:
    assert figures(sentence) == expected


REF = date(2024, 12, 2)  # a Monday


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("They were killed on Dec 1 in Idlib.", date(2024, 12, 1)),
        ("On 9 May 2020, two people died.", date(2020, 5, 9)),
        ("Strikes on Sunday killed five.", date(2024, 12, 1)),
        ("Yesterday, five were killed.", date(2024, 12, 1)),
        ("Five were killed today.", date(2024, 12, 2)),
        ("They were killed on December 30.", date(2023, 12, 30)),
        ("Five were killed on Dec 25.", date(2023, 12, 25)),
        ("Five were killed.", None),
    ],
)
def test_incident_day(sentence: str, expected: date | None) -> None:
    assert incident_day(sentence, REF) == expected


def test_dateline_and_period() -> None:
    line = dateline("AMMAN, Dec 2 - At least 25 people were killed.", REF)
    assert line is not None and line.place == "AMMAN" and line.day == REF
    assert period_start("Since Nov 27, strikes have killed 56 people.", REF) == date(2024, 11, 27)
    assert period_start("Over the past week, 20 people were killed.", REF) == date(2024, 11, 25)
    assert period_start("Five people were killed on Sunday.", REF) is None


def one(text: str, **kwargs: object) -> IncidentReport:
    reports = extract(text, reported_at=MONDAY, **kwargs)  # type: ignore[arg-type]
    assert len(reports) == 1, reports
    return reports[0]


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        (
            "Five people were killed in Idlib, according to the White Helmets.",
            "White Helmets",
            SourceKind.NGO,
        ),
        (
            "Five people were killed in Idlib, the Syrian Observatory said.",
            "Syrian Observatory for Human Rights",
            SourceKind.MONITOR,
        ),
        ("Witnesses said five people were killed in Idlib.", "witnesses", SourceKind.WITNESS),
        (
            "Five people were killed in Idlib, the Health Ministry said.",
            "Health Ministry",
            SourceKind.GOVERNMENT,
        ),
        ("Five people were killed in Idlib.", "unattributed", SourceKind.MEDIA),
    ],
)
def test_sources(text: str, name: str, kind: SourceKind) -> None:
    report = one(text)
    assert (report.source.name, report.source.kind) == (name, kind)


@pytest.mark.parametrize(
    ("text", "event_type"),
    [
        ("An air strike killed 5 people in Idlib.", EventType.AIR_STRIKE),
        ("A drone strike killed 5 people in Idlib.", EventType.DRONE_STRIKE),
        ("Artillery shelling killed 5 people in Idlib.", EventType.SHELLING),
        ("Clashes killed 5 fighters in Idlib.", EventType.ARMED_CLASH),
        ("A car bomb explosion killed 5 people in Idlib.", EventType.EXPLOSION),
        ("Five people were killed in Idlib.", EventType.OTHER),
    ],
)
def test_event_types(text: str, event_type: EventType) -> None:
    assert one(text).event_type is event_type


def test_region_country_and_perpetrators() -> None:
    report = one(
        "Air strikes by the Syrian government and its ally Russia killed 9 people in Edlib."
    )
    assert (report.location.country, report.location.admin1) == ("SYR", "Idlib")
    assert report.alleged_perpetrators == ["Syrian government", "Russia"]
    assert one("Five people were killed in Kabul.", default_country="AFG").location.country == "AFG"
    assert one("Five people were killed in northern Yemen.").location.country == "YEM"


def test_no_country_is_skipped_with_a_reason() -> None:
    result = extract_all("Five people were killed in the village.", reported_at=MONDAY)
    assert result.reports == [] and "no country" in result.skipped[0].reason


def test_verification_cues() -> None:
    assert (
        one(
            "Five people were killed in Idlib, a claim that could not be independently verified."
        ).verification
        is Verification.UNVERIFIED
    )
    assert (
        one("Five people were killed in Idlib. These reports remain unverified.").verification
        is Verification.UNVERIFIED
    )
    assert one("Five people were killed in Idlib.").verification is Verification.REPORTED


def test_summary_is_not_an_incident() -> None:
    text = (
        "AMMAN, Dec 2 - Five people were killed in Idlib on Dec 1. "
        "Since Nov 27, air strikes have killed at least 56 people, including 20 children."
    )
    reports = extract(text, reported_at=MONDAY)
    summary = next(r for r in reports if r.kind is ReportKind.SUMMARY)
    assert summary.period_start is not None and summary.period_start.date() == date(2024, 11, 27)
    assert summary.occurred_at.date() == date(2024, 12, 1)
    assert summary.casualties.killed == Figure.at_least(56)
    assert (
        summary.incident_id != next(r for r in reports if r.kind is ReportKind.INCIDENT).incident_id
    )


def test_second_source_same_day_and_region_is_the_same_incident() -> None:
    text = (
        "At least 25 people were killed in Idlib on Dec 1, according to the White Helmets. "
        "Witnesses said one strike in Idlib killed seven people."
    )
    first, second = extract(text, reported_at=MONDAY)
    assert first.incident_id == second.incident_id and first.report_id != second.report_id
    assert second.occurred_at.date() == date(2024, 12, 1)


def test_same_source_restating_is_not_added() -> None:
    text = "Five people were killed in Idlib on Sunday. The five victims were killed in a strike."
    assert one(text).casualties.killed == Figure.exact(5)


def test_background_and_no_figures_give_nothing() -> None:
    assert extract("The siege of 2016 killed thousands in Aleppo.", reported_at=MONDAY) == []
    assert extract("Rebels captured Khansir, south of Aleppo.", reported_at=MONDAY) == []
    assert extract("Residents fled Aleppo.", reported_at=MONDAY) == []


def test_ids_are_deterministic_and_year_comes_from_the_anchor() -> None:
    text = "Five people were killed in Idlib on Dec 1."
    assert [r.report_id for r in extract(text, reported_at=MONDAY)] == [
        r.report_id for r in extract(text, reported_at=MONDAY)
    ]
    assert one(text).occurred_at.year == 2024
    assert extract(text) == []  # no anchor in time: nothing (and extract_all says why)
    dated = extract("BEIRUT, Dec 2, 2024 - Five people were killed in Idlib on Dec 1.")
    assert dated[0].occurred_at.date() == date(2024, 12, 1)
