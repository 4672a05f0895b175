"""Airwars civilian-harm incidents (CSV flattened from Airwars' case files) -> reports. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import date

from schemas.reports import (
    Casualties,
    EventType,
    IncidentReport,
    Source,
    SourceKind,
    Verification,
)
from services.common.gazetteer.coordinates import located
from tools.importers.fields import (
    ImportResult,
    Row,
    RowError,
    cell,
    clip,
    country_code,
    day_start,
    figure_from_pair,
    map_rows,
    parse_coordinate,
    parse_date,
    require,
    row_digest,
    safe_id,
)

NAME = "airwars"
REQUIRED_COLUMNS = (
    "incident_code",
    "airwars_id",
    "date",
    "date_end",
    "country_ar",
    "region",
    "governorate",
    "location_en",
    "latitude",
    "longitude",
    "belligerent",
    "strike_type",
    "grading",
    "civilians_killed_min",
    "civilians_killed_max",
    "children_killed_min",
    "children_killed_max",
    "women_killed_min",
    "women_killed_max",
    "civilians_injured_min",
    "civilians_injured_max",
    "children_injured_min",
    "children_injured_max",
    "published",
)
SOURCE = Source(name="Airwars", kind=SourceKind.MONITOR)

HELP = """\
Airwars incident -> IncidentReport, one report per row:
  incident_code          incident_id "airwars:<code>" ("CS12 RS34" -> "CS12+RS34"); when
                         blank, "airwars:row-<digest of the row>"
  airwars_id             report_id "airwars:<airwars_id>:<digest of the row>" (same file,
                         same ids; a revised row becomes a revision of the incident)
  date, date_end         occurred_at = date_end when given (a date range), else date; day
                         precision, 00:00 UTC. Blank date or 1970-01-01 (an unset-date
                         placeholder) rejects the row
  published              reported_at; blank or earlier than the incident day (an Airwars
                         data quirk) -> the incident day
  country_ar             location.country via importers/countries.yaml (سوريا -> SYR)
  region                 location.admin1, raw (spellings vary: the gazetteer normalises);
                         governorate when region is blank
  location_en            location.place;  latitude/longitude -> location.lat/lon
  belligerent            alleged_perpetrators (comma-separated list)
  strike_type            any Airstrike -> air_strike; else Drone Strike -> drone_strike;
                         else Artillery / Naval bombardment -> shelling; else Ground
                         operation / Counter-Terrorism Action (Ground) -> armed_clash;
                         blank or other -> other
  grading                verification: Confirmed -> confirmed, Fair -> reported, Weak ->
                         unverified, Contested -> disputed, Discounted -> disputed (Airwars
                         doubts the harm or its attribution; the figures still count),
                         blank -> unverified
  civilians_killed_min/max   killed;  children_killed_min/max -> children_killed;
  women_killed_min/max       women_killed;  civilians_injured_min/max -> injured;
  children_injured_min/max   children_injured.
                         Each pair: both blank -> not reported (never zero); min = max ->
                         exact; min < max -> range; only min -> at least min; only max ->
                         range 0..max; min > max or a negative -> row rejected
Source "Airwars" (monitor).
"""

_GRADING = {
    "confirmed": Verification.CONFIRMED,
    "fair": Verification.REPORTED,
    "weak": Verification.UNVERIFIED,
    "contested": Verification.DISPUTED,
    "discounted": Verification.DISPUTED,
}
_PLACEHOLDER_DAY = date(1970, 1, 1)


def verification(grading: str | None) -> Verification:
    """Several gradings ("Contested, Discounted") take the least confident one."""
    if grading is None:
        return Verification.UNVERIFIED
    order = list(Verification)
    found = []
    for part in grading.split(","):
        value = _GRADING.get(part.strip().casefold())
        if value is None:
            raise RowError("bad_grading", f"grading {grading!r} is not one of {sorted(_GRADING)}")
        found.append(value)
    return max(found, key=order.index)


def event_type(strike_type: str | None) -> EventType:
    kinds = {k.strip().casefold() for k in (strike_type or "").split(",")}
    if any(k.startswith("airstrike") for k in kinds):
        return EventType.AIR_STRIKE
    if "drone strike" in kinds:
        return EventType.DRONE_STRIKE
    if kinds & {"artillery", "naval bombardment"}:
        return EventType.SHELLING
    if kinds & {"ground operation", "counter-terrorism action (ground)"}:
        return EventType.ARMED_CLASH
    return EventType.OTHER


def _day(row: Row) -> date:
    end = cell(row, "date_end")
    day = (
        parse_date(end, "date_end")
        if end
        else parse_date(require(row, "date", "missing_date"), "date")
    )
    if day == _PLACEHOLDER_DAY:
        raise RowError("placeholder_date", "date 1970-01-01 is Airwars' placeholder for no date")
    return day


def to_report(row: Row) -> IncidentReport:
    country = country_code(require(row, "country_ar", "missing_country"))
    occurred = day_start(_day(row))
    digest = row_digest(row)
    code = cell(row, "incident_code")
    incident_id = f"airwars:{safe_id(code)}" if code else f"airwars:row-{digest}"
    native = cell(row, "airwars_id") or code or "row"
    published = cell(row, "published")
    reported = day_start(parse_date(published, "published")) if published else occurred
    belligerents = [
        b.strip()[:200] for b in (cell(row, "belligerent") or "").split(",") if b.strip()
    ]
    url = cell(row, "airwars_url")
    text = " ".join(
        part
        for part in (
            f"Airwars {code or native}",
            f"({cell(row, 'grading') or 'ungraded'},",
            f"{cell(row, 'strike_status') or 'status n/a'}):",
            f"{', '.join(belligerents) or 'unknown belligerent'};",
            f"{cell(row, 'strike_type') or 'strike type n/a'}",
            f"at {cell(row, 'location_en') or '?'}.",
            url,
        )
        if part
    )
    return IncidentReport(
        report_id=f"airwars:{safe_id(native)}:{digest}",
        incident_id=incident_id,
        source=SOURCE,
        reported_at=max(reported, occurred),
        occurred_at=occurred,
        location=located(  # admin1 from the coordinates when the region is missing/wrong
            country,
            clip(cell(row, "region") or cell(row, "governorate")),
            parse_coordinate(row, "latitude", 90),
            parse_coordinate(row, "longitude", 180),
            place=clip(cell(row, "location_en")),
        ),
        event_type=event_type(cell(row, "strike_type")),
        alleged_perpetrators=belligerents,
        casualties=Casualties(
            killed=figure_from_pair(row, "civilians_killed_min", "civilians_killed_max"),
            children_killed=figure_from_pair(row, "children_killed_min", "children_killed_max"),
            women_killed=figure_from_pair(row, "women_killed_min", "women_killed_max"),
            injured=figure_from_pair(row, "civilians_injured_min", "civilians_injured_max"),
            children_injured=figure_from_pair(row, "children_injured_min", "children_injured_max"),
        ),
        verification=verification(cell(row, "grading")),
        text=text,
    )


def rows_to_reports(rows: Iterable[Row]) -> Iterator[ImportResult]:
    return map_rows(rows, to_report)
