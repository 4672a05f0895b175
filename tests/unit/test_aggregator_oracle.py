"""Property: for any stream (shuffled, duplicated, revised, several sources, several
countries, late, from the future, report_ids reused with other content, ticks) the
engine's alert transitions and each report's outcome equal the brute-force oracle's,
input by input."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schemas.incidents import ClassifiedIncident
from schemas.reports import EventType, Figure, IncidentReport, Precision, ReportKind, Source
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.linking.groups import Decision, pair
from services.aggregator.domain.linking.scoring import LinkPolicy, LinkSettings
from services.aggregator.domain.rules import parse_rules
from services.aggregator.settings import AggregatorSettings
from services.common.eventtime import FutureGuard
from tests.factories import T0, classified, report
from tests.integration.crash_helpers import (
    LATENESS,
    RULES_YAML,
    UNRELIABLE,
    WALL,
    as_transition,
    generate_stream,
    oracle_transitions,
)
from tests.unit.oracle import Oracle

RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 3}, {name: critical, threshold: 6, resolve_below: 4}]}
  - {name: killed_48h_high, measure: killed, window: 48h, group_by: [country], figure: high,
     levels: [{name: warning, threshold: 8}, {name: critical, threshold: 15}]}
  - {name: incidents_12h, measure: incidents, window: 12h, group_by: [country, admin1, admin2],
     levels: [{name: warning, threshold: 2}]}
  - {name: strikes_24h, measure: killed, window: 24h, group_by: [country, admin1],
     event_types: [air_strike, shelling], levels: [{name: warning, threshold: 4}]}
  - {name: all_incidents_24h, measure: incidents, window: 24h, group_by: [country],
     event_types: any, levels: [{name: warning, threshold: 3}]}
"""
)
CONFIG = EngineConfig(
    rules=RULES,
    lateness_seconds=4 * 86400,
    idle_after_seconds=600,
    unreliable_sources=frozenset({"Rumour Mill"}),
    guard=FutureGuard(12 * 3600.0),
    id_retention_seconds=0,  # as short as allowed: lateness + the longest window
)
REGIONS = {"SYR": ["Idlib", "Idleb", "Aleppo", "Halab", "Hama"], "IRQ": ["Ninawa", "Anbar"]}
SOURCES = ["White Helmets", "SOHR", "Rumour Mill"]
WALL0 = (T0 + timedelta(days=13)).timestamp()
"""Reports span 12 days of event time and are reported up to 3 days later, so with the
guard's 12 h some arrive from the future until ticks move the wall clock on."""


@dataclass(frozen=True)
class Tick:
    advance: float


figures = st.one_of(
    st.none(),
    st.integers(0, 6).map(Figure.exact),
    st.integers(0, 6).map(Figure.at_least),
    st.tuples(st.integers(0, 4), st.integers(0, 4)).map(lambda t: Figure.between(min(t), max(t))),
)


@st.composite
def reports(draw: st.DrawFn, index: int) -> object:
    country = draw(st.sampled_from(["SYR", "SYR", "IRQ"]))
    kind = draw(st.sampled_from([EventType.OTHER, EventType.AIR_STRIKE, "protest"]))
    rep = report(
        f"r{index}",
        f"i{draw(st.integers(0, 7))}",
        country=country,
        region=draw(st.sampled_from(REGIONS[country])),
        hours=draw(st.integers(0, 24 * 12)) + draw(st.sampled_from([0, 0.5])),
        precision=draw(st.sampled_from(list(Precision))),
        reported_hours=draw(st.integers(0, 72)),
        source=draw(st.sampled_from(SOURCES)),
        killed=draw(figures),
        children=draw(figures),
        kind=ReportKind.SUMMARY if draw(st.integers(0, 15)) == 0 else ReportKind.INCIDENT,
    )
    if kind == EventType.OTHER:
        return rep
    return rep.model_copy(  # what the rules' event type filters see
        update={
            "event_type": EventType.OTHER if kind == "protest" else kind,
            "event_subtype": "protest" if kind == "protest" else None,
        }
    )


@st.composite
def reused(draw: st.DrawFn, base: ClassifiedIncident) -> ClassifiedIncident:
    """``base``'s report_id with other content (or, "same", an equal copy built anew)."""
    rep = base.report
    change = draw(st.sampled_from(["killed", "incident", "source", "occurred", "same"]))
    if change == "killed":
        casualties = rep.casualties.model_copy(update={"killed": draw(figures)})
        new = rep.model_copy(update={"casualties": casualties})
    elif change == "incident":
        new = rep.model_copy(update={"incident_id": f"i{draw(st.integers(0, 9))}"})
    elif change == "source":
        new = rep.model_copy(update={"source": Source(name=draw(st.sampled_from(SOURCES)))})
    elif change == "occurred":
        shift = timedelta(hours=draw(st.integers(-96, 96)))
        new = rep.model_copy(
            update={"occurred_at": rep.occurred_at + shift, "reported_at": rep.reported_at + shift}
        )
    else:
        new = IncidentReport.model_validate_json(rep.model_dump_json())
    return classified(new)


@st.composite
def streams(draw: st.DrawFn) -> list[object]:
    n = draw(st.integers(1, 30))
    base = [classified(draw(reports(i))) for i in range(n)]  # type: ignore[arg-type]
    stream: list[object] = draw(st.permutations(base))
    for _ in range(draw(st.integers(0, 6))):  # redeliveries of already-seen reports
        at = draw(st.integers(0, len(stream)))
        stream.insert(at, draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, 4))):  # report_ids reused, mostly with other content
        at = draw(st.integers(0, len(stream)))
        stream.insert(at, draw(reused(draw(st.sampled_from(base)))))
    for _ in range(draw(st.integers(0, 4))):  # wall-clock ticks, some long enough to idle
        at = draw(st.integers(0, len(stream)))
        stream.insert(at, Tick(draw(st.sampled_from([30.0, 900.0, 86400.0, 5 * 86400.0]))))
    return stream


def run(
    stream: list[object], config: EngineConfig = CONFIG
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    engine, oracle = Countries(config), Oracle(config)
    wall = WALL0
    got: list[tuple[object, ...]] = []
    want: list[tuple[object, ...]] = []
    for item in stream:
        if isinstance(item, Tick):
            wall += item.advance
            effects = engine.tick(wall)
            want += oracle.tick(wall)
        else:  # reports take no wall time, so a redelivery is indistinguishable
            effects = engine.process(item, wall)  # type: ignore[arg-type]
            want += oracle.process(item, wall)  # type: ignore[arg-type]
            assert effects.outcome is oracle.outcome, f"outcome of {item!r}"
        got += [
            (
                a.fingerprint,
                a.seq,
                a.transition.value,
                _level(a),
                a.value,
                a.window_end.timestamp(),
                a.late,
            )
            for a in effects.transitions
        ]
        assert got == want, f"diverged after {item!r}"
    return got, want


def _level(alert: object) -> int:
    rule = next(r for r in RULES.rules if r.name == alert.rule)  # type: ignore[attr-defined]
    names = [lvl.name for lvl in rule.levels]
    return 0 if alert.level is None else names.index(alert.level) + 1  # type: ignore[attr-defined]


@settings(max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
def test_engine_matches_oracle(stream: list[object]) -> None:
    run(stream)


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
def test_duplicates_change_nothing(stream: list[object]) -> None:
    """Delivering every report twice in a row gives exactly the same transitions."""
    doubled: list[object] = []
    for item in stream:
        doubled.append(item)
        if not isinstance(item, Tick):
            doubled.append(item)
    once, _ = run(stream)
    twice, _ = run(doubled)
    assert once == twice


@pytest.mark.parametrize("seed", [1, 3, 7, 11])
def test_engine_matches_oracle_on_long_streams(seed: int, tmp_path: Path) -> None:
    """Long seeded streams (558 records over 7 regions, the crash test's generator) reach
    states the short generated ones rarely do; seeds 1 and 3 once exposed a shortcut in
    the engine's peak search that the oracle did not take."""
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    config = AggregatorSettings(
        rules_file=rules, lateness=LATENESS, unreliable_sources=[UNRELIABLE]
    ).engine_config()
    stream = generate_stream(seed)
    engine = Countries(config)
    got = [as_transition(a) for item in stream for a in engine.process(item, WALL).transitions]
    assert got == oracle_transitions(config, stream)
    assert len(got) > 50  # the stream really exercises the lifecycle


REMEMBERING = replace(CONFIG, id_retention_seconds=365 * 86400.0)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
def test_a_reused_report_id_never_changes_a_count(stream: list[object]) -> None:
    """Whatever came in between, a second arrival of a report_id (within the retention)
    changes nothing: it is a duplicate or a conflict (or, before its time, from the
    future), and the transitions equal those of the stream without it."""
    judged: set[tuple[str, str]] = set()
    first_only: list[object] = []
    engine = Countries(REMEMBERING)
    wall = WALL0
    for item in stream:
        if isinstance(item, Tick):
            wall += item.advance
            engine.tick(wall)
            first_only.append(item)
            continue
        assert isinstance(item, ClassifiedIncident)
        key = (item.region.country, item.report.report_id)
        outcome = engine.process(item, wall).outcome
        if key in judged:
            assert outcome in (Outcome.DUPLICATE, Outcome.CONFLICT, Outcome.FUTURE), outcome
            continue
        if outcome is not Outcome.FUTURE:
            judged.add(key)
        first_only.append(item)
    assert run(stream, REMEMBERING)[0] == run(first_only, REMEMBERING)[0]


# -- linking: incidents of different feeds counted as one, analysts' links and unlinks --

LINKING = replace(
    CONFIG,
    linking=LinkSettings(policy=LinkPolicy.AUTO, auto_threshold=0.8, suggest_threshold=0.5),
)
LINK_REGIONS = ["Idlib", "Idleb", "Aleppo", "Damascus", "Rif Dimashq"]
LINK_PLACES: dict[str, list[str | None]] = {
    "Idlib": ["Sarmin", "Sarmeen", "Saraqib village", "south of Saraqeb", None],
    "Idleb": ["Sarmin", "Saraqib", None],
    "Aleppo": ["Al Bab", "Al-Bab town", "Hraytan", "Hreitan", "Aleppo city"],
    "Damascus": ["Harasta", "Douma", None],
    "Rif Dimashq": ["Harasta", "Duma", "Douma town", None],
}
FEEDS = {"airwars": "Airwars", "ucdp": "UCDP GED", "acled": "ACLED", "": "White Helmets"}
PROTEST = "protest"
TYPES: list[str] = [EventType.AIR_STRIKE, EventType.SHELLING, EventType.OTHER, PROTEST]


@dataclass(frozen=True)
class Link:
    """An analyst's decision on two incidents of Syria."""

    a: str
    b: str
    link: bool
    at: float


small = st.one_of(st.none(), st.integers(0, 4).map(Figure.exact), st.just(Figure.at_least(3)))


@st.composite
def feed_reports(draw: st.DrawFn, index: int) -> ClassifiedIncident:
    feed = draw(st.sampled_from(sorted(FEEDS)))
    region = draw(st.sampled_from(LINK_REGIONS))
    base = report(
        f"l{index}",
        f"{feed or 'wh'}:{draw(st.integers(0, 5))}",
        region=region,
        hours=24.0 * draw(st.integers(0, 5)) + draw(st.sampled_from([0, 0, 7])),
        precision=draw(st.sampled_from([Precision.DAY, Precision.DAY, Precision.HOUR])),
        reported_hours=draw(st.integers(1, 60)),
        source=FEEDS[feed],
        killed=draw(small),
        children=draw(small),
    )
    place = draw(st.sampled_from(LINK_PLACES[region]))
    near = draw(st.sampled_from([None, None, (36.37, 37.51), (36.38, 37.52), (33.57, 36.40)]))
    kind = draw(st.sampled_from(TYPES))
    rep = base.model_copy(
        update={
            "feed": feed or None,
            "event_type": EventType.OTHER if kind == PROTEST else EventType(kind),
            "event_subtype": PROTEST if kind == PROTEST else None,
            "location": base.location.model_copy(
                update={
                    "place": place,
                    "lat": near[0] if near else None,
                    "lon": near[1] if near else None,
                }
            ),
            "casualties": base.casualties.model_copy(
                update={"civilians_killed": draw(small), "killed": base.casualties.killed}
            ),
        }
    )
    return classified(rep)


@st.composite
def linked_streams(draw: st.DrawFn) -> list[object]:
    n = draw(st.integers(1, 28))
    base = [draw(feed_reports(i)) for i in range(n)]
    stream: list[object] = draw(st.permutations(base))
    ids = sorted({r.report.incident_id for r in base})
    for _ in range(draw(st.integers(0, 6))):  # analysts link and unlink, in any order
        a, b = draw(st.sampled_from(ids)), draw(st.sampled_from(ids))
        if a != b:
            at = float(draw(st.integers(0, 3)))
            stream.insert(draw(st.integers(0, len(stream))), Link(a, b, draw(st.booleans()), at))
    for _ in range(draw(st.integers(0, 3))):  # redeliveries
        stream.insert(draw(st.integers(0, len(stream))), draw(st.sampled_from(base)))
    for _ in range(draw(st.integers(0, 3))):
        at = draw(st.integers(0, len(stream)))
        stream.insert(at, Tick(draw(st.sampled_from([30.0, 900.0, 86400.0, 5 * 86400.0]))))
    return stream


def run_linked(stream: list[object], config: EngineConfig = LINKING) -> list[tuple[object, ...]]:
    """The engine and the oracle, input by input: the same outcomes and transitions, and
    the same groups of linked incidents."""
    engine, oracle = Countries(config), Oracle(config)
    wall = WALL0
    got: list[tuple[object, ...]] = []
    want: list[tuple[object, ...]] = []
    for item in stream:
        if isinstance(item, Tick):
            wall += item.advance
            effects = engine.tick(wall)
            want += oracle.tick(wall)
        elif isinstance(item, Link):
            decision = Decision(pair(item.a, item.b), item.link, item.at)
            effects = engine.decide("SYR", decision)
            want += oracle.decide("SYR", decision)
        else:
            assert isinstance(item, ClassifiedIncident)
            effects = engine.process(item, wall)
            want += oracle.process(item, wall)
            assert effects.outcome is oracle.outcome, f"outcome of {item!r}"
        got += [_as_row(a) for a in effects.transitions]
        assert got == want, f"diverged after {item!r}"
        if "SYR" in engine.engines and "SYR" in oracle.countries:
            syria = engine.engines["SYR"]
            grouped = {i: syria.views[syria.unit_of.get(i, i)].members for i in syria.reports}
            assert grouped == oracle.membership("SYR"), f"groups after {item!r}"
    return got


def _as_row(a: object) -> tuple[object, ...]:
    return (
        a.fingerprint,  # type: ignore[attr-defined]
        a.seq,  # type: ignore[attr-defined]
        a.transition.value,  # type: ignore[attr-defined]
        _level(a),
        a.value,  # type: ignore[attr-defined]
        a.window_end.timestamp(),  # type: ignore[attr-defined]
        a.late,  # type: ignore[attr-defined]
    )


@settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
@given(linked_streams())
def test_engine_matches_oracle_with_links(stream: list[object]) -> None:
    """Automatic links (incremental blocking index, mutual bests) and analysts' links and
    unlinks move counts exactly as the brute-force oracle recomputes them."""
    run_linked(stream)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(linked_streams(), st.sampled_from([LinkPolicy.OFF, LinkPolicy.SUGGEST]))
def test_only_analysts_link_without_auto(stream: list[object], policy: LinkPolicy) -> None:
    """Under off and suggest nothing links by itself; analysts' decisions still do."""
    config = replace(LINKING, linking=replace(LINKING.linking, policy=policy))
    run_linked(stream, config)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(linked_streams())
def test_links_do_not_depend_on_arrival_order(stream: list[object]) -> None:
    """Once every report is in (no ticks, no decisions), the groups are the same whatever
    order the reports came in (a lateness that refuses none of them)."""
    reports = [item for item in stream if isinstance(item, ClassifiedIncident)]
    groups = []
    patient = replace(LINKING, lateness_seconds=60 * 86400.0)
    for order in (reports, list(reversed(reports))):
        engine = Countries(patient)
        for item in order:
            engine.process(item, WALL0 + 30 * 86400)
        syria = engine.engines.get("SYR")
        groups.append(
            {}
            if syria is None
            else {i: syria.views[syria.unit_of.get(i, i)].members for i in syria.reports}
        )
    assert groups[0] == groups[1]
