"""Classifier rules: severity and reasons from severity.yaml, region, summaries."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from schemas.incidents import ClassifiedIncident, Severity
from schemas.reports import Casualties, EventType, Figure, IncidentReport, ReportKind
from services.classifier.logic import (
    classify,
    encode_classified,
    load_severity,
    parse_severity,
    severity_of,
)
from services.common.errors import ConfigError
from services.common.gazetteer import Gazetteer
from tests.factories import report

SEVERITY_FILE = Path(__file__).parents[2] / "services" / "classifier" / "severity.yaml"
RULES = load_severity(SEVERITY_FILE)
GAZ = Gazetteer.default()


def typed(rep: IncidentReport, event_type: EventType) -> IncidentReport:
    return rep.model_copy(update={"event_type": event_type})


@pytest.mark.parametrize(
    ("rep", "severity", "reasons"),
    [
        (
            report("r", killed=Figure.at_least(25), children=Figure.at_least(10)),
            Severity.CRITICAL,
            ["killed at least 25 >= 25", "children_killed at least 10 >= 10"],
        ),
        (
            report("r", killed=24, children=9),
            Severity.HIGH,
            ["killed 24 >= 10", "children_killed 9 >= 1"],
        ),
        (report("r", children=10), Severity.CRITICAL, ["children_killed 10 >= 10"]),
        # figures count by their low end: "between 20 and 30" is not >= 25
        (report("r", killed=Figure.between(20, 30)), Severity.HIGH, ["killed 20-30 >= 10"]),
        (report("r", killed=Figure.about(25)), Severity.CRITICAL, ["killed about 25 >= 25"]),
        (report("r", injured=50), Severity.HIGH, ["injured 50 >= 50"]),
        (report("r", killed=1), Severity.MEDIUM, ["killed 1 >= 1"]),
        (report("r", injured=5), Severity.MEDIUM, ["injured 5 >= 5"]),
        (report("r", injured=4), Severity.LOW, ["injured 4 >= 1"]),
        (
            report("r", killed=0, children=0),
            Severity.NONE,
            ["no casualty figure or violent event type"],
        ),
        (report("r"), Severity.NONE, ["no casualty figure or violent event type"]),
        (typed(report("r"), EventType.AIR_STRIKE), Severity.LOW, ["event type air_strike"]),
        (
            typed(report("r"), EventType.DISPLACEMENT),
            Severity.NONE,
            ["no casualty figure or violent event type"],
        ),
        (
            typed(report("r"), EventType.TERRITORIAL_CHANGE),
            Severity.NONE,
            ["no casualty figure or violent event type"],
        ),
        (
            typed(report("r", injured=3), EventType.SHELLING),
            Severity.LOW,
            ["injured 3 >= 1", "event type shelling"],
        ),
    ],
)
def test_severity_table(rep: IncidentReport, severity: Severity, reasons: list[str]) -> None:
    assert severity_of(rep, RULES) == (severity, reasons)


def test_women_killed_is_high() -> None:
    rep = report("r").model_copy(
        update={
            "casualties": report("r").casualties.model_copy(
                update={"women_killed": Figure.exact(5)}
            )
        }
    )
    assert severity_of(rep, RULES) == (Severity.HIGH, ["women_killed 5 >= 5"])


def test_classify_normalises_the_region() -> None:
    out = classify(report("r", region="Idleb", children=1), GAZ, RULES)
    assert out.region.key == "SYR/Idlib" and out.region.known
    assert out.severity is Severity.HIGH
    assert out.reasons == ["children_killed 1 >= 1"]
    assert out.report.location.admin1 == "Idleb"  # the report itself is kept as given


def test_summary_is_flagged() -> None:
    out = classify(report("r", killed=56, kind=ReportKind.SUMMARY), GAZ, RULES)
    assert out.severity is Severity.CRITICAL
    assert out.reasons[-1] == "summary of a period: kept for context, never counted"


def test_unknown_region_is_kept_and_explained() -> None:
    out = classify(report("r", region="Atlantis   Mare", killed=1), GAZ, RULES)
    assert (out.region.admin1, out.region.known) == ("Atlantis Mare", False)
    assert out.reasons == [
        "killed 1 >= 1",
        "region 'Atlantis   Mare' not in the gazetteer: counted under its raw name",
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("levels: [", "not valid YAML"),
        ("[]", "expected a mapping with a 'levels' mapping"),
        ("levels: [a]", "expected a mapping with a 'levels' mapping"),
        ("levels: {urgent: [{measure: killed, at_least: 1}]}", "level 'urgent' is not one of"),
        ("levels: {high: []}", "level 'high' needs a list of conditions"),
        ("levels: {high: {measure: killed}}", "level 'high' needs a list of conditions"),
        ("levels: {high: [{measure: deaths, at_least: 1}]}", "measure 'deaths' not in"),
        ("levels: {high: [{measure: killed, at_least: -1}]}", "at_least must be a whole number"),
        ("levels: {high: [{measure: killed, at_least: 1.5}]}", "at_least must be a whole number"),
        ("levels: {high: [{measure: killed}]}", "must be {measure, at_least} or {event_type}"),
        ("levels: {high: [{event_type: [bombing]}]}", "event_type must be a list from"),
        ("levels: {high: [{event_type: shelling}]}", "event_type must be a list from"),
        ("levels: {high: [{event_type: [shelling], measure: killed}]}", "must be {measure"),
    ],
)
def test_parse_severity_errors(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_severity(text, "sev.yaml")
    assert str(info.value).startswith("sev.yaml")
    assert words in str(info.value)


def test_levels_are_checked_in_file_order() -> None:
    rules = parse_severity(
        "levels:\n"
        "  low: [{measure: killed, at_least: 1}]\n"
        "  high: [{measure: killed, at_least: 1}]\n"
    )
    assert severity_of(report("r", killed=5), rules)[0] is Severity.LOW


def test_load_severity_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read severity file"):
        load_severity(tmp_path / "missing.yaml")


def test_parse_severity_rejects_a_none_level() -> None:
    with pytest.raises(ConfigError, match="level 'none' is not one of"):
        parse_severity("levels: {none: [{measure: killed, at_least: 1}]}", "sev.yaml")


@pytest.mark.parametrize(
    "raw",
    [
        report("r1", children=3, killed=12).model_dump_json(),
        # as a producer may write it: spaced, indented, non-ASCII, nulls spelled out
        json.dumps(
            json.loads(report("r2", region="إدلب", killed=4).model_dump_json()),
            indent=2,
            ensure_ascii=False,
        ),
        report("s1", kind=ReportKind.SUMMARY, killed=40).model_dump_json(exclude_none=True),
    ],
)
def test_encoded_incident_embeds_the_report_as_it_arrived(raw: str) -> None:
    rep = IncidentReport.model_validate_json(raw)
    incident = classify(rep, Gazetteer.default(), RULES)
    encoded = encode_classified(incident, raw)
    assert raw in encoded.decode()
    decoded = ClassifiedIncident.model_validate_json(encoded)
    assert decoded.model_dump() == incident.model_dump()


def test_civilian_figures_weigh_as_all_deaths() -> None:
    """Airwars states civilians only (civilians_killed, no killed): severity still sees them."""
    civilians = report("r").model_copy(
        update={"casualties": Casualties(civilians_killed=Figure.between(26, 30))}
    )
    assert severity_of(civilians, RULES) == (
        Severity.CRITICAL,
        ["civilians_killed 26-30 >= 25"],
    )
