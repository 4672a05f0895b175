"""UCDP GED rows -> IncidentReports."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import EventType, Figure, IncidentReport
from tests.unit.test_importers_layouts import UCDP_HEADER, UCDP_ROW, rows_of
from tools.importers import ucdp
from tools.importers.fields import Rejected


def one(**changes: str) -> IncidentReport | Rejected:
    [result] = ucdp.rows_to_reports(rows_of(UCDP_HEADER, UCDP_ROW, changes))
    return result


def report(**changes: str) -> IncidentReport:
    result = one(**changes)
    assert isinstance(result, IncidentReport), result
    return result


def test_a_full_row() -> None:
    r = report()
    assert r.incident_id == "ucdp:900001" and r.report_id.startswith("ucdp:900001:")
    assert r.occurred_at == datetime(2016, 2, 1, tzinfo=UTC)
    assert r.reported_at == datetime(2016, 2, 2, 10, 15, tzinfo=UTC)
    assert r.location.country == "SYR"
    assert r.location.admin1 == "Aleppo governorate"  # raw: the gazetteer normalises
    assert (r.location.admin2, r.location.place) == ("Jabal Saman district", "Test town")
    assert r.alleged_perpetrators == ["Government of Syria", "Syrian insurgents"]
    assert r.event_type is EventType.OTHER
    assert r.casualties.killed == Figure.exact(9)
    assert r.casualties.children_killed is None
    assert r.source.name == "UCDP GED"
    assert r.text is not None and "civilians 4" in r.text


@pytest.mark.parametrize(
    ("cells", "killed"),
    [
        ({"deaths_low": "5", "deaths_high": "12", "deaths_best_sum": "9"}, Figure.between(5, 12)),
        ({"deaths_low": "9", "deaths_high": "9", "deaths_best_sum": "9"}, Figure.exact(9)),
        ({"deaths_low": "", "deaths_high": "", "deaths_best_sum": "0"}, Figure.exact(0)),
        ({"deaths_low": "4", "deaths_high": "", "deaths_best_sum": ""}, Figure.exact(4)),
        ({"deaths_low": "", "deaths_high": "", "deaths_best_sum": ""}, None),
    ],
)
def test_killed_mapping(cells: dict[str, str], killed: Figure | None) -> None:
    assert report(**cells).casualties.killed == killed


def test_a_span_sits_on_its_last_day_and_is_noted() -> None:
    r = report(start_date="2016-01-28", end_date="2016-02-01")
    assert r.occurred_at == datetime(2016, 2, 1, tzinfo=UTC)
    assert r.text is not None and "2016-01-28 to 2016-02-01" in r.text


def test_one_sided_violence_and_reported_before_the_event() -> None:
    r = report(side_b_name="Civilians", source_date="2016-01-01 00:00")
    assert r.event_type is EventType.ATTACK_ON_CIVILIANS
    assert r.alleged_perpetrators == ["Government of Syria"]
    assert r.reported_at == r.occurred_at


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"start_date": "", "end_date": ""}, "missing_date"),
        ({"end_date": "01/02/2016"}, "bad_date"),
        ({"location_root_name": ""}, "missing_country"),
        ({"location_root_name": "Atlantis"}, "unknown_country"),
        ({"deaths_low": "-1"}, "bad_figure"),
        ({"deaths_low": "10", "deaths_high": "3"}, "bad_figure"),
        ({"id": ""}, "missing_id"),
    ],
)
def test_rejections(changes: dict[str, str], kind: str) -> None:
    result = one(**changes)
    assert isinstance(result, Rejected) and result.kind == kind, result


def test_blank_admin1_is_kept_blank() -> None:
    assert report(location_adm1_name="").location.admin1 is None
