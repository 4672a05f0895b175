"""ACLED rows -> IncidentReports: ids, dates, countries, event types, figures, rejections."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from schemas.reports import EventType, Figure, IncidentReport, SourceKind, Verification
from tests.unit.test_importers_layouts import ACLED_HEADER, ACLED_ROW, csv_text, read_rows, rows_of
from tools.importers import acled
from tools.importers.fields import Rejected


def one(**changes: str) -> IncidentReport | Rejected:
    [result] = acled.rows_to_reports(rows_of(ACLED_HEADER, ACLED_ROW, changes))
    return result


def report(**changes: str) -> IncidentReport:
    result = one(**changes)
    assert isinstance(result, IncidentReport), result
    return result


def rejection(**changes: str) -> Rejected:
    result = one(**changes)
    assert isinstance(result, Rejected), result
    return result


def test_a_full_row() -> None:
    r = report()
    assert r.incident_id == "acled:SYR90001"
    assert r.report_id.startswith("acled:SYR90001:")
    assert r.occurred_at == datetime(2020, 5, 9, tzinfo=UTC)
    assert r.reported_at == datetime.fromtimestamp(1589229240, UTC)
    assert r.location.country == "SYR"
    assert (r.location.admin1, r.location.admin2, r.location.place) == (
        "Idleb",
        "Ariha",
        "Test Village",
    )
    assert (r.location.lat, r.location.lon) == (35.8, 36.6)
    assert r.event_type is EventType.AIR_STRIKE
    assert r.alleged_perpetrators == ["Military Forces of Russia (2000-)"]  # civilians are victims
    assert r.casualties.killed == Figure.exact(3)
    assert r.source.name == "ACLED" and r.source.kind is SourceKind.MONITOR
    assert r.verification is Verification.REPORTED
    assert r.text is not None and "warplanes" in r.text and "SOHR; Smart News Agency" in r.text


@pytest.mark.parametrize("text", ["9-May-20", "2020-05-09", "09-May-2020", "9 May 2020"])
def test_both_date_forms(text: str) -> None:
    assert report(event_date=text).occurred_at == datetime(2020, 5, 9, tzinfo=UTC)


def test_ids_are_deterministic_and_revisions_get_new_report_ids() -> None:
    text = csv_text(ACLED_HEADER, [ACLED_ROW, {**ACLED_ROW, "event_id_cnty": "SYR90002"}])
    first = [r.report_id for r in acled.rows_to_reports(read_rows(text))]  # type: ignore[union-attr]
    second = [r.report_id for r in acled.rows_to_reports(read_rows(text))]  # type: ignore[union-attr]
    assert first == second and len(set(first)) == 2
    revised = report(fatalities="5")
    assert revised.incident_id == report().incident_id
    assert revised.report_id != report().report_id


def test_figures() -> None:
    assert report(fatalities="0").casualties.killed == Figure.exact(0)
    assert report(fatalities="").casualties.killed is None
    assert rejection(fatalities="-2").kind == "bad_figure"
    assert rejection(fatalities="many").kind == "bad_figure"


@pytest.mark.parametrize(
    ("changes", "kind", "words"),
    [
        ({"event_date": ""}, "missing_event_date", "event_date is blank"),
        ({"event_date": "31-Feb-20"}, "bad_date", "31-Feb-20"),
        ({"country": "Narnia"}, "unknown_country", "Narnia"),
        ({"country": ""}, "missing_country", "country"),
        ({"event_id_cnty": "", "data_id": ""}, "missing_event_id", "data_id"),
        ({"latitude": "95"}, "bad_coordinate", "latitude"),
        ({"timestamp": "soon"}, "bad_timestamp", "soon"),
        ({"event_date": "9-May-20", "timestamp": "1500000000"}, "invalid_report", "future"),
    ],
)
def test_bad_rows_are_rejected_with_reasons(changes: dict[str, str], kind: str, words: str) -> None:
    rejected = rejection(**changes)
    assert rejected.row == 1 and rejected.kind == kind and words in rejected.reason


def test_a_truncated_row_is_rejected_not_dropped() -> None:
    text = csv_text(ACLED_HEADER, [ACLED_ROW]) + "7078454,608,PHL10453,10453,27-Apr-20,2020\n"
    results = list(acled.rows_to_reports(read_rows(text)))
    assert isinstance(results[0], IncidentReport)
    assert results[1] == Rejected(2, "missing_country", "country is blank")


def test_country_names_and_fallbacks() -> None:
    assert report(country="Romania").location.country == "ROU"
    assert report(country="  democratic republic of CONGO ").location.country == "COD"
    assert report(event_id_cnty="").incident_id == "acled:data-9000001"
    no_stamp = report(timestamp="")
    assert no_stamp.reported_at == no_stamp.occurred_at


@pytest.mark.parametrize(
    ("event", "sub", "notes", "expected"),
    [
        ("Explosions/Remote violence", "Air/drone strike", "jets struck", EventType.AIR_STRIKE),
        (
            "Explosions/Remote violence",
            "Air/drone strike",
            "a Turkish drone hit",
            EventType.DRONE_STRIKE,
        ),
        ("Explosions/Remote violence", "Shelling/artillery/missile attack", "", EventType.SHELLING),
        ("Battles", "Armed clash", "", EventType.ARMED_CLASH),
        ("Explosions/Remote violence", "Remote explosive/landmine/IED", "", EventType.EXPLOSION),
        ("Violence against civilians", "Attack", "", EventType.ATTACK_ON_CIVILIANS),
        (
            "Violence against civilians",
            "Abduction/forced disappearance",
            "",
            EventType.ATTACK_ON_CIVILIANS,
        ),
        ("Battles", "Government regains territory", "", EventType.TERRITORIAL_CHANGE),
        (
            "Strategic developments",
            "Non-violent transfer of territory",
            "",
            EventType.TERRITORIAL_CHANGE,
        ),
        ("Protests", "Peaceful protest", "", EventType.OTHER),
    ],
)
def test_event_types(event: str, sub: str, notes: str, expected: EventType) -> None:
    assert acled.event_type(event, sub, notes) is expected
