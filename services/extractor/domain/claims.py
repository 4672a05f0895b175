"""Casualty claims of one text grouped into reports: merging, restatements, building.

- Claims of one incident from one source are one report: figures from several sentences
  combine by the stated total if any, else the maximum (a later sentence usually restates,
  not adds); a coding statement or a place's share corrects earlier figures.
- A claim whose sentence names no day (a headline, "Car bomb kills 34 in Hama") that gives
  the same toll as a claim with a named day in the same country and region is the same
  incident said twice: it is folded into that one, never added as a second incident. So is
  an undated vague count ("dozens were killed") at or below a dated precise toll there.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    Qualifier,
    ReportKind,
    Source,
    Verification,
)

from .casualties import SentenceFigures
from .places import Place

Key = tuple[str, str | None, date, date | None, bool]
"""(country, admin1, occurred day, period start, is a summary)"""


@dataclass
class Claim:
    key: Key
    source: Source
    figures: SentenceFigures
    sentences: list[str]
    event_type: EventType | None
    perpetrators: list[str]
    verification: Verification
    place: Place | None = None
    dated: bool = False
    """A sentence of this claim named its day."""
    headline: bool = False
    """Every sentence of this claim is a headline (text before a date stamp)."""


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "replace")).hexdigest()[:16]


def merge(claim: Claim, figures: SentenceFigures) -> None:
    """Figures of one incident from one source across sentences: the stated total if any,
    else the highest (restating is more common than adding in wire copy)."""
    old = claim.figures
    for measure, new in figures.figures.items():
        current = old.figures.get(measure)
        if measure == "killed" and current is not None and figures.rank >= 2:
            if figures.rank >= old.rank:
                old.figures[measure] = new  # a later coding statement corrects an earlier one
            continue
        if measure == "killed" and current is not None and old.rank != figures.rank:
            if figures.rank > old.rank:
                old.figures[measure] = new
            continue
        if current is None or _prefer(new, current):
            old.figures[measure] = new
    if "killed" in figures.figures:
        old.rank = max(old.rank, figures.rank)


def same_toll(a: Figure, b: Figure) -> bool:
    """One toll said twice: equal, or a vague one ("almost a dozen") within a fifth."""
    x, y = a.pick("low"), b.pick("low")
    if x == y:
        return True
    vague = Qualifier.ABOUT in (a.qualifier, b.qualifier)
    return vague and abs(x - y) <= max(1, max(x, y) // 5)


def _prefer(new: Figure, current: Figure) -> bool:
    """Restated figures: the precise one over a vague one of the same toll, else the higher."""
    if same_toll(new, current) and new.qualifier is not current.qualifier:
        return current.qualifier is Qualifier.ABOUT
    return new.pick("low") > current.pick("low")


def place_unplaced(claims: dict[tuple[object, ...], Claim]) -> None:
    """A claim with no region joins the one placed claim of the same source, country, day
    and kind, if there is exactly one (the place is often named in a later sentence), in
    place. With several placed claims it stays apart: its region is unknown."""
    for rkey, claim in list(claims.items()):
        country, admin1, occurred, start, summary = claim.key
        if admin1 is not None:
            continue
        targets = [
            c
            for c in claims.values()
            if c.key[1] is not None
            and (c.key[0], c.key[2], c.key[3], c.key[4]) == (country, occurred, start, summary)
        ]
        if len({t.key[1] for t in targets}) != 1:
            continue
        same_source = [t for t in targets if t.source.name == claim.source.name]
        if not same_source:
            claim.key = targets[0].key
            claims[(*targets[0].key, claim.source.name)] = claims.pop(rkey)
            continue
        target = same_source[0]
        merge(target, claim.figures)
        target.sentences = claim.sentences + target.sentences
        target.dated = target.dated or claim.dated
        del claims[rkey]


def apply_coding(claims: dict[tuple[object, ...], Claim]) -> None:
    """A coding statement ("Fatalities coded as 0 (VoJ reported 1)") or a place's stated
    share is the coder's final word on the incident's killed figure, whichever source the
    narrative cites: every source's claim of that incident takes it."""
    coded: dict[Key, Figure] = {}
    for claim in claims.values():
        figure = claim.figures.figures.get("killed")
        if figure is not None and claim.figures.rank >= 2:
            coded[claim.key] = figure
    for claim in claims.values():
        figure = coded.get(claim.key)
        if figure is not None and "killed" in claim.figures.figures:
            claim.figures.figures["killed"] = figure
            claim.figures.rank = max(claim.figures.rank, 2)


def fold_restatements(claims: dict[tuple[object, ...], Claim]) -> None:
    """Undated incident claims that repeat a dated claim's toll in the same country and
    region join that claim (in place)."""
    dated = [c for c in claims.values() if c.dated and not c.key[4]]
    for rkey, claim in list(claims.items()):
        if claim.dated or claim.key[4]:
            continue
        target = next((t for t in dated if t is not claim and _restates(claim, t)), None)
        if target is None:
            continue
        merge(target, claim.figures)
        target.sentences = claim.sentences + target.sentences
        target.place = target.place or claim.place
        del claims[rkey]


def fold_headlines(claims: dict[tuple[object, ...], Claim]) -> None:
    """A headline's incident toll that does not exceed the body's toll for the same country
    and region is the body's story told short ("raids killed 14 jihadists 5 civilians ... A
    series of strikes killed 14 jihadists ... and five civilians"): one incident, the body's
    figures. A headline with a higher toll, or with nothing to compare, stays. A headline
    whose toll is a tally's of the body is that tally (no incident)."""
    for rkey, claim in list(claims.items()):
        if not claim.headline or claim.key[4]:
            continue
        tallies = [c for c in claims.values() if not c.headline and c.key[4]]
        if any(_same_killed(claim, t) for t in tallies):
            # "Syria air strikes kill 32 ... strikes on towns across the country killed at
            # least 32 on Monday": the headline tells the body's tally short, not an incident
            del claims[rkey]
            continue
        story = [c for c in claims.values() if not c.headline and not c.key[4]]
        bodies = [
            c
            for c in story
            if _within(claim, c) and (_same_place(claim, c) or _same_killed(claim, c))
        ]
        if not bodies:
            # "32 killed in Daraa, Aleppo ... At least 22 people were killed Friday in Daraa":
            # a headline above the one incident its body tells, in its place, sums it up.
            bodies = [c for c in story if _same_place(claim, c) and _killed(c)]
            if len(bodies) != 1 or len({c.key[0] for c in story}) != 1:
                continue
        target = max(bodies, key=_killed)
        merge(target, claim.figures)
        target.sentences = claim.sentences + target.sentences
        target.place = target.place or claim.place
        del claims[rkey]


def _killed(claim: Claim) -> int:
    figure = claim.figures.figures.get("killed")
    return figure.pick("low") if figure else 0


def _same_killed(a: Claim, b: Claim) -> bool:
    """The same killed toll (in the same country): "Syria strikes kill 45 ... on Damascus ...
    At least 45 people were killed in ... strikes ... around Damascus" is one toll told twice,
    though the headline's place is the city and the body's its countryside."""
    mine, theirs = a.figures.figures.get("killed"), b.figures.figures.get("killed")
    return (
        a.key[0] == b.key[0]
        and mine is not None
        and theirs is not None
        and (same_toll(mine, theirs))
    )


def _same_place(a: Claim, b: Claim) -> bool:
    return a.key[0] == b.key[0] and (a.key[1] is None or b.key[1] is None or a.key[1] == b.key[1])


def _within(headline: Claim, body: Claim) -> bool:
    """Each of the headline's killed / injured figures is at most the body's."""
    shared = False
    for measure in ("killed", "injured"):
        mine, theirs = headline.figures.figures.get(measure), body.figures.figures.get(measure)
        if mine is None:
            continue
        if theirs is None or mine.pick("low") > theirs.pick("low"):
            return False
        shared = True
    return shared


# "Dozens of civilians have reportedly been killed ... at least 73 civilians were killed
# on Tuesday": a vague count of the same dead, told before the precise one.
_VAGUE = re.compile(
    r"\b(?:dozens|scores|hundreds|thousands|tens|several|many|a number of|numbers of)\b",
    re.IGNORECASE,
)


def _restates(claim: Claim, target: Claim) -> bool:
    (country, admin1, _, _, _), (t_country, t_admin1, _, _, _) = claim.key, target.key
    if country != t_country or (admin1 and t_admin1 and admin1 != t_admin1):
        return False
    vague = any(_VAGUE.search(s) for s in claim.sentences)
    for measure in ("killed", "injured"):
        mine, theirs = claim.figures.figures.get(measure), target.figures.figures.get(measure)
        if mine is not None or theirs is not None:
            if mine is None or theirs is None:
                return False
            within = vague and mine.qualifier is not Qualifier.EXACT
            return same_toll(mine, theirs) or (within and mine.pick("low") <= theirs.pick("low"))
    return False


def build(claim: Claim, doc_key: str, reported_at: datetime) -> IncidentReport:
    country, admin1, occurred, start, summary = claim.key
    parts = (*claim.key[:4], "summary") if summary else claim.key[:4]
    incident_id = f"txt-{doc_key}-{digest(*parts)[:12]}"
    place = claim.place if claim.place and claim.place.admin1 == admin1 else None
    return IncidentReport(
        report_id=f"{incident_id}-{digest(claim.source.name)[:8]}",
        incident_id=incident_id,
        source=claim.source,
        reported_at=reported_at,
        occurred_at=day_start(occurred),
        occurred_precision=Precision.DAY,
        period_start=day_start(start) if start else None,
        location=Location(
            country=country,
            admin1=admin1,
            place=place.name[:200] if place and place.lat is not None else None,
            lat=place.lat if place else None,
            lon=place.lon if place else None,
            admin1_source=place.source if place else None,
        ),
        event_type=claim.event_type or EventType.OTHER,
        alleged_perpetrators=claim.perpetrators[:50],
        casualties=Casualties(
            **{m: f for m, f in claim.figures.figures.items() if isinstance(f, Figure)}
        ),
        verification=claim.verification,
        kind=ReportKind.SUMMARY if summary else ReportKind.INCIDENT,
        text=" ".join(claim.sentences)[:100_000],
        feed=f"text:{doc_key}",  # each text is its own feed: its incidents are distinct
    )
