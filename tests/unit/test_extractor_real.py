"""Real reporting, one table per failure class (issue 12). The sentences are written for
these tests from each class, not copied from the evaluation data."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas.reports import Admin1Source, IncidentReport, ReportKind
from services.extractor.domain import extract, extract_all
from services.extractor.domain.casualties import sentence_figures
from services.extractor.domain.scrape import clean

MONDAY = datetime(2024, 12, 2, 12, tzinfo=UTC)


def lows(sentence: str) -> dict[str, int]:
    """Figures at their low end (civilian figures: tests/unit/test_extractor_civilians.py)."""
    found = sentence_figures(clean(sentence)).figures.items()
    return {k: f.pick("low") for k, f in found if not k.startswith("civilians_")}


def run(text: str) -> list[IncidentReport]:
    return extract(text, reported_at=MONDAY, default_country="SYR")


def incidents(text: str) -> list[IncidentReport]:
    return [r for r in run(text) if r.kind is ReportKind.INCIDENT]


def summaries(text: str) -> list[IncidentReport]:
    return [r for r in run(text) if r.kind is ReportKind.SUMMARY]


@pytest.mark.parametrize(
    "text",
    [
        "The raids left 31 people dead over the week, the monitor said.",
        "Overall, 300 people have been killed since the campaign began on March 4.",
        "The offensive has killed 120 civilians since it began two weeks ago.",
        "More than 150,000 people have been killed in Syria's three-year war.",
        "It is fighting an uprising in a conflict that has killed more than 100,000.",
        "Ten attacks left four civilians and eight soldiers dead in the province.",
        "These attacks left 20 people dead and 62 others injured.",
        "The group carried out 20 attacks last month, killing 15 people.",
        "November: 30 attacks left a civilian and 20 fighters dead.",
        "At least 56 people have been killed since mid-November in Idlib.",
        "A research centre put the death toll from the five-year conflict at as high as 470000.",
        "Daily death toll | 19 people killed on April 21 across Syria",
        "Since Thursday the bombardment has killed 44 civilians.",
        "Shelling and drone attacks have killed 62 people and injured 86 in one month.",
        "The SDF said 110 people were killed in the week-long attack on the jail.",
        "The conflict, which has killed half a million people, began in 2011.",
        "Since then hundreds of thousands of people have been killed in the fighting.",
        "The war has since killed more than 300000 people.",
        "The six-year conflict has caused more than 470000 deaths in the country.",
        "The army has killed more than 70 militants during its offensive in Hama.",
        "Infighting that began Friday left dozens killed in the area.",
        "50 militants were killed during infighting in Eastern Ghouta in past few days.",
        "The number of fatalities due to these airstrikes has jumped to 27.",
    ],
)
def test_tallies_are_summaries_never_incidents(text: str) -> None:
    assert incidents(text) == []
    [summary] = summaries(text)
    assert summary.casualties.killed is not None


def test_tally_period_start_from_a_date_later_in_the_since_clause() -> None:
    [summary] = summaries("Overall, 300 people have been killed since the campaign began on Mar 4.")
    assert summary.period_start is not None and summary.period_start.date() == date(2024, 3, 4)


@pytest.mark.parametrize(
    "text",
    [
        "Six fighters were killed in four air strikes on Manbij since last night.",
        "Three children were injured in shelling in the past few hours in Azaz.",
        "The SDF killed 35 militants in the last 24 hours.",
        "Three air strikes killed 12 people in Idlib on Monday.",
    ],
)
def test_a_days_toll_is_an_incident(text: str) -> None:
    assert summaries(text) == [] and len(incidents(text)) == 1


def test_a_comparison_since_a_date_is_no_period_and_no_background() -> None:
    [incident] = incidents("Highest-ranking officer killed that way since June 2021.")
    assert incident.casualties.killed is not None


def test_deaths_outside_the_conflict_are_skipped() -> None:
    result = extract_all("Casualties rise to 1,083 due to earthquake.", reported_at=MONDAY)
    assert result.reports == [] and "not a conflict" in result.skipped[0].reason


def test_a_rate_is_neither() -> None:
    result = extract_all(
        "Dozens of people are being killed each day in eastern Aleppo.", reported_at=MONDAY
    )
    assert result.reports == [] and "rate" in result.skipped[0].reason


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # headline, dateline and body run together in one scraped "sentence"
        (
            "Car bomb kills at least 14 in Azaz AFP Sunday 1 Dec 2024 A car bomb killed at least "
            "14 people on Sunday in the town of Azaz, a monitor said.",
            14,
        ),
        # headline without a day, body with one
        (
            "Air strike kills 9 in Idlib\nNine people were killed on Sunday in an air strike "
            "on a market in Idlib, rescuers said.",
            9,
        ),
        # a stamp's day carried to the body, the headline has none
        (
            "American among 18 jihadists killed in Syria raid NGO AFP Sunday 1 Dec 2024 The "
            "death toll from a raid on a stronghold in eastern Syria has risen to 18, a monitor "
            "said.",
            18,
        ),
        # a paragraph the scraper doubled
        (
            "At least five people were killed in a chemical attack in Hama At least five "
            "people were killed in a chemical attack in Hama.",
            5,
        ),
        # a vague restatement keeps the precise figure
        (
            "At least 11 civilians were killed in air strikes on a market in Idlib Tags Syria "
            "Idlib Almost a dozen civilians were killed on Sunday in air raids on a market.",
            11,
        ),
    ],
)
def test_one_toll_said_twice_is_not_added(text: str, killed: int) -> None:
    [incident] = incidents(text)
    assert incident.casualties.killed is not None
    assert incident.casualties.killed.pick("low") == killed


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The death toll from Monday's car bomb in the town of Azaz rose to 19.",
            {"killed": 19},
        ),
        ("Eleven people, among them three rescue workers, died.", {"killed": 11}),
        (
            "Four teenagers - Ali, Omar, Sami and Hadi - died in the strike.",
            {"killed": 4, "children_killed": 4},
        ),
        (
            "A young man, who was between 24 and 30 years of age, died of his wounds.",
            {"killed": 1},
        ),
        (
            "The number of injured civilians in the town has risen to ten during the day.",
            {"injured": 10},
        ),
    ],
)
def test_figure_far_from_its_verb(sentence: str, expected: dict[str, int]) -> None:
    assert lows(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Two of its fighters lost their lives in the attack.", {"killed": 2}),
        (
            "Shells fell on the market, claiming two lives and injuring three.",
            {"killed": 2, "injured": 3},
        ),
        ("The strike took the lives of 2 women.", {"killed": 2, "women_killed": 2}),
        ("One civilian was martyred in the shelling.", {"killed": 1}),
        ("Rescuers recovered at least 40 bodies from the rubble.", {"killed": 40}),
        ("The bodies of five men were recovered near the village.", {"killed": 5}),
        (
            "At least 50 people lost their lives and 100 others sustained injuries.",
            {"killed": 50, "injured": 100},
        ),
        ("Airstrike Kills 6 Civilians In Idlib.", {"killed": 6}),
        ("6 Killed 12 Wounded In Shelling Of The City.", {"killed": 6, "injured": 12}),
        ("Civilian Killed 3 Injured In Rocket Attack.", {"killed": 1, "injured": 3}),
        ("Regime rockets kill civilian in the south.", {"killed": 1}),
        ("The army kills top commander in Daraa.", {"killed": 1}),
        ("Gunmen opened fire, killing the owner of the house.", {"killed": 1}),
        ("The army said it was eliminating scores of militants.", {"killed": 20}),
    ],
)
def test_wording(sentence: str, expected: dict[str, int]) -> None:
    assert lows(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "Six people were killed, including a woman, and nine wounded.",
            {"killed": 6, "women_killed": 1, "injured": 9},
        ),
        (
            "Three children were killed and another five injured in air strikes.",
            {"killed": 3, "children_killed": 3, "injured": 5},
        ),
        (
            "The attack left four civilians, including a woman and a child, and eight soldiers "
            "dead.",
            {"killed": 12, "women_killed": 1, "children_killed": 1},
        ),
        (
            "Those killed in the two attacks include 14 children and four women.",
            {"killed": 18, "children_killed": 14, "women_killed": 4},
        ),
        (
            "At least 6 civilians, including a woman and her daughter, were killed.",
            {"killed": 6, "women_killed": 1},
        ),
        (
            "Woman and child killed in shelling.",
            {"killed": 2, "women_killed": 1, "children_killed": 1},
        ),
        (
            "It injured five citizens, including a woman and a child.",
            {"injured": 5, "children_injured": 1},
        ),
        (
            "22 children had been killed along with six teachers.",
            {"killed": 28, "children_killed": 22},
        ),
        ("Fighting killed 30 soldiers as well as 50 rebels.", {"killed": 80}),
        ("15 of the wounded were in critical condition.", {"injured": 15}),
        (
            "The drone killed one contractor, injured another, and wounded five troops.",
            {"killed": 1, "injured": 6},
        ),
        ("Nine people including seven officers among 15 killed by the attack.", {"killed": 15}),
        ("At least five of those killed were attackers, two of them foreigners.", {"killed": 5}),
        ("The clinic is caring for 11 injured students.", {"injured": 11}),
        ("Three fighters were buried in the Martyr Ali cemetery.", {}),
        (
            "Number of civilian deaths rise to three including woman and a child.",
            {"killed": 3, "women_killed": 1, "children_killed": 1},
        ),
        ("Two medics were among the dead as well as women.", {"killed": 2}),
        (
            "Five children were among those killed in the raids.",
            {"killed": 5, "children_killed": 5},
        ),
        (
            "Three villagers, Ali Hemad, Ridwan Tirkî and Eymen Ahmad, were injured.",
            {"injured": 3},
        ),
        ("Child dies of injury he sustained in gunfire.", {"killed": 1, "children_killed": 1}),
        ("Dozens Martyred Injured In Terrorist Attack.", {}),
        ("A drone attack killed two officials and their driver.", {"killed": 3}),
        ("The shelling led to the loss of the citizen Ali Hamid.", {"killed": 1}),
        ("Girl named Layla Masri killed in a ground attack.", {"killed": 1, "children_killed": 1}),
        (
            "Six officers, five of whom were air-defence officers, were killed by a strike.",
            {"killed": 6},
        ),
        (
            "The bombardment also left 38 civilians, including women, children and elderly "
            "people, injured.",
            {"injured": 38},
        ),
        ("Hundreds of badly injured civilians are at hospitals.", {"injured": 100}),
        ("Twenty others suffered from suffocation after the attack.", {"injured": 20}),
        (
            "Three killed including woman and child in an explosion.",
            {"killed": 3, "women_killed": 1, "children_killed": 1},
        ),
    ],
)
def test_women_and_children_go_to_their_figure(sentence: str, expected: dict[str, int]) -> None:
    assert lows(sentence) == expected


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        ("@SomeAgencyA man was killed in Idlib.", 1),
        ("Deir Ezzor, Agency-Three citizens were killed by gunfire.", 3),
        ("Qalaat@QalaatMudiqFeb 15, 2025#Syria: a drone strike killed 2 people in #Idlib.", 2),
        (
            "Syria: 2 more soldiers died of wounds today. pic.twitter.com/AbC123 4 Retweets "
            "5 Likes",
            2,
        ),
        ("Nine Syrians among 15 kil-led by an air attack on Damascus.", 15),
        ("28.04.2017Get short URL 1195 Over 100 militants were killed in the suburbs.", 100),
        ("Old ordnance | Two children kil*led in a landm*ine expl*osion.", 2),
    ],
)
def test_scraped_social_media_text(text: str, killed: int) -> None:
    [incident] = incidents(text)
    assert incident.casualties.killed is not None
    assert incident.casualties.killed.pick("low") == killed


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("The assault on Division 17 killed 5 soldiers.", {"killed": 5}),
        ("Three people were killed near Route 5.", {"killed": 3}),
        ("F-16 jets killed 4 people in the village.", {"killed": 4}),
        ("A drone hit a car on the M4 highway, killing 2 people.", {"killed": 2}),
        ("Brigade 93 fighters killed 3 militants.", {"killed": 3}),
    ],
)
def test_numbers_that_are_names(sentence: str, expected: dict[str, int]) -> None:
    assert lows(sentence) == expected


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("An air raid killed five people.", {"killed": 5}),
        ("A drone strike killed four people.", {"killed": 4}),
        ("A shell killed two children.", {"killed": 2, "children_killed": 2}),
        ("An explosion wounded three soldiers.", {"injured": 3}),
        ("A child was killed.", {"killed": 1, "children_killed": 1}),
        ("A wounded man died in hospital.", {"killed": 1}),
        ("Three suicide bombers killed at least two people.", {"killed": 2}),
    ],
)
def test_a_leading_article_is_not_a_victim(sentence: str, expected: dict[str, int]) -> None:
    assert lows(sentence) == expected


@pytest.mark.parametrize(
    ("text", "admin1"),
    [
        ("Five people were killed in the town of Azaz.", "Aleppo"),
        ("Five people were killed in Maarat al-Numan.", "Idlib"),
        ("Five people were killed in Maaret Al Numan.", "Idlib"),
        ("Five people were killed in Tel Tamr.", "Al-Hasakah"),
        ("Five people were killed in Ghouta.", "Rif Dimashq"),
        ("Five people were killed in Jaramana.", "Rif Dimashq"),
        ("Five people were killed in Khan Sheikhoun.", "Idlib"),
        ("Five people were killed in Raqa.", "Ar-Raqqa"),
        ("Five people were killed near Damascus.", "Rif Dimashq"),
        ("Five people were killed in the Damascus suburbs.", "Rif Dimashq"),
        ("Five people were killed in Damascus.", "Damascus"),
        ("Two were killed in the Sulaymaniyah neighborhood of the city of Aleppo.", "Aleppo"),
        ("Three soldiers were killed in Israeli strikes in Damascus vicinity.", "Rif Dimashq"),
        ("A strike on the Syrian side of the Golan Heights killed five.", "Quneitra"),
        ("Two soldiers of the government in Damascus were injured in Azaz.", "Aleppo"),
    ],
)
def test_places_below_the_governorate(text: str, admin1: str) -> None:
    [incident] = incidents(text)
    assert (incident.location.country, incident.location.admin1) == ("SYR", admin1)


def test_a_town_gives_place_and_coordinates_and_says_so() -> None:
    [incident] = incidents("Five people were killed in Khan Sheikhoun on Sunday.")
    location = incident.location
    assert location.admin1_source is Admin1Source.PLACE and location.place == "Khan Sheikhoun"
    assert location.lat is not None and 35.3 < location.lat < 35.6
    assert location.lon is not None and 36.5 < location.lon < 36.8
    [named] = incidents("Five people were killed in Idlib on Sunday.")
    assert named.location.admin1_source is Admin1Source.TEXT and named.location.lat is None


@pytest.mark.parametrize(
    "text",
    [
        "The Damascus government said five people were killed.",
        "Five people were killed, Aleppo-based activists said.",
    ],
)
def test_a_name_used_for_an_actor_is_not_a_place(text: str) -> None:
    [incident] = incidents(text)
    assert incident.location.admin1 is None


def test_foreign_names_are_not_syrian_villages() -> None:
    reports = extract(
        "Four men were shot dead in Colonia El Carmen.", reported_at=MONDAY, default_country="MEX"
    )
    assert [(r.location.country, r.location.admin1) for r in reports] == [("MEX", None)]
