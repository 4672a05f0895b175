"""StateTables over plain dicts: persist, rebuild, identical behaviour after, the outbox."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from schemas.alerts import Alert, Transition
from schemas.reports import IncidentReport, ReportKind
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Effects, Engine, EngineConfig
from services.aggregator.domain.ids import IdEntry
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.rules import parse_rules
from services.aggregator.state import (
    TABLES,
    DictStore,
    StateTables,
    Store,
    decode_id,
    decode_reports,
    encode_id,
    encode_reports,
)
from tests.factories import classified, report

RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h,
     levels: [{name: warning, threshold: 5}, {name: critical, threshold: 10, resolve_below: 8}]}
  - {name: killed_7d, measure: killed, window: 7d, group_by: [country],
     levels: [{name: warning, threshold: 20}]}
"""
)
CONFIG = EngineConfig(
    rules=RULES,
    lateness_seconds=3 * 86400,
    idle_after_seconds=600,
    unreliable_sources=frozenset({"Rumours"}),
)


@dataclass(frozen=True)
class Tick:
    wall: float


Step = IncidentReport | Tick

FIRST: list[Step] = [
    report("a1", "A", region="Idlib", children=6, killed=9, hours=1, source="WH"),
    report("b1", "B", region="Aleppo", children=3, killed=4, hours=2),
    report(
        "a2", "A", region="Idleb", children=11, killed=9, hours=1, reported_hours=5, source="WH"
    ),
    report("s1", "summary", children=99, kind=ReportKind.SUMMARY, hours=2),
    report("c1", "C", region="Hama", killed=8, hours=20, source="Rumours"),
    Tick(10_000.0),
]
SECOND: list[Step] = [
    report("a3", "A", region="Idlib", children=7, hours=1, reported_hours=9, source="WH"),
    report("b1", "B", region="Aleppo", children=3, killed=4, hours=2),  # redelivery
    report("d1", "D", region="Aleppo", children=5, hours=-3),  # late, completes a crossing
    report("c2", "C", region="Hama", killed=12, hours=20, source="SOHR"),
    Tick(200_000.0),
    report("e1", "E", region="Homs", killed=30, hours=26),
    Tick(2_000_000.0),
    report("f1", "F", region="Homs", killed=1, hours=24 * 40),
]


def run(engine: Countries, steps: list[Step], tables: StateTables | None = None) -> list[Alert]:
    out: list[Alert] = []
    for n, step in enumerate(steps):
        if isinstance(step, Tick):
            effects = engine.tick(step.wall)
        else:
            effects = engine.process(classified(step), float(n))
        if tables is not None:
            tables.persist(0, effects)
            tables.delivered(effects.transitions)
        out += effects.transitions
    return out


def syria(countries: Countries) -> Engine:
    return countries.engines["SYR"]


def in_memory(store: Store) -> DictStore:
    assert isinstance(store, DictStore)
    return store


def dict_tables() -> StateTables:
    return StateTables.in_memory()


def test_rebuild_gives_identical_subsequent_behaviour() -> None:
    tables = dict_tables()
    original = Countries(CONFIG)
    run(original, FIRST, tables)
    rebuilt, undelivered = tables.rebuild(0, CONFIG)
    assert undelivered == []
    old, new = syria(original), syria(rebuilt)
    assert new.clock == old.clock
    assert set(new.views) == set(old.views)
    assert new.summaries.keys() == old.summaries.keys() == {"summary"}
    assert {fp: s.to_json() for fp, s in new.alerts.items()} == {
        fp: s.to_json() for fp, s in old.alerts.items()
    }
    assert new.ids.entries == old.ids.entries
    assert rebuilt.reconcile().transitions == []
    expected = run(original, SECOND)
    assert len(expected) >= 4  # the continuation does exercise the lifecycle
    assert {a.transition for a in expected} >= {Transition.FIRED, Transition.RESOLVED}
    assert any(a.late for a in expected)
    assert run(rebuilt, SECOND) == expected


def test_outbox_written_before_delivery_and_cleared_by_delivered() -> None:
    tables = dict_tables()
    engine = Countries(CONFIG)
    effects = engine.process(classified(report("r1", children=12)), 0.0)
    tables.persist(0, effects)
    assert len(effects.transitions) == 1
    _, undelivered = tables.rebuild(0, CONFIG)
    assert undelivered == effects.transitions  # a crash here re-sends on rebuild
    tables.delivered(effects.transitions)
    assert in_memory(tables.outbox) == {}
    _, undelivered = tables.rebuild(0, CONFIG)
    assert undelivered == []


def test_rebuild_takes_only_its_partition() -> None:
    tables = dict_tables()
    for partition, region in [(0, "Idlib"), (1, "Aleppo")]:
        engine = Countries(CONFIG)
        effects = engine.process(classified(report(f"r-{region}", region=region, children=12)), 0)
        tables.persist(partition, effects)
    zero, undelivered0 = tables.rebuild(0, CONFIG)
    one, undelivered1 = tables.rebuild(1, CONFIG)
    assert set(syria(zero).views) == {"r-Idlib"} and set(syria(one).views) == {"r-Aleppo"}
    assert [a.group_key for a in undelivered0] == ["SYR/Idlib"]
    assert [a.group_key for a in undelivered1] == ["SYR/Aleppo"]
    assert [s["group_key"] for s in tables.firing()] == ["SYR/Aleppo", "SYR/Idlib"]


def test_pruned_incidents_are_deleted_from_the_table() -> None:
    tables = dict_tables()
    engine = Countries(CONFIG)
    run(engine, [report("old", killed=1), report("new", killed=1, hours=24 * 30)], tables)
    assert set(in_memory(tables.incidents)) == {b"SYR/new"}


def test_reconcile_restores_a_lost_alert_state() -> None:
    tables = dict_tables()
    engine = Countries(CONFIG)
    run(engine, [report("r1", children=12)], tables)
    # the incident record survived a crash, the alert state did not
    in_memory(tables.alerts).clear()
    rebuilt, _ = tables.rebuild(0, CONFIG)
    effects: Effects = rebuilt.reconcile()
    assert [(a.transition, a.level) for a in effects.transitions] == [
        (Transition.FIRED, "critical")
    ]


def test_summary_reports_by_country() -> None:
    tables = dict_tables()
    engine = Countries(CONFIG)
    run(engine, [FIRST[3]], tables)
    assert [s["report"]["report_id"] for s in tables.summary_reports("SYR")] == ["s1"]
    assert tables.summary_reports("IRQ") == []


def test_reports_codec_round_trip() -> None:
    reports = {"wh": classified(report("r1", children=3)), "sohr": classified(report("r2"))}
    assert decode_reports(encode_reports(7, reports)) == (7, reports)


def test_rebuild_after_a_firing_rule_was_removed_from_the_rules_file() -> None:
    tables = dict_tables()
    engine = Countries(CONFIG)
    run(engine, [report("r1", children=12)], tables)
    assert tables.firing()
    fewer = EngineConfig(rules=parse_rules("rules: [" + KILLED_7D + "]"))
    rebuilt, _ = tables.rebuild(0, fewer)  # KeyError: 'children_24h'
    assert syria(rebuilt).views


KILLED_7D = (
    "{name: killed_7d, measure: killed, window: 7d, group_by: [country],"
    " levels: [{name: warning, threshold: 20}]}"
)


def test_rebuild_without_a_clock_record_does_not_jump_event_time() -> None:
    wall = 1_750_000_000.0  # a real time.time(), as the service passes
    tables = dict_tables()
    engine = Countries(CONFIG)
    effects = engine.process(classified(report("r1", children=12)), wall)
    tables.persist(0, effects)
    tables.delivered(effects.transitions)
    # the incident record was flushed before a crash, the clock not
    in_memory(tables.clocks).clear()
    rebuilt, _ = tables.rebuild(0, CONFIG)
    assert syria(rebuilt).clock.now == syria(engine).clock.now
    rebuilt.tick(wall + 60)  # one minute of wall time later
    now, before = syria(rebuilt).clock.now, syria(engine).clock.now
    assert now is not None and before is not None
    assert now - before <= 86400
    later = rebuilt.process(classified(report("r2", children=1, hours=1)), wall + 120)
    assert later.outcome is Outcome.APPLIED


def effects_of(engine: Countries, steps: list[Step]) -> list[Effects]:
    return [
        engine.tick(s.wall) if isinstance(s, Tick) else engine.process(classified(s), float(n))
        for n, s in enumerate(steps)
    ]


def test_a_folded_batch_persists_what_input_by_input_persists() -> None:
    """The aggregator folds a fetched batch's effects and writes each key once: the
    tables must end up as if every input had been written on its own."""
    one_by_one, folded = dict_tables(), dict_tables()
    steps = FIRST + SECOND
    engine = Countries(CONFIG)
    for effects in effects_of(engine, steps):
        one_by_one.persist(0, effects)
    engine2 = Countries(CONFIG)
    batch = Effects()
    for effects in effects_of(engine2, steps):
        batch.absorb(effects)
    folded.persist(0, batch)
    for name in TABLES:
        assert in_memory(getattr(folded, name)) == in_memory(getattr(one_by_one, name)), name
    assert in_memory(folded.outbox)  # transitions were queued, none delivered
    rebuilt, undelivered = folded.rebuild(0, CONFIG)
    assert [(a.fingerprint, a.seq) for a in undelivered] == sorted(
        (a.fingerprint, a.seq) for a in batch.transitions
    )
    assert set(syria(rebuilt).views) == set(syria(engine).views)


def test_effects_added_into_one_batch_equal_folded_ones() -> None:
    """``process(..., into=batch)`` (what the agent does) adds up to exactly what folding
    every input's own effects with ``absorb`` gives, transitions and outcomes included."""
    steps = FIRST + SECOND
    folded = Effects()
    outcomes = []
    for effects in effects_of(Countries(CONFIG), steps):
        folded.absorb(effects)
        outcomes.append(effects.outcome)
    engine = Countries(CONFIG)
    into = Effects()
    added = []
    for n, s in enumerate(steps):
        if isinstance(s, Tick):
            engine.tick(s.wall, into)
        else:
            engine.process(classified(s), float(n), into)
        added.append(into.outcome)
    assert added == outcomes
    assert [a.model_dump() for a in into.transitions] == [
        a.model_dump() for a in folded.transitions
    ]
    assert into.incidents == folded.incidents
    assert into.summaries == folded.summaries
    assert into.windows == folded.windows
    assert into.clocks == folded.clocks
    assert into.ids == folded.ids
    assert {k: v.to_json() for k, v in into.alerts.items()} == {
        k: v.to_json() for k, v in folded.alerts.items()
    }


@pytest.mark.parametrize(
    "entry",
    [
        IdEntry("00ff", 12.25, "plain", 0),
        IdEntry("ab", 1.5e9, 'with "quotes"', -1),
        IdEntry("ab", 1730332800.0, "back\\slash", 3),
        IdEntry("", -86400.0, "", 7),
    ],
)
def test_id_entries_read_back_as_written(entry: IdEntry) -> None:
    assert decode_id(encode_id(5, entry)) == (5, entry)
