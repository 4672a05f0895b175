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
        ("At least 200 soldiers have been killed in rebel raids and ambushes.", 200),
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
        # one battle's toll, however long (convention 17)
        "Dozens from both sides have been killed in the clashes.",
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


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # parts listed right after a general noun: they add up to it
        ("Four civilians three men and a woman were killed in Idlib on Monday.", 4),
        ("Two people a doctor and a nurse died in the shelling of Hama on Monday.", 2),
        # fewer children / women right after the total: a part of it
        ("Tue May 3 2016 20 Syrian Civilians 6 Children Killed in Idlib by Airstrikes.", 20),
        # bodies of the same dead told again
        ("At least 40 people were killed in the raids on Monday, with 25 bodies pulled out.", 40),
        ("Rebels killed 12 soldiers on Monday and dragged the corpses of dozens of troops.", 12),
    ],
)
def test_parts_and_bodies_are_not_added_to_their_total(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # a bare singular noun coordinated before a counted group is one more person
        ("Man and three children killed in a drone strike on Idlib on Monday", 4),
        ("Ahmad Saleh and his two brothers were killed in Daraa on Monday.", 3),
        # "and N others" after another day's toll: a second incident in the clause
        ("The army killed at least six alleged fighters on Sunday and four others on Monday.", 10),
        # "left N dead" after an article noun: the article is no victim
        ("A Daesh ambush on regime troops on Monday left 19 soldiers dead a monitor said.", 19),
        ("An air strike near Idlib on Monday left eight civilians dead.", 8),
    ],
)
def test_coordinated_victims_are_counted_once_each(text: str, killed: int) -> None:
    assert sum(k or 0 for _, k in kinds(text)) == killed


def test_ages_in_a_range_are_no_figure() -> None:
    text = "Children aged from six to 12 and their mothers were killed in Aleppo on Monday."
    assert kinds(text) == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        # several attacks said as "N times"
        ("Drones struck the villages near Kobani three times, killing four fighters.", "summary"),
        # a campaign against an enemy, with no day
        ("The group said hundreds were killed in operations against Daesh in Raqqa.", "summary"),
        # a huge injured toll with no day or single event
        ("Some 3,000 people injured, 20,000 homes damaged", "summary"),
        # one operation in one place stays an incident
        (
            "Seven fighters were killed during combing operations near Hasakah on Monday.",
            "incident",
        ),
    ],
)
def test_several_attacks_or_a_campaign(text: str, kind: str) -> None:
    assert [k for k, _ in kinds(text)] == [kind]


def test_near_or_outside_the_capital_is_its_countryside() -> None:
    text = (
        "Regime air strikes kill 12 near Damascus. At least 12 people were killed on Monday "
        "in air strikes on an area outside the capital Damascus, the monitor said."
    )
    reports = extract(text, reported_at=REPORTED, default_country="SYR")
    assert [(r.location.admin1, r.casualties.killed) for r in reports if r.casualties.killed] == [
        ("Rif Dimashq", reports[0].casualties.killed)
    ]


def test_a_vague_count_before_the_precise_toll_is_the_same_dead() -> None:
    text = (
        "Dozens of people have been killed in air strikes on Manbij in Aleppo province. "
        "At least 40 people were killed in the strikes on Manbij early on Tuesday."
    )
    assert kinds(text) == [("incident", 40)]


def test_family_infighting_is_not_the_conflict() -> None:
    assert kinds("Family infighting | Boy injured in violent clashes in Daraa") == []


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # a month's total, spans said without a period word
        ("In May, the monitor documented 95 deaths in Idlib province.", 95),
        ("Total of 44 people killed in the region in May, the report said.", 44),
        ("The number of civilians killed by mines in the first half of the year rose to 60.", 60),
        ("Clashes between the two sides have left 40 dead in recent days.", 40),
        ("At least 20 rebels have died in the clashes, which are now in their second week.", 20),
        ("A total of 58 civilians died during the two-week offensive on the town.", 58),
    ],
)
def test_a_month_or_a_span_of_days_is_a_summary(text: str, killed: int) -> None:
    assert kinds(text) == [("summary", killed)]


@pytest.mark.parametrize(
    "text",
    [
        # one event of a month, a raid over the weekend: incidents
        "A suicide blast killed six members of the security force in April.",
        "In a raid over the weekend, coalition forces killed three fighters.",
    ],
)
def test_one_event_of_a_month_or_weekend_is_an_incident(text: str) -> None:
    assert [k for k, _ in kinds(text)] == ["incident"]


@pytest.mark.parametrize(
    "text",
    [
        "No one was killed in the strike on the depot in Hama on Monday.",
        "None of the 20 passengers were hurt when the bus was hit near Homs.",
        "The militants threatened to kill 10 hostages if their demands were not met.",
        "Police foiled a plot to kill 30 people at a market in Damascus.",
        "Residents marked the anniversary of the massacre that killed 500 people in Houla.",
        "At least 64 people were killed in the 2019 strike on Baghuz, the report said.",
    ],
)
def test_negations_intents_and_earlier_events_give_no_incident(text: str) -> None:
    assert [k for k, _ in kinds(text) if k == "incident"] == []


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        ("The father of three was killed by a sniper in Daraa on Monday.", 1),
        ("He was one of 5 people killed in the strike on Monday in Idlib.", 5),
        ("The strike hit building No. 12, killing a woman in Idlib on Monday.", 1),
        ("Two soldiers of Brigade 313 were killed in Daraa on Monday.", 2),
    ],
)
def test_kin_partitives_and_numbered_names_are_not_more_victims(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # a person noun named in an appositive is one person
        ("A raid in Azaz on Monday killed a senior leader, Abu Omar, and his two sons.", 3),
        # kin counted in the plural after a possessive
        ("A drone strike in Idlib on Monday killed Ahmad Saleh and his three brothers.", 4),
        # members listed after a counted group are not more victims
        ("Gunmen killed 4 people in Daraa on Monday, one of them a teacher, and his two sons.", 4),
    ],
)
def test_named_victims_and_their_kin(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


def test_a_publication_stamp_is_not_the_incident_day() -> None:
    text = (
        "1 Nov 2022 Dozens of people have reportedly been killed in air strikes on Manbij "
        "in Aleppo province. (Agencies) At least 40 people were killed in the strikes on "
        "Manbij early on Monday."
    )
    assert kinds(text) == [("incident", 40)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # a title or a description before a name, an origin or a birth in an aside
        ("Syrian engineer Omar Haddad was killed on Monday in a drone strike in Idlib.", 1),
        ("Rima Ali Saleh, from Kafrlata village, died in shelling of Idlib on Monday.", 1),
        ("Lawyer Sami Halabi, born in 1980 in Homs, was killed in Daraa on Monday.", 1),
        # "lost his life" after a possessive, "said to be killed"
        ("The council said its fighter lost his life in the attack in Raqqa on Monday.", 1),
        ("Four gunmen were said to be killed in the ambush near Homs on Monday.", 4),
        ("Two officers are believed to have been killed in the raid on Monday.", 2),
        # "killed N X injured M others": two clauses, two figures
        ("A shell hit the school in Hama on Monday and killed two pupils injured six others.", 2),
        ("Five civilians killed others injured in rocket attacks on Aleppo on Monday", 5),
    ],
)
def test_victims_named_titled_or_reported(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


def test_a_body_named_after_a_description_is_no_person() -> None:
    text = (
        "The SDF captured 60% of the city and 17 IS members were killed in clashes, "
        "likely the Deir-ez-Zor Military Council said."
    )
    assert kinds(text) == [("incident", 17)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        # parts after a comma that add up to the count; a described person is the same one
        (
            "During the clashes, 2 army members, a lieutenant and a captain, were killed in Daraa.",
            2,
        ),
        # distinct groups listed after a specific noun add up
        ("The strike killed 2 soldiers, a civilian and a child in Daraa on Monday.", 4),
        ("Gunmen shot and killed 1 man, likely a rebel fighter, in Idlib on Monday.", 1),
    ],
)
def test_appositive_lists_and_descriptions(text: str, killed: int) -> None:
    assert kinds(text) == [("incident", killed)]


@pytest.mark.parametrize(
    ("text", "killed"),
    [
        ("SNHR: 64 civilians killed in Syria in April 2022, including 11 children", 64),
        ("The monthly report documented the killing of 40 civilians, including 9 children.", 40),
        ("Daily death toll | 25 people killed", 25),
    ],
)
def test_a_monitors_periodic_count_is_a_summary(text: str, killed: int) -> None:
    assert kinds(text) == [("summary", killed)]


def test_an_intent_drops_only_its_own_clause() -> None:
    text = (
        "Gunmen tried to kill the mayor of the town, killing two of his guards in Daraa on Monday."
    )
    assert kinds(text) == [("incident", 2)]


def test_as_of_a_time_for_one_event_is_its_toll() -> None:
    text = "As of Monday evening, the death toll from the car bomb in Azaz had risen to 20."
    assert kinds(text) == [("incident", 20)]
