"""UCDP GED events (CSV, the ucdp-aec layout of ../shared/data) -> IncidentReports. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Source,
    SourceKind,
    Verification,
)
from tools.importers.fields import (
    ImportResult,
    Row,
    RowError,
    cell,
    clip,
    country_code,
    day_start,
    map_rows,
    parse_count,
    parse_date,
    parse_datetime,
    require,
    row_digest,
    safe_id,
)

NAME = "ucdp"
REQUIRED_COLUMNS = (
    "id",
    "start_date",
    "end_date",
    "location_root_name",
    "location_adm1_name",
    "location_adm2_name",
    "location_where_name",
    "side_a_name",
    "side_b_name",
    "deaths_civilian",
    "deaths_best_sum",
    "deaths_low",
    "deaths_high",
    "source_date",
)
SOURCE = Source(name="UCDP GED", kind=SourceKind.MONITOR)

HELP = """\
UCDP GED event -> IncidentReport, one report per row:
  id                     incident_id "ucdp:<id>"; report_id adds a digest of the row (same
                         file, same ids; a revised row becomes a revision)
  start_date, end_date   occurred_at = end_date (the last day the event may have happened;
                         start_date when end_date is blank), day precision, 00:00 UTC;
                         a span (start != end) is noted in the text
  source_date            reported_at (UTC assumed); blank or before the event day -> the
                         event day
  location_root_name     location.country as ISO3 via importers/countries.yaml
  location_adm1_name     location.admin1, raw ("Aleppo governorate": the gazetteer drops
                         "governorate"); location_adm2_name -> admin2;
                         location_where_name -> place
  side_a_name,           alleged_perpetrators (both sides of the dyad, except "Civilians")
  side_b_name            event_type: attack_on_civilians when side_b is "Civilians"
                         (one-sided violence), otherwise other (GED has no event type)
  deaths_low,            killed = range deaths_low..deaths_high when both are present and
  deaths_high,           differ, else exact deaths_best_sum (falling back to low/high when
  deaths_best_sum        it is blank)
  deaths_civilian        not a separate Vigil measure: civilians are part of killed; the
                         split by side (deaths_side_a/b, civilian, unknown) goes to the text
Source "UCDP GED" (monitor); verification: reported. Rows without id, country or dates are
rejected.
"""


def _killed(row: Row) -> Figure | None:
    best = parse_count(row, "deaths_best_sum")
    low, high = parse_count(row, "deaths_low"), parse_count(row, "deaths_high")
    if low is not None and high is not None:
        if low > high:
            raise RowError("bad_figure", f"deaths_low {low} is above deaths_high {high}")
        if low != high:
            return Figure.between(low, high)
    value = best if best is not None else (low if low is not None else high)
    return None if value is None else Figure.exact(value)


def _text(row: Row, start: str, end: str) -> str:
    sides = f"{cell(row, 'side_a_name') or '?'} vs {cell(row, 'side_b_name') or '?'}"
    deaths = ", ".join(
        f"{label} {cell(row, col) or '-'}"
        for label, col in (
            ("side A", "deaths_side_a"),
            ("side B", "deaths_side_b"),
            ("civilians", "deaths_civilian"),
            ("unknown", "deaths_unknown"),
            ("best", "deaths_best_sum"),
            ("low", "deaths_low"),
            ("high", "deaths_high"),
        )
    )
    when = start if start == end else f"{start} to {end}"
    where = cell(row, "location_where_name") or cell(row, "location_adm1_name") or "?"
    return f"UCDP GED event {cell(row, 'id')} ({when}, {where}): {sides}; deaths: {deaths}."


def to_report(row: Row) -> IncidentReport:
    event_id = require(row, "id")
    country = country_code(require(row, "location_root_name", "missing_country"))
    start_text = cell(row, "start_date")
    end_text = cell(row, "end_date") or start_text
    if end_text is None:
        raise RowError("missing_date", "start_date and end_date are blank")
    start = start_text or end_text
    occurred = day_start(parse_date(end_text, "end_date"))
    parse_date(start, "start_date")
    reported_text = cell(row, "source_date")
    reported = occurred if reported_text is None else parse_datetime(reported_text, "source_date")
    sides = [s for s in (cell(row, "side_a_name"), cell(row, "side_b_name")) if s]
    one_sided = (cell(row, "side_b_name") or "").casefold() == "civilians"
    return IncidentReport(
        report_id=f"ucdp:{safe_id(event_id)}:{row_digest(row)}",
        incident_id=f"ucdp:{safe_id(event_id)}",
        source=SOURCE,
        reported_at=max(reported, occurred),
        occurred_at=occurred,
        location=Location(
            country=country,
            admin1=clip(cell(row, "location_adm1_name")),
            admin2=clip(cell(row, "location_adm2_name")),
            place=clip(cell(row, "location_where_name")),
        ),
        event_type=EventType.ATTACK_ON_CIVILIANS if one_sided else EventType.OTHER,
        alleged_perpetrators=[s[:200] for s in sides if s.casefold() != "civilians"],
        casualties=Casualties(killed=_killed(row)),
        verification=Verification.REPORTED,
        text=_text(row, start, end_text),
    )


def rows_to_reports(rows: Iterable[Row]) -> Iterator[ImportResult]:
    return map_rows(rows, to_report)
