"""ACLED event export (CSV, ACLED's own column layout) -> IncidentReports. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime

from schemas.reports import (
    Casualties,
    EventType,
    Figure,
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
    map_rows,
    parse_coordinate,
    parse_count,
    parse_date,
    require,
    row_digest,
    safe_id,
)

NAME = "acled"
REQUIRED_COLUMNS = (
    "event_id_cnty",
    "event_date",
    "event_type",
    "sub_event_type",
    "actor1",
    "actor2",
    "country",
    "admin1",
    "admin2",
    "location",
    "latitude",
    "longitude",
    "source",
    "notes",
    "fatalities",
)
SOURCE = Source(name="ACLED", kind=SourceKind.MONITOR)

HELP = """\
ACLED export -> IncidentReport, one report per row:
  event_id_cnty          incident_id "acled:<event_id_cnty>"; report_id adds a digest of
                         the row, so re-importing a file gives the same ids and a revised
                         row (new timestamp or figures) becomes a revision of the incident;
                         when blank, "acled:data-<data_id>"
  event_date             occurred_at, day precision (00:00 UTC); "2020-05-09" or "9-May-20"
  timestamp (optional)   reported_at (ACLED's upload time, Unix seconds); when absent,
                         reported_at = the event day
  country                location.country as ISO3 via importers/countries.yaml (unknown
                         country: row rejected)
  admin1, admin2         location.admin1/admin2, raw (the gazetteer normalises later)
  location               location.place;  latitude/longitude -> location.lat/lon
  event_type,            Air/drone strike -> drone_strike if notes mention a drone/UAV,
  sub_event_type         else air_strike; Shelling/artillery/missile attack -> shelling;
                         Armed clash -> armed_clash; Remote explosive/landmine/IED,
                         Grenade, Suicide bomb -> explosion; any "Violence against
                         civilians" -> attack_on_civilians; Government regains territory,
                         Non-state actor overtakes territory, Non-violent transfer of
                         territory -> territorial_change; anything else -> other
  actor1, actor2         alleged_perpetrators (actors named "Civilians (...)" are victims
                         and left out)
  source                 kept in the text; the report's source is "ACLED" (monitor), so a
                         revised row replaces ACLED's figures instead of adding a source
  fatalities             casualties.killed, exact (ACLED's best estimate; 0 is exact 0)
  notes                  text
Verification: reported. Rows without an id (event_id_cnty or data_id), country or
event_date are rejected.
"""

_EXPLOSIONS = {"remote explosive/landmine/ied", "grenade", "suicide bomb"}
_TERRITORY = {
    "government regains territory",
    "non-state actor overtakes territory",
    "non-violent transfer of territory",
}
_DRONE = re.compile(r"\b(drones?|uavs?|uas|unmanned)\b", re.IGNORECASE)


def event_type(event: str | None, sub_event: str | None, notes: str | None) -> EventType:
    sub = (sub_event or "").casefold()
    if sub == "air/drone strike":
        return EventType.DRONE_STRIKE if _DRONE.search(notes or "") else EventType.AIR_STRIKE
    if sub == "shelling/artillery/missile attack":
        return EventType.SHELLING
    if sub == "armed clash":
        return EventType.ARMED_CLASH
    if sub in _EXPLOSIONS:
        return EventType.EXPLOSION
    if sub in _TERRITORY:
        return EventType.TERRITORIAL_CHANGE
    if (event or "").casefold() == "violence against civilians":
        return EventType.ATTACK_ON_CIVILIANS
    return EventType.OTHER


def _reported_at(row: Row, occurred: datetime) -> datetime:
    stamp = cell(row, "timestamp")
    if stamp is None:
        return occurred
    try:
        return datetime.fromtimestamp(int(stamp), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise RowError("bad_timestamp", f"timestamp {stamp!r} is not Unix seconds") from None


def _data_id(row: Row) -> str:
    data_id = cell(row, "data_id")
    if data_id is None:
        raise RowError("missing_event_id", "event_id_cnty and data_id are blank")
    return f"data-{data_id}"


def to_report(row: Row) -> IncidentReport:
    event_id = cell(row, "event_id_cnty") or _data_id(row)
    country = country_code(require(row, "country"))
    occurred = day_start(parse_date(require(row, "event_date"), "event_date"))
    notes = cell(row, "notes")
    actors = [a for a in (cell(row, "actor1"), cell(row, "actor2")) if a]
    fatalities = parse_count(row, "fatalities")
    sources = cell(row, "source")
    text = "\n".join(t for t in (notes, f"Sources: {sources}" if sources else None) if t)
    return IncidentReport(
        report_id=f"acled:{safe_id(event_id)}:{row_digest(row)}",
        incident_id=f"acled:{safe_id(event_id)}",
        source=SOURCE,
        reported_at=_reported_at(row, occurred),
        occurred_at=occurred,
        location=located(  # admin1 from the coordinates when the region is missing/wrong
            country,
            clip(cell(row, "admin1")),
            parse_coordinate(row, "latitude", 90),
            parse_coordinate(row, "longitude", 180),
            admin2=clip(cell(row, "admin2")),
            place=clip(cell(row, "location")),
        ),
        event_type=event_type(cell(row, "event_type"), cell(row, "sub_event_type"), notes),
        alleged_perpetrators=[a[:200] for a in actors if not a.casefold().startswith("civilians")],
        casualties=Casualties(killed=None if fatalities is None else Figure.exact(fatalities)),
        verification=Verification.REPORTED,
        text=text or None,
    )


def rows_to_reports(rows: Iterable[Row]) -> Iterator[ImportResult]:
    return map_rows(rows, to_report)
