"""Wire text in, IncidentReports out: the rules that tie figures, dates, places and
sources together. Pure: no clock (``reported_at`` is an argument), no I/O.

Rules (each one is tested):
- Every sentence with a casualty figure is a *claim*. Its day is the date it names, else
  the last incident day named before it in the story, else the reference day (the
  dateline's day, else ``reported_at``'s). Its region is the first gazetteer region it
  names, else the last one named before it. Its source is the one it attributes to
  ("according to ...", "witnesses said"), else the ``source`` passed in.
- Precision first (``confidence.py``): an incident only when the figure is one incident's
  toll. What a hedge puts in doubt ("may have killed up to 80", "whether ... killed") and
  an intent ("threatened to kill 10") give no figure; accidents, quarrels and obituaries
  are not the conflict; a figure that sums up several events though no period word is
  said (a report's list line, "as of Saturday", "the same period", "this month alone",
  "the two offensives", "N times", "in recent days", a month's total, a monitor's periodic
  count, a present perfect toll tied to no day, place or single event) is a summary.
- A claim that sums up a period or many attacks is a summary (``tallies.py``: "since
  <date>", "over the past week", "the war has killed", "21 attacks left 37 dead"; kind
  summary, period_start = the period's first day when the text gives it, occurred_at = the
  latest incident day named so far, else the reference day); summaries are never merged
  into incidents. A rate ("dozens killed each day") is skipped.
- A sentence dividing a figure between places ("10 fatalities split between 3 events, with 4
  allocated to X") gives the share of the place the text is about (``shares.py``), an
  explicit coding statement ("fatalities coded as 7") overrides narrative figures, and a
  later one of either corrects an earlier one. A division sentence does not move the story
  to the places it lists.
- A sentence about an event of an earlier calendar year ("the siege of 2016, which killed
  thousands", "a deadly March 18, 2019, attack", "In October ..." told in January), more
  than a month before the reference day and with no recent day named, is background and
  is skipped. A toll of 1,000 or more with no day and no single event named is a summary.
- A headline (text before a date stamp) whose toll the body matches or exceeds, for the
  same country and region, is the body's incident (``claims.fold_headlines``).
- A coding statement ("Fatalities coded as 0 (VoJ reported 1)") is the incident's killed
  figure for every source (``claims.apply_coding``); a publication stamp opening a text
  ("21 Jul 2016 ...") is not the incident's day.
- Claims with one (country, region, day, kind, period) in one text are one incident:
  one incident_id. Claims of one incident from one source are one report (``claims.py``):
  figures from several sentences combine by the stated total if any, else the maximum (a
  later sentence usually restates, not adds); a headline with no day that repeats a dated
  claim's toll is that claim. Claims from different sources stay separate
  reports of the same incident (the aggregator takes the highest, never the sum): so the
  seed story's witnesses' "seven killed" in Idlib that day is a second source for the
  White Helmets' Dec 1 incident, not a second incident.
- Country: a region's country, else a country the sentence places it in ("in Syria"),
  else the country the text is mostly about, else ``default_country``. With none, the
  claim is skipped with a reason (``Extraction.skipped``).
- Ids are deterministic: incident_id hashes the normalised text and the incident key,
  report_id adds the source, so extracting the same text twice gives the same ids.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from pydantic import ValidationError

from schemas.reports import EventType, Figure, IncidentReport, Source, SourceKind, Verification
from services.common.errors import RejectedInput, RejectionKind
from services.common.gazetteer import Gazetteer

from . import confidence, context, dates, places, shares, tallies
from .casualties import sentence_figures
from .claims import (
    Claim,
    apply_coding,
    build,
    day_start,
    digest,
    fold_headlines,
    fold_restatements,
    merge,
    place_unplaced,
)
from .places import Place
from .scrape import clean
from .text import normalise, sentences

MAX_TEXT_CHARS = 50_000
"""Longer input is rejected (RejectedInput kind "too_large"): wire stories and bulletins are
a few thousand characters; the bound keeps the worst case near a second."""
UNATTRIBUTED = Source(name="unattributed", kind=SourceKind.MEDIA)
_FOLLOW_UP = ("this ", "these ", "those ", "the report", "the claim", "the figure", "the toll")
_SEVERITY = (
    Verification.REPORTED,
    Verification.CONFIRMED,
    Verification.DISPUTED,
    Verification.UNVERIFIED,
)


@dataclass(frozen=True)
class Skipped:
    sentence: str
    reason: str


@dataclass(frozen=True)
class Extraction:
    reports: list[IncidentReport]
    skipped: list[Skipped] = field(default_factory=list)


def _anchor(
    text: str, reported_at: datetime | None, line: dates.Dateline | None
) -> tuple[datetime, date] | None:
    """(reported_at, reference day), or None when the text cannot be placed in time."""
    day = line.day if line else None
    if reported_at is not None:
        if day is None or day > reported_at.date() + timedelta(days=1):
            day = reported_at.date()
        return reported_at, day
    if day is None:
        dated = [d for d in dates.dated_days(text) if d.year >= 1900]
        if not dated:
            return None
        day = max(dated)
    return day_start(day), day


def extract_all(
    text: str,
    *,
    reported_at: datetime | None = None,
    default_country: str | None = None,
    source: Source | None = None,
) -> Extraction:
    """Like ``extract``, also returning the casualty sentences that gave no report and why."""
    if len(text) > MAX_TEXT_CHARS:
        raise RejectedInput(
            f"text is {len(text)} characters, above {MAX_TEXT_CHARS}", RejectionKind.TOO_LARGE
        )
    norm = normalise(clean(text))
    doc_key = digest(norm)
    if reported_at is not None and reported_at.tzinfo is None:
        reported_at = reported_at.replace(tzinfo=UTC)
    line = dates.dateline(norm, reported_at.date() if reported_at else None)
    anchor = _anchor(norm, reported_at, line)
    gazetteer = Gazetteer.default()
    doc_country = places.document_country(norm, gazetteer, default_country) or default_country
    skipped: list[Skipped] = []
    claims: dict[tuple[object, ...], Claim] = {}
    split = sentences(norm[line.end :] if line else norm)
    day: date | None = None
    day_named = False  # the running day came from the text, not the reference day
    region: Place | None = None
    if line is not None:  # "QAMISHLI, Syria (North Press) - ...": the dateline's place
        region = next(iter(places.regions(norm[: line.end], gazetteer, doc_country)), None)
    last_type: EventType | None = None
    last_killed: int | None = None
    for k, sent in enumerate(split):
        s = sent.text
        told = dates.without_history(s, anchor[1]) if anchor else s
        figures = sentence_figures(confidence.without_doubt(told))
        stated = figures.figures.get("killed")
        whole = stated.pick("low") if stated else last_killed
        divided = False  # a division names the parts' places, not a new place for the story
        if shares.is_division(s):
            share = shares.share_of(s, " ".join(x.text for x in split[:k]), whole)
            if share is not None:
                figures.figures["killed"], figures.rank = Figure.exact(share), 2
                divided = True
        if "killed" in figures.figures:
            last_killed = figures.figures["killed"].pick("low")
        found = [] if divided else places.regions(s, gazetteer, doc_country)
        filed = places.filed_from(s)
        if any(p.start >= filed for p in found):
            found = [p for p in found if p.start >= filed]  # where it was filed from is not it
        found = places.contained(s, found)
        if found:
            region = found[0]
        kind_here = context.event_type(s)
        last_type = kind_here or last_type
        if anchor is None:
            if figures:
                skipped.append(
                    Skipped(s, "no reported_at and no dated dateline or date in the text")
                )
            continue
        reference = anchor[1]
        period = tallies.tally(s, reference)
        stamp = dates.stamp_end(s) if k == 0 and line is None else 0
        named_day = None if period else dates.incident_day(s[stamp:], reference)
        if not figures:
            if named_day is not None:
                day, day_named = named_day, True
            continue
        if period is None and dates.historical(s, reference) and not tallies.is_comparison(s):
            skipped.append(Skipped(s, "background: an event of an earlier year"))
            continue
        compared = tallies.compared_since(s) if period is None else None
        if (
            compared is not None
            and dates.historical(s[compared:], reference)
            and not sentence_figures(s[:compared])
        ):  # "the deadliest attack since sarin killed hundreds in Ghouta in August 2013"
            skipped.append(Skipped(s, "background: the earlier event a record is compared with"))
            continue
        toll = stated or figures.figures.get("injured")
        if (
            period is None
            and toll
            and tallies.too_large_for_one_event(s, toll.pick("low"), reference)
        ):
            period = tallies.Tally(None)
        if tallies.not_conflict(s) or confidence.not_conflict(s):
            skipped.append(Skipped(s, "not a conflict casualty (earthquake, accident ...)"))
            continue
        if tallies.is_rate(s):
            skipped.append(Skipped(s, "a rate (per day / week), not an incident"))
            continue
        if period is None and confidence.cumulative(
            s, placed=bool(found), dated=named_day is not None
        ):
            period = tallies.Tally(None)
        start = period.start if period else None
        if period is None:
            if named_day is not None:
                day, day_named = named_day, True
            elif day is None:
                day, day_named = reference, False
            occurred = day
        else:
            occurred = max(start or reference, day or reference)
        country = (found[0].country if found else None) or places.sentence_country(s) or doc_country
        if country is None:
            skipped.append(Skipped(s, "no country: none named and no default_country"))
            continue
        place = region if region and region.country == country else None
        said_by = context.attributed_source(s) or source or UNATTRIBUTED
        follow = split[k + 1].text if k + 1 < len(split) else ""
        verif = context.verification(s) or (
            context.verification(follow) if follow.casefold().startswith(_FOLLOW_UP) else None
        )
        ikey = (country, place.admin1 if place else None, occurred, start, period is not None)
        rkey = (*ikey, said_by.name)
        current = claims.get(rkey)
        if current is None:
            claims[rkey] = Claim(
                ikey,
                said_by,
                figures,
                [s],
                kind_here or last_type,
                context.perpetrators(s),
                verif or Verification.REPORTED,
                place,
                period is None and day_named,
                sent.headline,
            )
            continue
        merge(current, figures)
        current.headline = current.headline and sent.headline
        current.sentences.append(s)
        current.dated = current.dated or (period is None and day_named)
        current.place = current.place or place
        current.event_type = current.event_type or kind_here
        current.perpetrators += [
            p for p in context.perpetrators(s) if p not in current.perpetrators
        ]
        if verif and _SEVERITY.index(verif) > _SEVERITY.index(current.verification):
            current.verification = verif
    place_unplaced(claims)
    apply_coding(claims)
    fold_restatements(claims)
    fold_headlines(claims)
    built: list[IncidentReport] = []
    for claim in claims.values():
        if anchor is None:
            break
        try:
            built.append(build(claim, doc_key, anchor[0]))
        except ValidationError as exc:
            skipped.append(
                Skipped(
                    " ".join(claim.sentences)[:500], f"invalid report: {exc.errors()[0]['msg']}"
                )
            )
    return Extraction(built, skipped)


def extract(
    text: str,
    *,
    reported_at: datetime | None = None,
    default_country: str | None = None,
    source: Source | None = None,
) -> list[IncidentReport]:
    """IncidentReports stated by English wire text (one per incident and source).

    ``reported_at``: when the source issued the text (naive means UTC); dates without a
    year and weekdays resolve against the dateline's day or this. Without it the text
    must carry a dated dateline or a full date, else nothing is extracted.
    ``default_country``: ISO3 used when the text names no country or known region.
    ``source``: who published the text; used for claims the text does not attribute.
    Raises ``RejectedInput`` (kind "too_large") above ``MAX_TEXT_CHARS``; never otherwise.
    """
    return extract_all(
        text, reported_at=reported_at, default_country=default_country, source=source
    ).reports
