"""The extractor's third pass, continued (issue 12): lists of counted groups, headline pairs,
states of a place dated with "since". Each test is written from a class of wording, with
invented sentences, not from one sentence of the labelled set."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import IncidentReport
from services.extractor.domain import extract

REPORTED = datetime(2022, 11, 2, 12, tzinfo=UTC)


def reports(text: str) -> list[IncidentReport]:
    return extract(text, reported_at=REPORTED, default_country="SYR")


def kinds(text: str) -> list[tuple[str, int | None]]:
    """(kind, killed low end) of each report."""
    return [
        (r.kind.value, r.casualties.killed.pick("low") if r.casualties.killed else None)
        for r in reports(text)
    ]


def figure(text: str, measure: str) -> int | None:
    found = [getattr(r.casualties, measure) for r in reports(text)]
    lows = [f.pick("low") for f in found if f is not None]
    return sum(lows) if lows else None


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # equal figures in one list are two groups, not one toll said twice
        ("Three police officers and three SDF fighters lost their lives in the attack.", 6),
        ("Two soldiers and two civilians were killed in the blast in Azaz on Monday.", 4),
        ("Four guards and four prisoners died in the shelling of the prison on Monday.", 8),
        # a list of groups that were "among the dead": none is the other's part
        ("Five women and 13 fighters were among the dead in the Idlib strike.", 18),
        ("Two nurses and seven patients were among those killed in Daraa on Monday.", 9),
        # a general noun followed by its parts stays one group
        ("Three civilians two women and a man were killed in Daraa on Monday.", 3),
    ],
)
def test_a_list_of_counted_groups_adds_up(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


def test_women_listed_among_the_dead_are_women_killed() -> None:
    text = "Four women and nine fighters were among the dead in the Idlib strike."
    assert figure(text, "killed") == 13
    assert figure(text, "women_killed") == 4


@pytest.mark.parametrize(
    ("text", "killed", "injured"),
    [
        ("One person killed 16 others injured in rocket attacks on Aleppo on Monday", 1, 16),
        ("Two soldiers killed 5 others wounded in a mortar attack in Daraa", 2, 5),
        ("Three civilians injured 2 others killed in shelling on Idlib on Monday", 2, 3),
    ],
)
def test_a_headline_pair_without_a_comma_is_two_figures(
    text: str, killed: int, injured: int
) -> None:
    assert figure(text, "killed") == killed
    assert figure(text, "injured") == injured


def test_a_verb_with_its_object_stays_one_figure() -> None:
    assert kinds("Gunmen killed 16 people in Azaz on Monday.") == [("incident", 16)]


@pytest.mark.parametrize(
    "text",
    [
        "14 people were killed in different circumstances in Syria on Monday",
        "Nine civilians died in separate events across the north on Monday.",
    ],
)
def test_a_toll_of_different_events_is_a_summary(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["summary"]


@pytest.mark.parametrize(
    "text",
    [
        "Shelling killed two civilians in the city that has been divided since July 2012.",
        "A car bomb killed five people in Douma, under siege since 2013, on Monday.",
        "Rockets killed three people in the district held by rebels since 2014.",
        "The strike killed four people in the town, in rebel hands since 2015.",
    ],
)
def test_since_that_dates_a_places_state_is_no_period(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


def test_since_a_date_still_makes_a_toll_a_summary() -> None:
    text = "Shelling has killed 40 civilians in the city since July 2022."
    assert kinds(text) == [("summary", 40)]


@pytest.mark.parametrize(
    ("text", "killed", "children"),
    [
        ("An air raid hit the village, killing civilians including three children.", 3, 3),
        ("Among the dead were two children, the White Helmets said on Monday.", 2, 2),
        ("Among those killed in the raid on Monday were four children and a woman.", 5, 4),
        ("Among the killed was a local emir, the monitor said on Monday.", 1, None),
    ],
)
def test_parts_named_without_their_total_are_at_least_the_dead(
    text: str, killed: int, children: int | None
) -> None:
    assert figure(text, "killed") == killed
    assert figure(text, "children_killed") == children


def test_parts_of_a_stated_total_are_not_added() -> None:
    text = "Shelling killed 10 people including three children in Idlib on Monday."
    assert figure(text, "killed") == 10
    assert figure(text, "children_killed") == 3


def test_a_headline_and_body_with_one_toll_are_one_incident_across_places() -> None:
    # the headline names the city, the body its countryside: one toll told twice
    text = (
        "Strikes kill 45 after rebel fire on Damascus AFP Thursday 5 Feb 2015 At least 45 "
        "people were killed in air strikes on rebel areas around Damascus on Thursday."
    )
    found = extract(text, reported_at=datetime(2015, 2, 6, tzinfo=UTC), default_country="SYR")
    assert [r.casualties.killed.pick("low") for r in found if r.casualties.killed] == [45]


@pytest.mark.parametrize(
    ("text", "injured"),
    [
        ("The number of civilians injured in the shelling of Azaz has risen to ten.", 10),
        ("The number of people wounded in the attack on the market reached 25.", 25),
    ],
)
def test_a_number_of_injured_risen_to_a_figure(text: str, injured: int) -> None:
    assert figure(text, "injured") == injured


@pytest.mark.parametrize(
    "text",
    [
        "Second Turkish drone attack in 2022 | Child injured in Al-Raqqah countryside",
        "The 5th Israeli strike in 2022 killed two soldiers near Damascus airport.",
    ],
)
def test_an_ordinal_event_of_the_year_is_that_event(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


def test_a_years_total_is_still_a_summary() -> None:
    assert kinds("Turkish drones killed 40 people in northern Syria in 2022.") == [("summary", 40)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        (
            "A drone strike killed a civilian in Idlib on Monday, days after a review into a "
            "2019 US bombing that killed dozens of civilians.",
            1,
        ),
        ("It was the largest raid since the 2019 operation that killed the IS leader.", None),
        ("They reopened the case of the 2018 strikes which killed 64 people in Baghouz.", None),
    ],
)
def test_the_toll_of_an_earlier_years_event_in_a_clause_is_not_counted(
    text: str, killed: int | None
) -> None:
    assert figure(text, "killed") == killed


def admin1(text: str) -> set[str | None]:
    return {r.location.admin1 for r in reports(text)}


@pytest.mark.parametrize(
    ("text", "region"),
    [
        # a town's name that begins a longer Arabic name is not that town; a governorate
        # right after decides
        ("Shells killed two men in the Sulaiman al-Halabi district on Monday.", None),
        ("A rocket injured three people in the Bab Touma neighbourhood in Damascus.", "Damascus"),
        # place words after a town keep the town
        ("Manbij Military Council said a drone killed two people on Monday.", "Aleppo"),
        ("A shell killed a child in Kafr Nabl, Idlib countryside, on Monday.", "Idlib"),
    ],
)
def test_a_town_inside_a_longer_name_is_not_placed(text: str, region: str | None) -> None:
    assert admin1(text) == {region}


def test_a_title_case_headline_still_places_its_town() -> None:
    assert admin1("Syrian Army Kills 18 ISIL Terrorists in Deir Ezzor Advances in Jobar") == {
        "Deir ez-Zor"
    }


@pytest.mark.parametrize(
    ("text", "region"),
    [
        (
            "QAMISHLI, Syria (North Press) – Turkish shelling on the village of Hoshan near Ain "
            "Issa killed two people on Monday.",
            "Ar-Raqqa",
        ),
        (
            "Damascus, SANA- An Israeli strike near Deir Ezzor city injured two soldiers.",
            "Deir ez-Zor",
        ),
        # the filing town stays when the story names no other place
        (
            "HASAKAH, Syria (North Press) – Two people were killed in a drone strike on Monday.",
            "Al-Hasakah",
        ),
    ],
)
def test_the_town_a_story_was_filed_from_is_not_its_place(text: str, region: str) -> None:
    assert admin1(text) == {region}


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("A tank shell wounded two men in al-Hamidia village in Quneitra countryside.", "Quneitra"),
        ("A drone killed two people in Al-Hamidia, Quneitra province, on Monday.", "Quneitra"),
        # a governorate named later for another event does not move the town
        ("A drone killed two people in Al-Hamidia on Monday and a shell hit Quneitra.", "Tartus"),
    ],
)
def test_a_governorate_named_right_after_a_town_contains_it(text: str, region: str) -> None:
    assert admin1(text) == {region}


def test_a_count_before_a_verb_with_two_objects_is_no_victim() -> None:
    # "Views 1662" is page debris: the agent of "killed 20 ... and injured 30", not a toll
    text = "Print Tweet Views 1662 A car bomb killed 20 people and injured 30 others in Azaz."
    assert figure(text, "killed") == 20
