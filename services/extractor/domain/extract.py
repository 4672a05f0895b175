"""Wire text in, IncidentReports out: the rules that tie figures, dates, places and
sources together. Pure: no clock (``reported_at`` is an argument), no I/O.

Rules (each one is tested):
- Every sentence with a casualty figure is a *claim*. Its day is the date it names, else
  the last incident day named before it in the story, else the reference day (the
  dateline's day, else ``reported_at``'s). Its region is the first gazetteer region it
  names, else the last one named before it. Its source is the one it attributes to
  ("according to ...", "witnesses said"), else the ``source`` passed in.
- A claim with "since <date>" / "over the past week" is a summary (kind=summary,
  period_start = that date, occurred_at = the latest incident day named so far, else the
  reference day); summaries are never merged into incidents.
- A sentence dividing a figure between places ("10 fatalities split between 3 events, with 4
  allocated to X") gives the share of the place the text is about (``shares.py``), an
  explicit coding statement ("fatalities coded as 7") overrides narrative figures, and a
  later one of either corrects an earlier one. A division sentence does not move the story
  to the places it lists.
- A sentence about an earlier year with no day named ("the siege of 2016, which killed
  thousands") is background and is skipped.
- Claims with one (country, region, day, kind, period) in one text are one incident:
  one incident_id. Claims of one incident from one source are one report: figures from
  several sentences combine by the stated total if any, else the maximum (a later
  sentence usually restates, not adds). Claims from different sources stay separate
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

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from pydantic import ValidationError

from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    ReportKind,
    Source,
    SourceKind,
    Verification,
)
from services.common.errors import RejectedInput
from services.common.gazetteer import Gazetteer

from . import context, dates, places, shares
from .casualties import SentenceFigures, sentence_figures
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


@dataclass
class _Report:
    key: tuple[str, str | None, date, date | None]
    source: Source
    figures: SentenceFigures
    sentences: list[str]
    event_type: EventType | None
    perpetrators: list[str]
    verification: Verification


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _hash(*parts: object) -> str:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "replace")).hexdigest()[:16]


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
    return _day_start(day), day


def _merge(report: _Report, figures: SentenceFigures) -> None:
    """Figures of one incident from one source across sentences: the stated total if any,
    else the highest (restating is more common than adding in wire copy)."""
    old = report.figures
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
        if current is None or new.pick("low") > current.pick("low"):
            old.figures[measure] = new
    if "killed" in figures.figures:
        old.rank = max(old.rank, figures.rank)


def extract_all(
    text: str,
    *,
    reported_at: datetime | None = None,
    default_country: str | None = None,
    source: Source | None = None,
) -> Extraction:
    """Like ``extract``, also returning the casualty sentences that gave no report and why."""
    if len(text) > MAX_TEXT_CHARS:
        raise RejectedInput(f"text is {len(text)} characters, above {MAX_TEXT_CHARS}", "too_large")
    norm = normalise(clean(text))
    doc_key = _hash(norm)
    if reported_at is not None and reported_at.tzinfo is None:
        reported_at = reported_at.replace(tzinfo=UTC)
    line = dates.dateline(norm, reported_at.date() if reported_at else None)
    anchor = _anchor(norm, reported_at, line)
    gazetteer = Gazetteer.default()
    doc_country = places.document_country(norm, gazetteer) or default_country
    skipped: list[Skipped] = []
    reports: dict[tuple[object, ...], _Report] = {}
    split = sentences(norm[line.end :] if line else norm)
    day: date | None = None
    region: tuple[str, str] | None = None
    last_type: EventType | None = None
    last_killed: int | None = None
    for k, sent in enumerate(split):
        s = sent.text
        figures = sentence_figures(s)
        stated = figures.figures.get("killed")
        whole = stated.pick("low") if stated else last_killed
        divided = False  # a division names the parts' places, not a new place for the story
        if shares.is_division(s):
            share = shares.share_of(s, " ".join(x.text for x in split[:k]), whole)
            if share is not None:
                figures.figures["killed"], figures.rank = Figure.exact(share), 2
                divided = region is not None
        if "killed" in figures.figures:
            last_killed = figures.figures["killed"].pick("low")
        found = [] if divided else places.regions(s, gazetteer)
        if found:
            region = (found[0].country, found[0].admin1)
        kind_here = context.event_type(s)
        last_type = kind_here or last_type
        if anchor is None:
            if figures:
                skipped.append(
                    Skipped(s, "no reported_at and no dated dateline or date in the text")
                )
            continue
        reference = anchor[1]
        start = dates.period_start(s, reference)
        named_day = None if start else dates.incident_day(s, reference)
        if not figures:
            day = named_day or day
            continue
        if dates.historical(s, reference):
            skipped.append(Skipped(s, "background: about an earlier year, no day named"))
            continue
        if start is None:
            day = named_day or day or reference
            occurred = day
        else:
            occurred = max(start, day or reference)
        country = (found[0].country if found else None) or places.sentence_country(s) or doc_country
        if country is None:
            skipped.append(Skipped(s, "no country: none named and no default_country"))
            continue
        admin1 = region[1] if region and region[0] == country else None
        said_by = context.attributed_source(s) or source or UNATTRIBUTED
        follow = split[k + 1].text if k + 1 < len(split) else ""
        verif = context.verification(s) or (
            context.verification(follow) if follow.casefold().startswith(_FOLLOW_UP) else None
        )
        ikey = (country, admin1, occurred, start)
        rkey = (*ikey, said_by.name)
        current = reports.get(rkey)
        if current is None:
            reports[rkey] = _Report(
                ikey,
                said_by,
                figures,
                [s],
                kind_here or last_type,
                context.perpetrators(s),
                verif or Verification.REPORTED,
            )
            continue
        _merge(current, figures)
        current.sentences.append(s)
        current.event_type = current.event_type or kind_here
        current.perpetrators += [
            p for p in context.perpetrators(s) if p not in current.perpetrators
        ]
        if verif and _SEVERITY.index(verif) > _SEVERITY.index(current.verification):
            current.verification = verif
    built: list[IncidentReport] = []
    for r in reports.values():
        if anchor is None:
            break
        try:
            built.append(_build(r, doc_key, anchor[0]))
        except ValidationError as exc:
            skipped.append(
                Skipped(" ".join(r.sentences)[:500], f"invalid report: {exc.errors()[0]['msg']}")
            )
    return Extraction(built, skipped)


def _build(r: _Report, doc_key: str, reported_at: datetime) -> IncidentReport:
    country, admin1, occurred, start = r.key
    incident_id = f"txt-{doc_key}-{_hash(*r.key)[:12]}"
    return IncidentReport(
        report_id=f"{incident_id}-{_hash(r.source.name)[:8]}",
        incident_id=incident_id,
        source=r.source,
        reported_at=reported_at,
        occurred_at=_day_start(occurred),
        occurred_precision=Precision.DAY,
        period_start=_day_start(start) if start else None,
        location=Location(country=country, admin1=admin1),
        event_type=r.event_type or EventType.OTHER,
        alleged_perpetrators=r.perpetrators[:50],
        casualties=Casualties(
            **{m: f for m, f in r.figures.figures.items() if isinstance(f, Figure)}
        ),
        verification=r.verification,
        kind=ReportKind.SUMMARY if start else ReportKind.INCIDENT,
        text=" ".join(r.sentences)[:100_000],
    )


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
