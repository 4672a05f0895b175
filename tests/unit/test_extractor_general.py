"""General rules of the extractor's second pass (issue 12): each test is written from a class
of wording, with invented sentences, not from one sentence of the labelled set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import IncidentReport, ReportKind
from services.extractor.domain import extract

REPORTED = datetime(2022, 2, 2, 12, tzinfo=UTC)


def kinds(text: str, reported_at: datetime = REPORTED) -> list[tuple[str, int | None]]:
    """(kind, killed low end) of each report."""
    reports: list[IncidentReport] = extract(text, reported_at=reported_at, default_country="SYR")
    return [
        (r.kind.value, r.casualties.killed.pick("low") if r.casualties.killed else None)
        for r in reports
    ]


@pytest.mark.parametrize(
    "text",
    [
        # a full date of an earlier year, far enough back
        "Officials recalled a deadly March 18, 2019, attack in Baghouz that killed 70 civilians.",
        # a month alone that lies in the previous year
        "In October the group raided a village near Raqqa, killing 11 civilians.",
        "In September a bombing killed nine fighters in Idlib province.",
        # last year's date more than a month back (44 days)
        "On 20 December 2021 a shell killed two people in Daraa.",
        # a year alone
        "The siege of 2016 killed thousands in Aleppo.",
    ],
)
def test_an_event_of_an_earlier_year_is_background(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        "On January 5, 2022, an air strike killed four people in Idlib.",  # a month back
        "In January a car bomb killed six people in Azaz.",  # this year's month
        "On Monday a drone strike killed two people in Idlib, the third since 2019.",
    ],
)
def test_an_event_of_last_month_or_this_year_is_news(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        ("SOHR: ISLAMIC STATE KILLED 625 PEOPLE IN SYRIA IN 2021", 625),
        ("Landmines killed 40 people in Deir ez-Zor during 2022.", 40),
        ("Shockingly, three people died in these direct and brutal attacks.", 3),
        ("Government forces killed over 80 fighters in various provinces.", 80),
        ("Four people were killed in separate incidents in Syria on Monday.", 4),
        ("At least 79 civilians were killed in Deir Ezzor over the last 48 hours.", 79),
        ("An estimated 170000 people have been killed due to the violence.", 170000),
    ],
)
def test_a_total_over_a_period_or_many_places_is_a_summary(text: str, killed: int) -> None:
    assert kinds(text) == [("summary", killed)]


@pytest.mark.parametrize(
    "text",
    [
        "Seven fighters were killed in clashes in several areas of Idlib on Monday.",
        "Those killed in two attacks include 14 children.",
        "At least 12 people were killed in the last 24 hours in Idlib.",
        "Syrian opposition: 1300 killed in chemical attack on Ghouta region.",
    ],
)
def test_one_region_one_day_or_one_event_is_an_incident(text: str) -> None:
    assert [k for k, _ in kinds(text)] == [ReportKind.INCIDENT.value]


def measures(sentence: str) -> dict[str, str]:
    """Figures as written (civilian figures: tests/unit/test_extractor_civilians.py)."""
    from services.extractor.domain.casualties import sentence_figures

    found = sentence_figures(sentence).figures.items()
    return {k: f.describe() for k, f in found if not k.startswith("civilians_")}


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a named subject of a passive or intransitive casualty verb
        ("Abdul Hamid al-Matar was killed in a drone strike.", {"killed": "1"}),
        (
            "Sameh Salim Ayyoub, a farm worker from Qebtan village, died of his wounds.",
            {"killed": "1"},
        ),
        ("Ranya Eta, Dilan Ezedin and Zozan Zedan died in the blast.", {"killed": "3"}),
        (
            "The 11-year-old Suleiman Selo and the 15-year-old Badran Selo were injured.",
            {"injured": "2", "children_injured": "2"},
        ),
        # a bare singular subject in a headline
        (
            "Landmine explosion | Regime soldier killed and four others injured",
            {"killed": "1", "injured": "4"},
        ),
        (
            "Girl named Layla al-Masri killed in a ground attack",
            {"killed": "1", "children_killed": "1"},
        ),
        # the object list of an active verb or a casualty noun
        ("The strike killed his grandfather, his brother and a cousin.", {"killed": "3"}),
        (
            "The shelling claimed the lives of Khaled Hanifa and Bashar Barakat, and injured "
            "Sabri Sido, 20, and Aziz Zeidan, 32.",
            {"killed": "2", "injured": "2"},
        ),
        ("The bombing led to the injury of Masoud Abu Ayoub, 53.", {"injured": "1"}),
        (
            "Troops stormed the town, killing Abu Malik, a field commander, and eight more "
            "militants.",
            {"killed": "9"},
        ),
        # one person per clause, each with its own verb
        (
            "Al-Shammari was killed, one of his associates was wounded.",
            {"killed": "1", "injured": "1"},
        ),
    ],
)
def test_victims_named_without_a_number(sentence: str, expected: dict[str, str]) -> None:
    assert measures(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Three people, including a named child, were killed.",
            {"killed": "3", "children_killed": "1"},
        ),
        ("A wounded man died in hospital.", {"killed": "1"}),
        ("Five killed and wounded by a drone attack", {}),
        ("The attack resulted in no injuries to U.S. personnel.", {}),
        ("Protesters gathered over the death of Reyaz Naikoo.", {}),
        ("A drone hit a car, leaving SDF fighters wounded.", {}),  # a plural: no figure
        (
            "Hundreds of civilians killed is a conservative figure, Mardini said.",
            {"killed": "at least 100"},
        ),
        ("Fighting has also killed 30 soldiers as well as 50 rebels.", {"killed": "80"}),
        ("Gunmen killed a policeman and abducted one agent and 3 civilians.", {"killed": "1"}),
    ],
)
def test_counted_subjects_and_non_persons_add_nobody(
    sentence: str, expected: dict[str, str]
) -> None:
    assert measures(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        # a second figure after a participle is a clause of its own, not the verb's object
        ("10 civilians killed 15 injured in rocket attacks", {"killed": "10", "injured": "15"}),
        ("3 Civilians Killed 38 Injured in Rocket Attacks", {"killed": "3", "injured": "38"}),
        # "the other / the remaining N" is the rest of a stated total
        (
            "The raid killed four people, including two civilians; the other two deaths were "
            "fighters.",
            {"killed": "4"},
        ),
    ],
)
def test_clauses_and_remainders(sentence: str, expected: dict[str, str]) -> None:
    assert measures(sentence) == expected


def test_a_headline_told_again_in_the_body_is_one_incident() -> None:
    text = (
        "US-led raids on Syria killed 14 jihadists 5 civilians AFP Thursday 25 Sep 2014 "
        "A series of strikes in Syria overnight by a US-led coalition killed 14 jihadists and "
        "five civilians, a monitoring group said."
    )
    reports = extract(text, reported_at=datetime(2014, 9, 26, tzinfo=UTC), default_country="SYR")
    assert {r.incident_id for r in reports} == {reports[0].incident_id}
    assert max(r.casualties.killed.pick("low") for r in reports if r.casualties.killed) == 19
    assert all(r.location.country == "SYR" for r in reports)  # "US-led" is an actor


def test_a_headline_above_its_one_body_incident_sums_it_up() -> None:
    # third pass (precision first): the body's strike is part of the headline's 40, not 5 more
    text = (
        "Strikes kill 40 in Idlib AFP Thursday 25 Sep 2014 A strike in Syria killed five "
        "people in Idlib on Thursday, a monitor said."
    )
    reports = extract(text, reported_at=datetime(2014, 9, 26, tzinfo=UTC), default_country="SYR")
    assert [r.casualties.killed.pick("low") for r in reports if r.casualties.killed] == [40]


def test_a_headline_above_several_body_incidents_stays_its_own_claim() -> None:
    text = (
        "Strikes kill 40 in Syria AFP Thursday 25 Sep 2014 A strike killed five people in "
        "Idlib on Thursday. Another strike killed three people in Hama on Wednesday."
    )
    reports = extract(text, reported_at=datetime(2014, 9, 26, tzinfo=UTC), default_country="SYR")
    assert sorted(r.casualties.killed.pick("low") for r in reports if r.casualties.killed) == [
        3,
        5,
        40,
    ]
