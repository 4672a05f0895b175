"""Topic contracts: Figure shapes, IncidentReport validation, JSON Schema files in sync."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from schemas import generate
from schemas.reports import MAX_FIGURE, Figure, IncidentReport, Qualifier

OK_FIGURES: list[tuple[dict[str, Any], str, int, int]] = [
    ({"qualifier": "exact", "value": 7}, "7", 7, 7),
    ({"value": 7}, "7", 7, 7),  # exact is the default qualifier
    ({"qualifier": "at_least", "value": 25}, "at least 25", 25, 25),
    ({"qualifier": "about", "value": 12}, "about 12", 12, 12),
    ({"qualifier": "range", "low": 5, "high": 8}, "5-8", 5, 8),
    ({"qualifier": "range", "low": 4, "high": 4}, "4-4", 4, 4),
    ({"qualifier": "exact", "value": 0}, "0", 0, 0),
    ({"qualifier": "exact", "value": MAX_FIGURE}, str(MAX_FIGURE), MAX_FIGURE, MAX_FIGURE),
]


@pytest.mark.parametrize(("raw", "text", "low", "high"), OK_FIGURES)
def test_figure_shapes_pick_and_describe(
    raw: dict[str, Any], text: str, low: int, high: int
) -> None:
    fig = Figure.model_validate(raw)
    assert (fig.describe(), fig.pick("low"), fig.pick("high"), fig.pick()) == (text, low, high, low)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ({"qualifier": "exact"}, "needs 'value' only"),
        ({"qualifier": "at_least", "value": 3, "low": 1}, "needs 'value' only"),
        ({"qualifier": "about", "value": 3, "high": 9}, "needs 'value' only"),
        ({"qualifier": "range", "low": 5}, "needs 'low' and 'high'"),
        ({"qualifier": "range", "low": 5, "high": 8, "value": 6}, "needs 'low' and 'high'"),
        ({"qualifier": "range", "low": 9, "high": 8}, "range low 9 is above high 8"),
        ({"qualifier": "exact", "value": -1}, "greater than or equal to 0"),
        ({"qualifier": "exact", "value": MAX_FIGURE + 1}, "less than or equal to"),
        ({"qualifier": "roughly", "value": 3}, "Input should be"),
        ({"qualifier": "exact", "value": 3, "note": "x"}, "Extra inputs are not permitted"),
    ],
)
def test_figure_rejects(raw: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        Figure.model_validate(raw)


def test_figure_constructors() -> None:
    assert Figure.exact(3).qualifier is Qualifier.EXACT
    assert Figure.at_least(3).describe() == "at least 3"
    assert Figure.about(3).describe() == "about 3"
    assert Figure.between(1, 2).describe() == "1-2"


def base(**changes: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "report_id": "wh-1",
        "incident_id": "SYR-2024-12-01-idlib",
        "source": {"name": "White Helmets", "kind": "ngo"},
        "reported_at": "2024-12-02T07:30:00Z",
        "occurred_at": "2024-12-01T00:00:00Z",
        "occurred_precision": "day",
        "location": {"country": "SYR", "admin1": "Idlib"},
        "casualties": {"killed": {"qualifier": "at_least", "value": 25}},
    }
    raw.update(changes)
    return raw


def test_a_valid_report_and_its_defaults() -> None:
    rep = IncidentReport.model_validate(base())
    assert rep.schema_version == 1
    assert rep.kind.value == "incident" and rep.verification.value == "reported"
    assert rep.casualties.figure("killed") == Figure.at_least(25)
    assert rep.casualties.figure("injured") is None
    with pytest.raises(KeyError):
        rep.casualties.figure("deaths")


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"reported_at": "2024-12-02T07:30:00"}, "timezone"),
        ({"occurred_at": "2024-12-01T00:00:00"}, "timezone"),
        ({"occurred_at": "2024-12-03T07:30:01Z"}, "a report cannot describe the future"),
        ({"occurred_at": "1899-12-31T00:00:00Z"}, "before 1900"),
        ({"period_start": "2024-11-27T00:00:00Z"}, "period_start is only for kind 'summary'"),
        (
            {"kind": "summary", "period_start": "2024-12-05T00:00:00Z"},
            "period_start is after occurred_at",
        ),
        ({"colour": "red"}, "Extra inputs are not permitted"),
        ({"location": {"country": "SYR", "region": "Idlib"}}, "Extra inputs are not permitted"),
        ({"location": {"country": "Syria"}}, "String should match pattern"),
        ({"report_id": ""}, "at least 1 character"),
        ({"report_id": "has space"}, "String should match pattern"),
        ({"schema_version": 2}, "Input should be 1"),
        ({"occurred_precision": "week"}, "Input should be"),
        ({"location": {"country": "SYR", "lat": 91}}, "less than or equal to 90"),
    ],
)
def test_report_rejects(changes: dict[str, Any], words: str) -> None:
    with pytest.raises(ValidationError, match=words):
        IncidentReport.model_validate(base(**changes))


@pytest.mark.parametrize(
    "changes",
    [
        {"occurred_at": "2024-12-03T07:30:00Z"},  # exactly one day after the report: allowed
        {"occurred_at": "2024-12-01T23:00:00-05:00"},  # an offset is fine when explicit
        {"kind": "summary", "period_start": "2024-11-27T00:00:00Z"},
        {"kind": "summary", "period_start": "2024-12-01T00:00:00Z"},
        {"report_id": "  wh-1  "},  # whitespace is stripped
    ],
)
def test_report_accepts(changes: dict[str, Any]) -> None:
    rep = IncidentReport.model_validate(base(**changes))
    assert rep.report_id == "wh-1"


def test_report_is_frozen() -> None:
    rep = IncidentReport.model_validate(base())
    with pytest.raises(ValidationError):
        rep.report_id = "other"  # type: ignore[misc]


def test_report_json_round_trip() -> None:
    rep = IncidentReport.model_validate(base(occurred_at=datetime(2024, 12, 1, tzinfo=UTC)))
    again = IncidentReport.model_validate_json(rep.model_dump_json())
    assert again == rep
    assert again.reported_at - again.occurred_at == timedelta(days=1, hours=7, minutes=30)


def test_json_schema_files_match_the_models() -> None:
    assert generate.main(["--check"]) == 0
