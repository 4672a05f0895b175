"""Airwars rows -> IncidentReports: min/max pairs, grading, strike types, dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import EventType, Figure, IncidentReport, Verification
from tests.unit.test_importers_layouts import AIRWARS_HEADER, AIRWARS_ROW, rows_of
from tools.importers import airwars
from tools.importers.fields import Rejected


def one(**changes: str) -> IncidentReport | Rejected:
    [result] = airwars.rows_to_reports(rows_of(AIRWARS_HEADER, AIRWARS_ROW, changes))
    return result


def report(**changes: str) -> IncidentReport:
    result = one(**changes)
    assert isinstance(result, IncidentReport), result
    return result


def test_a_full_row() -> None:
    r = report()
    assert r.incident_id == "airwars:RS9001" and r.report_id.startswith("airwars:990001:")
    assert r.occurred_at == datetime(2017, 3, 4, tzinfo=UTC)
    assert r.reported_at == datetime(2017, 3, 6, tzinfo=UTC)
    assert r.location.country == "SYR" and r.location.admin1 == "Idleb"
    assert r.location.place == "Test village"
    assert r.casualties.killed == Figure.between(4, 6)
    assert r.casualties.children_killed == Figure.exact(2)
    assert r.casualties.women_killed is None and r.casualties.injured is None
    assert r.alleged_perpetrators == ["Russian Military"]
    assert r.event_type is EventType.AIR_STRIKE
    assert r.verification is Verification.REPORTED
    assert r.source.name == "Airwars"


@pytest.mark.parametrize(
    ("low", "high", "figure"),
    [
        ("3", "3", Figure.exact(3)),
        ("0", "0", Figure.exact(0)),
        ("2", "9", Figure.between(2, 9)),
        ("", "", None),  # blank means not reported, never zero
        ("4", "", Figure.at_least(4)),
        ("", "5", Figure.between(0, 5)),
    ],
)
def test_min_max_pairs(low: str, high: str, figure: Figure | None) -> None:
    r = report(
        women_killed_min=low,
        women_killed_max=high,
        civilians_injured_min=low,
        civilians_injured_max=high,
        children_injured_min=low,
        children_injured_max=high,
    )
    assert r.casualties.women_killed == figure
    assert r.casualties.injured == figure
    assert r.casualties.children_injured == figure


@pytest.mark.parametrize(
    ("grading", "verification"),
    [
        ("Confirmed", Verification.CONFIRMED),
        ("Fair", Verification.REPORTED),
        ("Weak", Verification.UNVERIFIED),
        ("Contested", Verification.DISPUTED),
        ("Discounted", Verification.DISPUTED),
        ("Contested, Discounted", Verification.DISPUTED),
        ("", Verification.UNVERIFIED),
    ],
)
def test_grading(grading: str, verification: Verification) -> None:
    assert report(grading=grading).verification is verification


@pytest.mark.parametrize(
    ("strike", "event_type"),
    [
        ("Airstrike", EventType.AIR_STRIKE),
        ("Airstrike and/or Artillery", EventType.AIR_STRIKE),
        ("Drone Strike, Airstrike", EventType.AIR_STRIKE),
        ("Drone Strike", EventType.DRONE_STRIKE),
        ("Artillery", EventType.SHELLING),
        ("Naval bombardment", EventType.SHELLING),
        ("Counter-Terrorism Action (Ground)", EventType.ARMED_CLASH),
        ("", EventType.OTHER),
    ],
)
def test_strike_types(strike: str, event_type: EventType) -> None:
    assert airwars.event_type(strike) is event_type


def test_dates() -> None:
    assert report(date_end="2017-03-05").occurred_at == datetime(2017, 3, 5, tzinfo=UTC)
    early = report(published="2017-02-01")  # published before the incident: a data quirk
    assert early.reported_at == early.occurred_at


def test_codes_and_ids() -> None:
    assert report(incident_code="CS12 RS34").incident_id == "airwars:CS12+RS34"
    no_code = report(incident_code="")
    assert no_code.incident_id.startswith("airwars:row-")
    assert no_code.incident_id == report(incident_code="").incident_id
    assert report().report_id == report().report_id
    assert report(civilians_killed_max="7").report_id != report().report_id
    assert report(belligerent="Russian Military, U.S.-led Coalition").alleged_perpetrators == [
        "Russian Military",
        "U.S.-led Coalition",
    ]


@pytest.mark.parametrize(
    ("changes", "kind"),
    [
        ({"date": ""}, "missing_date"),
        ({"date": "1970-01-01"}, "placeholder_date"),
        ({"date": "March 4th"}, "bad_date"),
        ({"country_ar": ""}, "missing_country"),
        ({"children_killed_min": "3", "children_killed_max": "2"}, "bad_figure"),
        ({"civilians_killed_min": "-1"}, "bad_figure"),
        ({"longitude": "4239.00416"}, "bad_coordinate"),
        ({"grading": "Excellent"}, "bad_grading"),
        ({"date": "1850-01-01"}, "invalid_report"),
    ],
)
def test_rejections(changes: dict[str, str], kind: str) -> None:
    result = one(**changes)
    assert isinstance(result, Rejected) and result.kind == kind, result
