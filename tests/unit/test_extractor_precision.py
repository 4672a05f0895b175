"""The extractor's third pass (issue 12): precision first. An incident only when the figure is
one incident's toll; when in doubt a summary or nothing. Each test is written from a class of
wording, with invented sentences, not from one sentence of the labelled set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import IncidentReport
from services.extractor.domain import extract

REPORTED = datetime(2022, 11, 2, 12, tzinfo=UTC)


def kinds(text: str, country: str | None = "SYR") -> list[tuple[str, int | None]]:
    """(kind, killed low end) of each report."""
    reports: list[IncidentReport] = extract(text, reported_at=REPORTED, default_country=country)
    return [
        (r.kind.value, r.casualties.killed.pick("low") if r.casualties.killed else None)
        for r in reports
    ]


@pytest.mark.parametrize(
    "text",
    [
        "The army conceded that the raid may have killed up to 40 villagers.",
        "Officials said the shelling might have killed as many as 15 people.",
        "Witnesses said the barrage could have left 30 people dead.",
        "The bombs fell on a crowded street, possibly resulting in the deaths of 25 people.",
        "Investigators are trying to determine whether the raid killed 12 civilians.",
        "The ministry is looking into whether or not its drone killed a farmer.",
        "Conflicting reports suggest that two of the guards died.",
    ],
)
def test_a_hedged_figure_is_no_incident(text: str) -> None:
    assert [k for k, _ in kinds(text) if k == "incident"] == []


def test_the_figure_before_a_hedge_stands() -> None:
    text = (
        "The strike on the market killed 6 people in Idlib on Monday and may have killed 10 more."
    )
    assert kinds(text) == [("incident", 6)]


@pytest.mark.parametrize(
    "text",
    [
        "Three soldiers were injured and one killed in a training accident on Monday.",
        "Two people died in a traffic mishap near the base.",
        "A military helicopter crashed during a storm exercise, killing four crew members.",
        "Dozens dead as a cargo plane crashes into a market.",
        "Two children died in a fire in a displacement camp on Sunday.",
        "Family infighting | Three persons injured over a quarrel between neighbours in Daraa",
        "The singer was found dead at 61 in his home.",
    ],
)
def test_accidents_quarrels_and_obituaries_are_not_the_conflict(text: str) -> None:
    assert kinds(text) == []


@pytest.mark.parametrize(
    "text",
    [
        # a crash in the course of an attack, a clash between families, an accidental shot
        "A warplane crashed while on a bombing run over the town, leaving 12 people dead.",
        "Clashes between two armed families in the village killed three men on Monday.",
        "A fighter was accidentally shot and died at a checkpoint in Daraa.",
    ],
)
def test_armed_violence_in_such_words_is_still_an_incident(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # a report's list lines
        ("• 41 civilians, including six women, were killed by government forces.", 41),
        ("▪ Nine fighters were killed by landmines.", 9),
        ("-Opposition factions: 17 fatalities:", 17),
        # an "as of" day: a running total
        ("As of Tuesday, 31 people have been killed in rocket attacks on the border towns.", 31),
        # the same period as a tally named before
        ("The monitor said 14 soldiers were killed in the same period near the airport.", 14),
        # this month (alone)
        ("This month alone 8 commanders were killed in 5 drone strikes.", 8),
        ("Last week alone, 22 people were killed in air raids on the province.", 22),
        # several offensives or campaigns counted together
        ("The ministry said 55 militants were killed in the two offensives.", 55),
        # a present perfect toll with no day, no place and no single event
        ("Some 30 people have been killed in militant attacks.", 30),
        ("At least 200 fighters have been killed in clashes with the rebels.", 200),
    ],
)
def test_a_cumulative_figure_without_a_period_word_is_a_summary(text: str, killed: int) -> None:
    assert kinds(text) == [("summary", killed)]


@pytest.mark.parametrize(
    "text",
    [
        # a footnote star or a dash before a sentence is no list line
        "* A correction: two women were killed in the shelling of Tafas on Monday.",
        # the perfect with a place, a day or one event named
        "At least 12 people have been killed in air strikes on Idlib city.",
        "Two people have been killed today in shelling of the village.",
        "Five civilians have been killed in a car bomb attack near the market.",
        # one month's single attack, last month named as its date
        "Last month a bombing in Jableh killed at least 100 people.",
    ],
)
def test_an_anchored_toll_stays_an_incident(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # an age written "N years-old", "N-years-old", "(N years)"
        ("An 11 years-old boy died of his wounds in Idlib on Monday.", 1),
        ("A 9-years-old child was killed by a landmine near Raqqa on Monday.", 1),
        ("Khaled Omar (34 years) was killed by a sniper in Daraa on Monday.", 1),
        # a day written with an abbreviated month
        ("On Oct. 22, a man was killed in a drone strike near Idlib.", 1),
        ("On Sept. 3, two fighters were killed in an ambush in Homs.", 2),
        # a number closing a bracketed name
        ("BEIRUT (Channel 9) - Three soldiers were killed in Daraa on Monday.", 3),
        ("QAMISHLI (Station 24) – a drone killed two men on Monday.", 2),
    ],
)
def test_ages_days_and_names_are_not_victims(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


def test_a_coding_statement_overrides_every_source() -> None:
    text = (
        "On 30 October 2022, 2 soldiers were killed by a sniper in Idlib. "
        "Fatalities coded as 0 (a local network reported 2)."
    )
    assert sum(k or 0 for _, k in kinds(text)) == 0
