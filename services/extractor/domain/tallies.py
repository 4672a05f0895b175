"""Cumulative tallies and rates: figures that are not one incident.

A sentence is a *tally* (a summary report, never added to incident windows) when its figure
covers a period or many attacks:
- a period: "since Nov 27", "since the campaign began on March 4" (a date later in the
  "since" clause), "since mid-February", "since March 2011", "since the offensive began
  nearly two weeks ago", "since the start of the war" (start unknown), "over the past
  week", "over the week", "during the past month", "so far this year", a list line labelled
  with a month ("November: 30 attacks left ...");
- a war or conflict as the whole: "a conflict that has killed more than 100000", "killed in
  Syria's three-year war", "the death toll from the five-year conflict";
- several attacks counted together: "21 attacks left 37 dead", "these attacks left 20
  people dead", "ISIS carried out 20 attacks last month, killing 15".
- a whole year ("killed 625 people in Syria in 2021"), many regions or separate events
  ("in various provinces", "in separate incidents"), a span of hours beyond a day ("over the
  last 48 hours"), "these <adjectives> attacks".
A day's toll is not a tally: "since last night", "since this morning", "in the past few
hours", "in the last 24 hours", "during the day", "in several areas of Idlib".
A *rate* ("dozens of people killed each day") is neither an incident nor a tally.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .dates import absolute_dates, incident_day, period_start, without_states
from .numbers import MONTHS, TENS, UNITS, ascii_digits
from .places import countries_named
from .text import words


@dataclass(frozen=True)
class Tally:
    start: date | None
    """First day of the period; None when the text does not say ("since the war began")."""


_SUB_DAY = re.compile(
    r"\bsince (?:last night|this morning|the morning|dawn|midnight|yesterday|noon|early morning"
    r"|the early hours)\b",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\b(?P<clause>[^.;]{0,80})", re.IGNORECASE)
_START_EVENT = re.compile(
    r"\b(start|beginning|outbreak|onset|began|begun|started|launched|erupted|broke out|"
    r"offensive|campaign|war|conflict|uprising|revolution|crisis|escalation|operation|"
    r"ceasefire|truce)\b",
    re.IGNORECASE,
)
_MONTH_WORD = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_SINCE_MONTH = re.compile(
    r"^\s*(?:the\s+|last\s+)?(?:(mid|early|late|end of|start of|beginning of)[\s-]+)?"
    rf"{_MONTH_WORD}\b(?:\s+(\d{{4}}))?",
    re.IGNORECASE,
)
_CLAUSE_MONTH = re.compile(
    rf"\b(?:in|of|late|early|mid)[\s-]+{_MONTH_WORD}\b(?!\s+\d)", re.IGNORECASE
)
_AGO = re.compile(
    r"\b(?:nearly |almost |about |some |more than |over )?(\w+)\s+(days?|weeks?|months?|years?)"
    r"\s+ago\b",
    re.IGNORECASE,
)
_OVER_THE = re.compile(
    r"\b(?:over|during|throughout|within) the (?:course of the )?(week|month|year)\b"
    r"|\b(?:this|last) (year)\b",
    re.IGNORECASE,
)
_WAR = re.compile(
    r"\b(?:war|conflict|uprising|revolution|crisis)\b[^.;]{0,80}?\b(?:that|which)?\s*"
    r"(?:has|have|had)\s+(?:so far\s+|since\s+|already\s+)?(?:killed|left|claimed|cost|caused)\b"
    r"|\b(?:killed|died|dead|deaths?|toll|lives)\b[^.;]{0,30}?\b(?:in|from|of|during|since)\s+"
    r"(?:the|syria'?s|syrias|its|this|a)\s+(?:[\w-]+\s+){0,2}(?:war|conflict|uprising|"
    r"revolution|crisis)\b"
    # "During the conflict, Israel killed about 30 officials": the whole war's count
    r"|\b(?:during|throughout|over the course of)\s+the\s+(?:[\w-]+\s+){0,2}(?:war|conflict)\b",
    re.IGNORECASE,
)
_EVENTS = (
    r"(?:attacks|strikes|airstrikes|air strikes|raids|air raids|operations|bombings|explosions"
    r"|incidents|assaults|shellings|bombardments)"
)
_MANY_ATTACKS = re.compile(
    rf"^(?:\W*[A-Z][\w' -]{{0,30}}:\s*)?(?P<n>\w+)\s+(?:\w+\s+)?{_EVENTS}\s+"
    r"(?P<verb>left|killed|claimed|resulted|caused|led)\b"
)
_THESE_ATTACKS = re.compile(
    rf"\b(?:these|those|such)\s+(?P<between>(?:[\w-]+\s+){{0,3}}){_EVENTS}\b", re.IGNORECASE
)
# "these direct brutal attacks" (adjectives), not "those killed in two attacks" (a pronoun).
_NOT_ADJECTIVE = words(
    "killed dead died wounded injured in of on at by from who which that were was two "
    "three four several many"
)
# "in various provinces", "in separate incidents", "in different circumstances": a toll of
# many regions or events at once
# ("in several areas in Idlib" is one region's toll: an incident, as ACLED codes it).
_MANY_PLACES = re.compile(
    r"\b(?:in|across|on|at)\s+(?:various|several|different|many|multiple|numerous|separate|"
    r"a number of)\s+(?:[\w-]+\s+)?(?:provinces|governorates|regions|countries|incidents"
    r"|circumstances|events)\b",
    re.IGNORECASE,
)
# "over the last 48 hours": a span of hours longer than a day.
_HOURS = re.compile(
    r"\b(?:over|in|during|within)\s+(?:the\s+)?(?:past|last|previous)\s+(\d+)\s+hours\b",
    re.IGNORECASE,
)
# "during its anti-terror military offensive", "in the ongoing bombing campaign"
_CAMPAIGN = re.compile(
    r"\b(?:during|throughout)\s+(?:its|their)\s+(?:[\w-]+\s+){0,3}(?:offensive|campaign)\b"
    r"|\bin\s+the\s+ongoing\s+(?:[\w-]+\s+){0,2}(?:offensive|campaign)\b"
    rf"|\b(?:have|has)\s+been\s+killed\s+in\s+(?:\w+\s+)?{_EVENTS}\s+(?:that|which)\b",
    re.IGNORECASE,
)
# "infighting that began Friday and left dozens killed"
_BEGAN = re.compile(
    r"\b(?:began|started|erupted|broke out)\s+(?:on\s+|last\s+)?(?:monday|tuesday|wednesday|"
    r"thursday|friday|saturday|sunday|\d{1,2}\s+\w+|\w+\s+\d{1,2})\b[^.;]{0,40}"
    r"\b(?:killed|left|killing|leaving)\b",
    re.IGNORECASE,
)
_ATTACKS_IN_PERIOD = re.compile(
    rf"\b(?P<n>\w+)\s+(?:[a-z]+\s+)?{_EVENTS}\s+(?:last|this|in the past|over the past)\s+"
    r"(?P<unit>week|month|year)\b",
    re.IGNORECASE,
)
_MONTH_LABEL = re.compile(rf"^\W*{_MONTH_WORD}(?:\s+(\d{{4}}))?\s*:", re.IGNORECASE)
# "N killed on April 21 across Syria", "across the country": a day's toll of many places.
_ACROSS = re.compile(
    r"\b(?:across|throughout|all over)\s+(?:syria|the country|the countries|the province|"
    r"the governorates|[A-Z][a-z]+ and [A-Z][a-z]+)\b",
    re.IGNORECASE,
)
# "Israeli attacks across Iran", "operations across country", "areas of Syria":
# a whole country's or territory's toll (a country is checked by name, see _across_land).
_ACROSS_LAND = re.compile(
    r"\b(?:across|throughout|all over)\s+(?:the\s+)?(?:country|nation)\b"
    r"|\b(?:areas|parts|regions|cities)\s+of\s+(?:syria|the country)\b",
    re.IGNORECASE,
)
_ACROSS_NAME = re.compile(r"\b(?:across|throughout|all over)\s+([A-Z][\w'-]+(?:\s+[A-Z][\w'-]+)?)")
# "days of clashes", "seven days of airstrikes", "a week of violence": a period of fighting.
_DAYS_OF = re.compile(
    r"\b(?:(?P<n>a|one|two|three|four|five|six|seven|eight|nine|ten|several|few|\d+)\s+)?"
    r"(?P<unit>days|weeks?|months?)\s+of\s+(?:[\w-]+\s+){0,3}?(?:clashes|fighting|air ?strikes|"
    r"strikes|raids|air raids|bombardment|bombing|shelling|violence|battles|attacks|escalation|"
    r"hostilities|offensive|assaults|combat)\b",
    re.IGNORECASE,
)
# "57 killed in continued attacks on Aleppo": a toll over unstated days (convention 17).
_CONTINUED = re.compile(
    r"\b(?:continued|continuous|repeated)\s+(?:[\w-]+\s+){0,2}"
    r"(?:attacks|strikes|air ?strikes|raids|air raids|shelling|bombardment|bombings|shellings)\b",
    re.IGNORECASE,
)
_A_DAY = re.compile(
    r"\b(?:today|yesterday|tonight|overnight|(?:mon|tues|wednes|thurs|fri|satur|sun)day)\b",
    re.IGNORECASE,
)
# "In May more than 60 civilians were killed by barrel bomb attacks on the town": a month
# named alone (no day) over several attacks is that month's tally.
_IN_MONTH = re.compile(
    rf"^\W*(?:in|during)\s+(?:the\s+month\s+of\s+)?{_MONTH_WORD}\b(?!\s+\d{{1,2}}(?:st|nd|rd|th)?\b)",
    re.IGNORECASE,
)
_PLURAL_EVENTS = re.compile(rf"\b{_EVENTS}\b", re.IGNORECASE)
# "the highest death toll since June 2021": a comparison, not a period.
_SUPERLATIVE = re.compile(
    r"\b(?:highest|deadliest|worst|largest|biggest|heaviest|first|most \w+|bloodiest)\b"
    r"[^.;]{0,60}\bsince\b",
    re.IGNORECASE,
)
# "in one month to August", "in two days of air and ground operations", "week-long attack"
_SPAN = re.compile(
    r"\b(?:in|within|over|during)\s+(?:a|one|two|three|four|five|six|seven|\d+)\s+"
    r"(days?|weeks?|months?|years?)\b|\b(\w+)[- ](day|week|month|year)[- ]long\b",
    re.IGNORECASE,
)
# "over the past two days", "for the first six months of 2016": a span of several units.
_PAST_N = re.compile(
    r"\b(?:first|last|past|previous)\s+(\w+)\s+(days|weeks|months|years)\b", re.IGNORECASE
)
_SINCE_WEEKDAY = re.compile(
    r"\bsince\s+(?:last\s+)?(monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    re.IGNORECASE,
)
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_RATE = re.compile(
    r"\b(?:killed|die|died|dying|dead|deaths|wounded|injured)\s+(?:\w+\s+){0,2}"
    r"(?:each|every|per|a)\s+(?:single\s+)?(?:day|week|month)\b"
    r"(?!\s+(?:after|before|later|earlier|ago))",
    re.IGNORECASE,
)
# "the first deaths reported since the ceasefire began": an incident dated by the period.
_FIRST = re.compile(r"\bfirst (?:deaths?|casualt\w+|fatalit\w+|victims?|killings?)\b", re.I)
_DAYS = {"day": 1, "week": 7, "month": 30, "year": 365}
# "killed 625 people in Syria in 2021": a year's total (a month before the year is a date).
_IN_YEAR = re.compile(
    r"\b(?:in|during|throughout)\s+(?:the\s+year\s+)?((?:19|20)[0-9]{2})\b(?!\s*[-/])",
    re.IGNORECASE,
)


# "Third Turkish drone attack in 2023 | Child injured": the year ranks the event among others,
# the figure is that event's.
_ORDINAL_IN_YEAR = re.compile(
    r"\b(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d+(?:st|nd|rd|th))"
    r"\s+(?:[\w-]+\s+){0,4}?(?:attack|strike|airstrike|raid|bombing|explosion|incident|massacre)"
    r"\s+(?:in|of|during)\s+(?:the\s+year\s+)?(?:19|20)[0-9]{2}\b",
    re.IGNORECASE,
)


def _number(word: str) -> int | None:
    low = word.casefold()
    if ascii_digits(low):
        return int(low)
    if low in ("a", "an", "one"):
        return 1
    return UNITS.get(low, TENS.get(low))


def _month_start(month: int, year: int | None, reference: date) -> date:
    start = date(year or reference.year, month, 1)
    if year is None and start > reference:
        start = date(reference.year - 1, month, 1)
    return start


def _since(text: str, reference: date) -> Tally | None:
    if _SUB_DAY.search(text):
        return None
    for m in _SINCE.finditer(text):
        clause = m.group("clause")
        days = [f.day for f in absolute_dates(clause, reference) if f.day <= reference]
        if days:
            return Tally(days[0])
        month = _SINCE_MONTH.match(clause)
        if month:
            which = (month.group(1) or "").casefold()
            start = _month_start(
                MONTHS[month.group(2).casefold()[:3].rstrip(".")] if month.group(2) else 1,
                int(month.group(3)) if month.group(3) else None,
                reference,
            )
            day = {"mid": 15, "late": 20, "end of": 25}.get(which, 1)
            return Tally(start.replace(day=day))
        ago = _AGO.search(clause)
        if ago:
            amount = _number(ago.group(1)) or (3 if ago.group(1).casefold() == "few" else 1)
            unit = ago.group(2).casefold().rstrip("s")
            return Tally(reference - timedelta(days=_DAYS[unit] * min(amount, 100)))
        later = _CLAUSE_MONTH.search(clause)
        if later:  # "since peace talks broke off in April": the month the period began
            return Tally(_month_start(MONTHS[later.group(1).casefold()[:3]], None, reference))
        if _START_EVENT.search(clause) or clause.strip().casefold().startswith("then"):
            return Tally(None)  # "since the war began", "since then"
    return None


def _across_land(text: str) -> bool:
    """ "across the country", "across enclave", "across Iran", "areas of Syria": a whole
    country's or territory's toll, not one place's."""
    if _ACROSS_LAND.search(text):
        return True
    return any(countries_named(m.group(1)) for m in _ACROSS_NAME.finditer(text))


def tally(text: str, reference: date) -> Tally | None:
    """The period a sentence's figures sum up, or None when they are not a tally."""
    if _FIRST.search(text) or _SUPERLATIVE.search(text):
        return None
    text = without_states(text)
    start = period_start(text, reference)
    if start is not None and not _SUB_DAY.search(text):
        return Tally(start)
    found = _since(text, reference)
    if found is not None:
        return found
    weekday = _SINCE_WEEKDAY.search(text)
    if weekday:
        back = (reference.weekday() - _WEEKDAYS.index(weekday.group(1).casefold())) % 7
        if back >= 2:  # "since Wednesday afternoon" told on Thursday is a day's toll
            return Tally(reference - timedelta(days=back))
    if _ACROSS.search(text) or _MANY_PLACES.search(text) or _across_land(text):
        return Tally(None)
    days_of = _DAYS_OF.search(text)
    if days_of:  # "seven days of airstrikes", "days of clashes", "a week of violence"
        unit = days_of.group("unit").casefold()
        amount = _number(days_of.group("n") or "") or (3 if unit.endswith("s") else 1)
        return Tally(reference - timedelta(days=_DAYS[unit.rstrip("s")] * min(amount, 100)))
    if _CONTINUED.search(text) and not _A_DAY.search(text):
        return Tally(None)
    in_month = _IN_MONTH.match(text)
    if in_month and _PLURAL_EVENTS.search(text):
        return Tally(_month_start(MONTHS[in_month.group(1).casefold()[:3]], None, reference))
    hours = _HOURS.search(text)
    if hours and int(hours.group(1)) > 24:
        return Tally(reference - timedelta(days=int(hours.group(1)) // 24))
    several = _PAST_N.search(text)
    if several and (_number(several.group(1)) or 0) >= 2:
        unit = several.group(2).casefold().rstrip("s")
        return Tally(
            reference - timedelta(days=_DAYS[unit] * min(_number(several.group(1)) or 2, 100))
        )
    span = _SPAN.search(text)
    if span:
        unit = (span.group(1) or span.group(3)).casefold().rstrip("s")
        if unit != "day" or not span.group(1) or span.group(0).split()[1] not in ("a", "one"):
            return Tally(reference - timedelta(days=_DAYS[unit]))
    label = _MONTH_LABEL.match(text)
    if label:
        month = MONTHS[label.group(1).casefold()[:3]]
        year = int(label.group(2)) if label.group(2) else None
        return Tally(_month_start(month, year, reference))
    if _WAR.search(text):
        return Tally(None)
    many = _MANY_ATTACKS.search(text)
    if many:
        # "Ten attacks left four civilians ... dead" (a report's list); "Three air strikes
        # killed 12 people" is one day's incident, ten or more attacks are not.
        n = _number(many.group("n")) or 0
        if n >= 10 or (n >= 2 and many.group("verb") == "left"):
            return Tally(None)
    these = any(
        not set(m.group("between").casefold().split()) & _NOT_ADJECTIVE
        for m in _THESE_ATTACKS.finditer(text)
    )
    if these or _CAMPAIGN.search(text) or _BEGAN.search(text):
        return Tally(None)
    for in_period in _ATTACKS_IN_PERIOD.finditer(text):
        if (_number(in_period.group("n")) or 0) >= 2:
            return Tally(reference - timedelta(days=_DAYS[in_period.group("unit").casefold()]))
    whole_year = _IN_YEAR.search(text)
    if (
        whole_year
        and not _ORDINAL_IN_YEAR.search(text)
        and reference.year - 1 <= int(whole_year.group(1)) <= reference.year
        and not absolute_dates(text, reference)
        and incident_day(text, reference) is None
    ):
        return Tally(date(int(whole_year.group(1)), 1, 1))
    over = _OVER_THE.search(text)
    if over:
        unit = (over.group(1) or over.group(2)).casefold()
        return Tally(reference - timedelta(days=_DAYS[unit]))
    return None


# One event named in the singular: "1300 killed in chemical attack on Ghouta".
_ONE_EVENT = re.compile(
    r"\b(?:attack|strike|airstrike|raid|blast|bombing|explosion|massacre|ambush|shelling|"
    r"assault|bombardment|car bomb|suicide bomb\w*)\b(?!s)",
    re.IGNORECASE,
)
HUGE = 1000
"""A toll this large is a war's or a campaign's, unless the sentence names the day or the one
event it belongs to ("1300 killed in chemical attack on Ghouta")."""


def too_large_for_one_event(text: str, killed: int, reference: date) -> bool:
    """ "An estimated 170000 people have reportedly been killed ... due to the violence": a
    figure that cannot be placed as one incident is a tally, not an incident."""
    return killed >= HUGE and incident_day(text, reference) is None and not _ONE_EVENT.search(text)


_NOT_CONFLICT = re.compile(
    r"\b(?:earthquake|quake|aftershock|floods?|flooding|storm|traffic accident|car accident|"
    r"road accident|drown(?:ed|ing)|cholera|covid|coronavirus)\b",
    re.IGNORECASE,
)


def not_conflict(text: str) -> bool:
    """ "Casualties rise to 1,083 due to earthquake": not a conflict casualty figure."""
    return bool(_NOT_CONFLICT.search(text))


def is_comparison(text: str) -> bool:
    """ "the highest death toll since June 2021": the earlier date is a comparison."""
    return bool(_SUPERLATIVE.search(text))


def compared_since(text: str) -> int | None:
    """Where the clause of an earlier event a superlative compares with begins ("the
    deadliest attack since sarin killed hundreds in Ghouta in August 2013"), or None."""
    m = _SUPERLATIVE.search(text)
    return m.end() - len("since") if m else None


def is_rate(text: str) -> bool:
    """ "dozens of people currently being killed each day": a rate, not an event."""
    return bool(_RATE.search(text))
