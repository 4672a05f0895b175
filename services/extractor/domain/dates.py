"""Dates in wire copy: the dateline, "on Dec 1", "9 May 2020", "on Sunday", "yesterday",
and the start of a cumulative period ("since Nov 27", "over the past week").

Everything resolves against a reference day (the dateline's day, else the report's):
a date without a year takes the latest year that does not put it after the reference
day; a weekday is the latest such day on or before it. Dates after the reference day
are not incident dates (they are ignored).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from .numbers import MONTHS, ascii_digits

_MONTH = (
    r"(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DAY = r"([0-9]{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?:,?\s+([0-9]{4}))?"
_MONTH_DAY = re.compile(rf"\b{_MONTH}\s+{_DAY}\b{_YEAR}", re.IGNORECASE)
_DAY_MONTH = re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH}\b{_YEAR}", re.IGNORECASE)
_ISO = re.compile(r"\b([0-9]{4})-([0-9]{2})-([0-9]{2})\b")
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_WEEKDAY = re.compile(
    r"\b(?:on|late|early|last|this)\s+(" + "|".join(_WEEKDAYS) + r")\b", re.IGNORECASE
)
_RELATIVE = re.compile(
    r"\b(yesterday|today|last night|overnight|this morning|tonight|earlier today)\b", re.IGNORECASE
)
_DATELINE = re.compile(
    rf"^\s*([A-Z][A-Za-z .'/-]{{1,40}}?)\s*(?:\([A-Za-z .]+\))?\s*,?\s*"
    rf"{_MONTH}\s+{_DAY}\b{_YEAR}\s*(?:\([A-Za-z .]+\))?\s*[-:(]",
    re.IGNORECASE,
)
_SINCE = re.compile(r"\bsince\s+(?:the\s+)?(?:(?:start|beginning)\s+of\s+)?", re.IGNORECASE)
_PAST = re.compile(
    r"\b(?:over|in|during)\s+(?:the\s+)?(?:past|last)\s+(?:(\w+)\s+)?(days?|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
_SO_FAR = re.compile(
    r"\b(so far this (?:year|month|week)|since the (?:start|beginning))\b", re.IGNORECASE
)
_YEAR_ONLY = re.compile(
    r"(?<!born )\b(?:in|of|since|during)\s+(?:(?:early|mid|late)[- ])?"
    r"(?:(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+)?((?:19|20)[0-9][0-9])\b",
    re.IGNORECASE,
)

# "the 2019 strike on Baghuz", "a 2016 siege": a year used as an adjective of the event.
_YEAR_ADJECTIVE = re.compile(
    r"\b(?:the|a|an|its|their|his|her)\s+((?:19|20)[0-9][0-9])\s+(?:[a-z][\w-]*\s+){0,2}?"
    r"(?:attack|strike|airstrike|air strike|raid|bombing|massacre|siege|offensive|"
    r"campaign|battle|war|assault|operation|shelling|explosion|blast|incident)s?\b"
)


_MONTH_ONLY = re.compile(
    rf"\b(?:in|during)\s+(?:(?:early|mid|late)[- ])?{_MONTH}(?!\s*[0-9])", re.IGNORECASE
)
RECENT = timedelta(days=31)
"""How far back an event of an earlier year may lie and still be news, not history (a report
of 3 January about 30 December is news)."""


# "the city that has been divided since July 2012", "Douma, under siege since 2013", "the area
# held by rebels since 2013": a state of the place (who holds it, how it is split), not the
# period of a toll nor the year of its event.
_STATE_SINCE = re.compile(
    r"\b(?:divided|held|controlled|split|occupied|closed|run|governed|administered|encircled"
    r"|under\s+(?:[\w-]+\s+)?(?:control|siege|rule)|in\s+(?:[\w-]+\s+)?hands)"
    r"(?:\s+by\s+(?:the\s+)?[\w-]+(?:\s+[\w-]+)?)?\s+since\s+[^,.;]{1,40}",
    re.IGNORECASE,
)


def without_states(text: str) -> str:
    """The text with "since ..." phrases that date a place's state blanked out (same length)."""
    return _STATE_SINCE.sub(lambda m: " " * len(m.group()), text)


# "a review into a 2019 US bombing that killed dozens of civilians", "since the 2019 operation
# which killed the ISIS leader": an earlier year's event named with its toll inside a sentence
# that may report a new one. Group 1: the year.
_PAST_EVENT_CLAUSE = re.compile(
    r"\b(?:the|a|an|its|their)\s+((?:19|20)[0-9][0-9])\s+(?:[\w-]+\s+){0,3}?"
    r"(?:attack|strike|airstrike|air strike|raid|bombing|massacre|siege|offensive|"
    r"campaign|battle|assault|operation|shelling|explosion|blast|incident|bombings|strikes|raids"
    r"|attacks)\s+(?:in\s+[\w-]+\s+)?(?:that|which)\s+[^,.;]{0,120}",
    re.IGNORECASE,
)


def without_history(text: str, reference: date) -> str:
    """The text with the clauses of an earlier year's event ("the 2019 strike that killed 64
    civilians") blanked out (same length), so their toll is not this sentence's."""
    return _PAST_EVENT_CLAUSE.sub(
        lambda m: (
            " " * len(m.group())
            if int(m.group(1)) < reference.year
            and date(int(m.group(1)), 12, 31) < reference - RECENT
            else m.group()
        ),
        text,
    )


def historical(text: str, reference: date) -> bool:
    """True when what the sentence reports happened in an earlier year and is named as
    history: a year ("the siege of 2016, which killed thousands", "in March 2019", "the 2019
    strike on Baghuz"), a full
    date ("a deadly March 18, 2019, attack"), or a month that lies in the previous year ("In
    September ..." told in July), more than ``RECENT`` before the reference day; and the
    sentence names no recent day ("on Monday", "on December 30, 2021" told on 3 January).
    "born in 1976" is not the event's year, nor "divided since 2012"."""
    text = without_states(text)
    cutoff = reference - RECENT
    old = [
        date(int(y), 12, 31)
        for y in _YEAR_ONLY.findall(text)
        if int(y) < reference.year and date(int(y), 12, 31) < cutoff
    ]
    old += [
        date(int(y), 12, 31)
        for y in _YEAR_ADJECTIVE.findall(text)
        if int(y) < reference.year and date(int(y), 12, 31) < cutoff
    ]
    old += [
        f.day
        for f in absolute_dates(text, reference, explicit_year=True)
        if f.day.year < reference.year and f.day < cutoff
    ]
    for m in _MONTH_ONLY.finditer(text):
        month = MONTHS[m.group(1).casefold().rstrip(".")[:3]]
        if month > reference.month:  # a month after this one: last year's
            end = date(reference.year, 1, 1) - timedelta(days=1)
            last = date(reference.year - 1, month, 28)
            if last < cutoff:
                old.append(min(end, last))
    if not old:
        return False
    recent = incident_day(text, reference)
    return recent is None or recent < cutoff


@dataclass(frozen=True)
class Found:
    day: date
    start: int


def _resolve(reference: date, month: int, day: int, year: int | None) -> date | None:
    try:
        if year is not None:
            return date(year, month, day) if 1900 <= year <= 2200 else None
        candidate = date(reference.year, month, day)
        if candidate > reference + timedelta(days=1):
            candidate = date(reference.year - 1, month, day)
        return candidate
    except ValueError:
        return None


def absolute_dates(text: str, reference: date, *, explicit_year: bool = False) -> list[Found]:
    """Dates written out in ``text`` (with ``explicit_year``: only those that give a year)."""
    found: list[Found] = []
    for m in _MONTH_DAY.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        if explicit_year and year is None:
            continue
        d = _resolve(reference, MONTHS[m.group(1).casefold().rstrip(".")], int(m.group(2)), year)
        if d:
            found.append(Found(d, m.start()))
    for m in _DAY_MONTH.finditer(text):
        year = int(m.group(3)) if m.group(3) else None
        if explicit_year and year is None:
            continue
        d = _resolve(reference, MONTHS[m.group(2).casefold().rstrip(".")], int(m.group(1)), year)
        if d:
            found.append(Found(d, m.start()))
    for m in _ISO.finditer(text):
        try:
            found.append(Found(date(int(m.group(1)), int(m.group(2)), int(m.group(3))), m.start()))
        except ValueError:
            continue
    return sorted(found, key=lambda f: f.start)


def dated_days(text: str) -> list[date]:
    """Days of the dates in ``text`` that carry their own year (year-less ones resolve
    against a sentinel reference year and are dropped)."""
    sentinel = date(2201, 12, 31)
    return [f.day for f in absolute_dates(text, sentinel) if f.day.year < sentinel.year]


def incident_day(text: str, reference: date) -> date | None:
    """The first date the sentence gives for what happened (None: it gives none)."""
    candidates = [
        f for f in absolute_dates(text, reference) if f.day <= reference + timedelta(days=1)
    ]
    for m in _WEEKDAY.finditer(text):
        back = (reference.weekday() - _WEEKDAYS.index(m.group(1).casefold())) % 7
        candidates.append(Found(reference - timedelta(days=back), m.start()))
    for m in _RELATIVE.finditer(text):
        word = m.group(1).casefold()
        back = 1 if word in ("yesterday", "last night") else 0
        candidates.append(Found(reference - timedelta(days=back), m.start()))
    candidates = [c for c in candidates if c.day.year >= 1900]
    return min(candidates, key=lambda f: f.start).day if candidates else None


@dataclass(frozen=True)
class Dateline:
    place: str
    day: date | None
    """None when neither the dateline nor the caller gives a year."""
    end: int
    """Offset where the story proper starts."""


def dateline(text: str, reference: date | None) -> Dateline | None:
    """Dateline("AMMAN", 2024-12-02, ...) for a story opening "AMMAN, Dec 2 - "."""
    m = _DATELINE.match(text[:120])
    if not m:
        return None
    year = int(m.group(4)) if m.group(4) else None
    month, day = MONTHS[m.group(2).casefold().rstrip(".")], int(m.group(3))
    if year is None and reference is None:
        return Dateline(m.group(1).strip(), None, m.end())
    base = reference or date(year or 1900, 12, 31)
    return Dateline(m.group(1).strip(), _resolve(base, month, day, year), m.end())


_STAMP = re.compile(
    r"^\W*(?:(?:date of publication|published|last updated(?: at)?|updated)\s*:?\s*)?"
    r"(?:(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*,?\s+)?"
    r"(?:[0-9]{1,2}\s+[a-z]{3,9}\.?,?\s+[0-9]{4}|[a-z]{3,9}\.?\s+[0-9]{1,2},?\s*[0-9]{4}"
    r"|[0-9]{1,2}[./-][0-9]{1,2}[./-][0-9]{4})"
    r"(?:\s*\(updated[^)]{0,40}\))?(?:\s+[0-9]{1,2}:?[0-9]{2}\b)?",
    re.IGNORECASE,
)


def stamp_end(text: str) -> int:
    """End of a publication stamp opening a text ("21 Jul 2016 ...", "Date of publication 3
    April 2017 ...", "Last updated at Jun 142016 ..."), 0 when there is none: the stamp's
    day is when the text was published, not when its incident happened."""
    m = _STAMP.match(text)
    if m is None:
        return 0
    numeric = re.search(r"[0-9][./-][0-9]", m.group()) is not None
    named = any(w.casefold()[:3] in MONTHS for w in re.findall(r"[A-Za-z]{3,}", m.group()))
    return m.end() if numeric or named else 0


def period_start(text: str, reference: date) -> date | None:
    """Start of a cumulative period the sentence sums up, or None if it is not a summary."""
    text = without_states(text)
    for m in _SINCE.finditer(text):
        rest = text[m.end() : m.end() + 40]
        days = absolute_dates(rest, reference)
        if days and days[0].start == 0 and days[0].day <= reference:
            return days[0].day
    m2 = _PAST.search(text)
    if m2:
        n = {
            "few": 3,
            "several": 3,
            "two": 2,
            "three": 3,
            "four": 4,
            "five": 5,
            "six": 6,
            "seven": 7,
        }
        raw = (m2.group(1) or "one").casefold()
        amount = int(raw) if ascii_digits(raw) else n.get(raw, 1)
        unit = m2.group(2).casefold().rstrip("s")
        span = {"day": 1, "week": 7, "month": 30, "year": 365}[unit] * min(amount, 100)
        return reference - timedelta(days=span)
    m3 = _SO_FAR.search(text)
    if m3:
        return (
            date(reference.year, 1, 1)
            if "year" in m3.group(1) or "start" in m3.group(1)
            else reference - timedelta(days=30)
        )
    return None
