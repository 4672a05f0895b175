"""What the linker compares of an incident: its ``Subject`` (pure, built from its reports).

An incident is every report sharing an incident_id (its sources and their revisions).
Its subject holds what a pair of incidents is judged on: the feeds it came from (two
incidents of one feed are never linked), its day and governorate (its newest report's),
the places its reports name, coordinates (stated, or of a place the gazetteer knows),
every figure each source gives per measure, its event types, its sources and alleged
perpetrators.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from schemas.incidents import ClassifiedIncident
from schemas.reports import MEASURES, EventType, Qualifier
from services.aggregator.domain.incidents import event_position
from services.aggregator.domain.linking.places import key_of, names_of, resolve
from services.common.gazetteer import fold

_EPOCH_ORDINAL = 719163  # date(1970, 1, 1).toordinal()


@dataclass(frozen=True, slots=True)
class Span:
    """One measure's figures over an incident's sources: every number given (each
    source's low and high end), and whether one of them is only a lower bound."""

    values: frozenset[int]
    low: int
    high: int
    open: bool


@dataclass(frozen=True, slots=True)
class Subject:
    """What the linker compares of one incident (one is built for every change of it)."""

    incident_id: str
    feeds: frozenset[str]
    dataset: str
    """The feed the subject is ranked under when its best matches are chosen (its first
    feed: an incident's reports nearly always come from one)."""
    day: int
    """Ordinal of the UTC day its newest report sits on (``event_position``)."""
    admin1: str | None
    admin2: str | None
    """The district its newest report states (folded), if any."""
    names: tuple[str, ...]
    keys: frozenset[str]
    lat: float | None
    lon: float | None
    stated: bool
    """The coordinates were stated by a report (else resolved from a place's name)."""
    population: int
    """Of the place resolved from its name (0: unknown)."""
    figures: Mapping[str, Span]
    tolls: frozenset[str]
    """``measure=n`` for every number (above 0) a source gives, and ``source=name`` for
    every source that tells it: how an incident that names no place is found (a number
    in common, or one source told by two feeds: the White Helmets' own report and a wire
    story quoting them, whose figures differ when one of them was revised)."""
    event_types: frozenset[str]
    """Its reports' event types other than ``other``, and their subtypes."""
    sources: frozenset[str]
    perpetrators: frozenset[str]


def feed_of(incident: ClassifiedIncident) -> str:
    """The feed a report came from: its ``feed``, else its source stands for it."""
    report = incident.report
    return report.feed or f"source:{' '.join(report.source.name.casefold().split())}"


def _district(name: str | None) -> str | None:
    if not name:
        return None
    words = [w for w in fold(name).split() if w not in ("district", "mintaqat", "markaz", "nahiya")]
    return " ".join(words) or None


def _newest(incident: ClassifiedIncident) -> tuple[object, str]:
    return (incident.report.reported_at, incident.report.report_id)


def subject_of(incident_id: str, reports: Mapping[str, ClassifiedIncident]) -> Subject:
    """The subject of an incident whose current reports are ``reports`` (one per source)."""
    if len(reports) == 1:
        ordered: list[ClassifiedIncident] | tuple[ClassifiedIncident, ...] = tuple(reports.values())
    else:  # newest first; of two as new, the first given (as ``max`` picks)
        ordered = sorted(reports.values(), key=_newest, reverse=True)
    primary = ordered[0]
    country = primary.region.country
    admin1 = primary.region.admin1
    names: list[str] = []
    lat = lon = None
    stated = False
    spans: dict[str, tuple[set[int], int, int, bool]] = {}
    types: set[str] = set()
    sources: set[str] = set()
    perpetrators: set[str] = set()
    feeds: set[str] = set()
    for incident in ordered:
        report = incident.report
        location = report.location
        for name in names_of(country, location.place, admin1):
            if name not in names:
                names.append(name)
        if lat is None and location.lat is not None and location.lon is not None:
            lat, lon, stated = location.lat, location.lon, True
        casualties = report.casualties
        for measure in MEASURES:
            figure = getattr(casualties, measure)
            if figure is None:
                continue
            low, high = figure.pick("low"), figure.pick("high")
            span = spans.get(measure)
            opened = figure.qualifier is Qualifier.AT_LEAST
            if span is None:
                spans[measure] = ({low, high}, low, high, opened)
            else:
                span[0].update((low, high))
                spans[measure] = (span[0], min(span[1], low), max(span[2], high), span[3] or opened)
        if report.event_type is not EventType.OTHER:
            types.add(report.event_type.value)
        if report.event_subtype:
            types.add(report.event_subtype)
        sources.add(fold(report.source.name))
        for perpetrator in report.alleged_perpetrators:
            perpetrators.add(fold(perpetrator))
        feeds.add(feed_of(incident))
    population = 0
    if names:
        place = resolve(country, names[0], admin1)
        if place is not None:
            population = place.population
            if lat is None:
                lat, lon = place.lat, place.lon
    tolls = [f"{m}={n}" for m, (values, *_) in spans.items() for n in values if n]
    tolls += [f"source={name}" for name in sources]
    report = primary.report
    return Subject(
        incident_id=incident_id,
        feeds=frozenset(feeds),
        dataset=min(feeds),
        day=_EPOCH_ORDINAL
        + int(event_position(report.occurred_at, report.occurred_precision)) // 86400,
        admin1=admin1,
        admin2=_district(primary.region.admin2 or report.location.admin2),
        names=tuple(names),
        keys=frozenset(key_of(n) for n in names),
        lat=lat,
        lon=lon,
        stated=stated,
        population=population,
        figures={m: Span(frozenset(v), lo, hi, op) for m, (v, lo, hi, op) in spans.items()},
        tolls=frozenset(tolls),
        event_types=frozenset(types),
        sources=frozenset(sources),
        perpetrators=frozenset(perpetrators),
    )
