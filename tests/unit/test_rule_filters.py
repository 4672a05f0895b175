"""Rules choose what they count: by event type or subtype (by default no protest,
territorial change or displacement), source kind and verification (issue 11)."""

from __future__ import annotations

from pathlib import Path

import pytest

from schemas.alerts import Transition
from schemas.reports import EventType, IncidentReport, Source, SourceKind, Verification
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.filters import (
    DEFAULT_EVENT_TYPES,
    NO_FILTER,
    Choice,
    ReportFilter,
    parse_filter,
)
from services.aggregator.domain.rules import load_rules, parse_rules
from services.common.errors import ConfigError
from tests.factories import classified, report

REPO_RULES = Path(__file__).parents[2] / "services" / "aggregator" / "rules.yaml"


def typed(
    report_id: str,
    kind: EventType,
    subtype: str | None = None,
    *,
    hours: float = 0.0,
    source_kind: SourceKind = SourceKind.NGO,
    verification: Verification = Verification.REPORTED,
    killed: int | None = None,
    region: str = "Sindh",
    country: str = "PAK",
) -> IncidentReport:
    base = report(
        report_id,
        region=region,
        country=country,
        hours=hours,
        killed=killed,
        verification=verification,
    )
    return base.model_copy(
        update={
            "event_type": kind,
            "event_subtype": subtype,
            "source": Source(name="ACLED", kind=source_kind),
        }
    )


PROTEST = typed("p", EventType.OTHER, "protest")
RIOT = typed("r", EventType.OTHER, "riot")
STRIKE = typed("s", EventType.AIR_STRIKE)
CAPTURE = typed("c", EventType.TERRITORIAL_CHANGE)
FLIGHT = typed("d", EventType.DISPLACEMENT)


def test_the_default_filter_leaves_out_protests_territorial_change_and_displacement() -> None:
    default = ReportFilter()
    assert default.event_types == DEFAULT_EVENT_TYPES
    assert [default.admits(r) for r in (PROTEST, RIOT, STRIKE, CAPTURE, FLIGHT)] == [
        False,
        True,  # a riot can kill: counted unless a rule says otherwise
        True,
        False,
        False,
    ]
    assert all(NO_FILTER.admits(r) for r in (PROTEST, RIOT, STRIKE, CAPTURE, FLIGHT))


@pytest.mark.parametrize(
    ("raw", "admitted"),
    [
        ({}, "rs"),
        ({"event_types": "any"}, "prscd"),
        ({"event_types": ["air_strike"]}, "s"),
        ({"event_types": {"include": ["protest", "riot"]}}, "pr"),  # subtypes match too
        ({"event_types": {"exclude": ["other"]}}, "scd"),
        ({"source_kinds": {"exclude": ["government"]}}, "rs"),
        ({"source_kinds": ["government"]}, ""),
        ({"verification": {"exclude": ["reported"]}}, ""),
        ({"event_types": "any", "verification": ["reported"]}, "prscd"),
    ],
)
def test_parse_filter_event_types_source_kinds_verification(
    raw: dict[str, object], admitted: str
) -> None:
    counts = parse_filter(raw)
    got = "".join(r.report_id for r in (PROTEST, RIOT, STRIKE, CAPTURE, FLIGHT) if counts.admits(r))
    assert got == admitted


def test_source_kind_and_verification_filters() -> None:
    counts = parse_filter(
        {"source_kinds": {"exclude": ["government"]}, "verification": {"exclude": ["disputed"]}}
    )
    assert counts.admits(STRIKE)
    assert not counts.admits(typed("g", EventType.AIR_STRIKE, source_kind=SourceKind.GOVERNMENT))
    assert not counts.admits(typed("x", EventType.AIR_STRIKE, verification=Verification.DISPUTED))


def test_filters_name_their_sums() -> None:
    assert ReportFilter().key == "t-displacement,protest,territorial_change"
    assert NO_FILTER.key == ""
    assert Choice(frozenset({"air_strike", "shelling"}), True).text == "+air_strike,shelling"
    both = parse_filter({"event_types": ["shelling"], "source_kinds": {"exclude": ["media"]}})
    assert both.key == "t+shelling;k-media"


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("event_types: [protests]", "event_types: 'protests' is not one of"),
        ("event_types: everything", "event_types must be 'any', a list"),
        ("event_types: {include: [air_strike], exclude: [protest]}", "must be 'any'"),
        ("event_types: {only: [air_strike]}", "expected include or exclude"),
        ("event_types: {exclude: []}", "non-empty list"),
        ("event_types: [3]", "3 is not a name"),
        ("source_kinds: [army]", "source_kinds: 'army' is not one of"),
        ("verification: {exclude: [fake]}", "verification: 'fake' is not one of"),
    ],
)
def test_bad_filters_are_config_errors_naming_the_rule(line: str, words: str) -> None:
    text = f"""\
rules:
  - name: r
    measure: incidents
    window: 24h
    {line}
    levels: [{{name: w, threshold: 2}}]
"""
    with pytest.raises(ConfigError) as info:
        parse_rules(text, "f.yaml")
    assert str(info.value).startswith("f.yaml:2: rule 'r'"), str(info.value)
    assert words in str(info.value)


def test_every_shipped_rule_leaves_out_protests_territorial_change_and_displacement() -> None:
    for rule in load_rules(REPO_RULES).rules:
        assert not any(rule.counts.admits(r) for r in (PROTEST, CAPTURE, FLIGHT)), rule.name
        assert rule.counts.admits(STRIKE), rule.name


SINDH_RULES = """
rules:
  - {name: incidents_24h, measure: incidents, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 10}]}
  - {name: gatherings_24h, measure: incidents, window: 24h, group_by: [country, admin1],
     event_types: [protest, riot], levels: [{name: warning, threshold: 10}]}
"""


def run(*reports: IncidentReport) -> list[tuple[str, Transition, int]]:
    engine = Engine(EngineConfig(rules=parse_rules(SINDH_RULES)))
    out = []
    for rep in reports:
        out += [
            (a.rule, a.transition, a.value) for a in engine.process(classified(rep), 0).transitions
        ]
    return out


def test_ten_peaceful_protests_do_not_fire_incidents_24h_but_a_protest_rule_counts_them() -> None:
    """ACLED, Pakistan, Sindh: ten peaceful protests are no ten incidents of violence."""
    protests = [typed(f"p{i}", EventType.OTHER, "protest", hours=i) for i in range(10)]
    assert run(*protests) == [("gatherings_24h", Transition.FIRED, 10)]


def test_violent_incidents_fire_incidents_24h_and_protests_do_not_add_to_them() -> None:
    strikes = [typed(f"s{i}", EventType.SHELLING, hours=i) for i in range(9)]
    protests = [typed(f"p{i}", EventType.OTHER, "protest", hours=i) for i in range(5)]
    assert run(*strikes, *protests) == []
    assert run(*strikes, *protests, typed("s9", EventType.ARMED_CLASH, hours=9)) == [
        ("incidents_24h", Transition.FIRED, 10)
    ]


def test_a_revision_into_a_protest_takes_the_incident_out_of_the_count() -> None:
    """A report revised from clash to protest (same incident, newer report) leaves the
    incident count exactly as a revision of its figure would."""
    engine = Engine(EngineConfig(rules=parse_rules(SINDH_RULES)))
    clashes = [typed(f"s{i}", EventType.ARMED_CLASH, hours=i) for i in range(10)]
    fired = [a for rep in clashes for a in engine.process(classified(rep), 0).transitions]
    assert [(a.rule, a.transition) for a in fired] == [("incidents_24h", Transition.FIRED)]
    revised = typed("s9", EventType.OTHER, "protest", hours=9).model_copy(
        update={
            "report_id": "s9-rev",
            "incident_id": "s9",
            "reported_at": clashes[9].reported_at.replace(hour=23),
        }
    )
    moved = engine.process(classified(revised), 0).transitions
    assert [(a.rule, a.transition, a.value) for a in moved] == [
        ("incidents_24h", Transition.RESOLVED, 9)
    ]
