"""The counting rules of DOMAIN.md, one scenario each, through Engine with explicit times."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from schemas.alerts import Alert, Transition
from schemas.reports import (
    Casualties,
    EventType,
    Figure,
    IncidentReport,
    Location,
    Precision,
    ReportKind,
    Source,
    SourceKind,
    Verification,
)
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.rules import RuleSet, load_rules, parse_rules
from tests.factories import T0, classified, report
from tools.demo.runner import SAMPLE_FEED, load_feed

REPO_RULES = Path(__file__).parents[2] / "services" / "aggregator" / "rules.yaml"
RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 5}, {name: critical, threshold: 10}]}
  - {name: killed_24h, measure: killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 25}, {name: critical, threshold: 50}]}
"""
)
CHILDREN = RULES.rules[0]
KILLED = RULES.rules[1]
H = 3600.0
F, E, D, R = Transition.FIRED, Transition.ESCALATED, Transition.DEESCALATED, Transition.RESOLVED


def make(rules: RuleSet = RULES, **kw: object) -> Engine:
    return Engine(EngineConfig(rules=rules, **kw))  # type: ignore[arg-type]


def feed(engine: Engine, *reports: IncidentReport, wall: float = 0.0) -> list[Alert]:
    out: list[Alert] = []
    for rep in reports:
        out += engine.process(classified(rep), wall).transitions
    return out


def at(day: int, hour: float = 0) -> datetime:
    """December ``day`` 2024 at ``hour`` UTC."""
    return datetime(2024, 12, day, tzinfo=UTC) + timedelta(hours=hour)


def hours(day: int, hour: float = 0) -> float:
    return (at(day, hour) - T0).total_seconds() / H


def brief(alerts: list[Alert]) -> list[tuple[str, str, Transition, str | None, int]]:
    return [(a.rule, a.group_key, a.transition, a.level, a.value) for a in alerts]


# -- the seed story -----------------------------------------------------------------------


def seed(
    report_id: str, incident_id: str, source: str, source_kind: SourceKind, **kw: object
) -> IncidentReport:
    fields: dict[str, object] = {
        "report_id": report_id,
        "incident_id": incident_id,
        "source": Source(name=source, kind=source_kind),
        "reported_at": at(2, 7.5),
        "occurred_at": at(1),
        "occurred_precision": Precision.DAY,
        "event_type": EventType.AIR_STRIKE,
    }
    fields.update(kw)
    return IncidentReport.model_validate(fields)


SEED_STORY = [
    seed(
        "wh-1",
        "idlib-airstrikes",
        "White Helmets",
        SourceKind.NGO,
        location=Location(country="SYR", admin1="Idlib", place="Idlib city"),
        alleged_perpetrators=["Syrian government", "Russia"],
        casualties=Casualties(killed=Figure.at_least(25), children_killed=Figure.at_least(10)),
    ),
    seed(
        "wit-1",
        "idlib-airstrikes",
        "Witnesses",
        SourceKind.WITNESS,
        location=Location(country="SYR", admin1="Idleb"),
        casualties=Casualties(killed=Figure.exact(7)),
    ),
    seed(
        "wh-summary",
        "since-nov-27",
        "White Helmets",
        SourceKind.NGO,
        location=Location(country="SYR", admin1="Idlib"),
        kind=ReportKind.SUMMARY,
        period_start=datetime(2024, 11, 27, tzinfo=UTC),
        casualties=Casualties(killed=Figure.at_least(56), children_killed=Figure.at_least(20)),
    ),
    seed(
        "khansir",
        "khansir-capture",
        "Rebel claims",
        SourceKind.OTHER,
        location=Location(country="SYR", admin1="Aleppo", place="Khansir"),
        event_type=EventType.TERRITORIAL_CHANGE,
        verification=Verification.UNVERIFIED,
    ),
    seed(
        "flight",
        "aleppo-displacement",
        "Residents",
        SourceKind.WITNESS,
        location=Location(country="SYR", admin1="Halab"),
        event_type=EventType.DISPLACEMENT,
    ),
]


def test_seed_story_fires_critical_children_for_idlib_and_nothing_for_aleppo() -> None:
    engine = make(load_rules(REPO_RULES))
    alerts = feed(engine, *SEED_STORY)
    assert brief(alerts) == [
        ("children_killed_24h", "SYR/Idlib", F, "critical", 10),
        ("killed_24h", "SYR/Idlib", F, "warning", 25),  # max of sources (25, 7), not the sum
    ]
    critical = alerts[0]
    assert critical.group == {"country": "SYR", "admin1": "Idlib"}
    assert critical.threshold == 10
    assert (critical.window_start, critical.window_end) == (at(1) - timedelta(days=1), at(1))
    assert [e.incident_id for e in critical.evidence] == ["idlib-airstrikes"]
    assert {s.source: s.used for s in critical.evidence[0].sources} == {"White Helmets": True}
    # the witness report joined the incident afterwards: shown, not added
    rows = engine.views["idlib-airstrikes"].source_figures("killed", "low")
    assert [(r.source, r.value, r.used) for r in rows] == [
        ("White Helmets", 25, True),
        ("Witnesses", 7, False),
    ]
    assert "since-nov-27" in engine.summaries


def test_sample_feed_fires_idlib_critical_and_nothing_for_aleppo() -> None:
    engine = make(load_rules(REPO_RULES))
    alerts = feed(engine, *load_feed(SAMPLE_FEED))
    fired = {(a.rule, a.group_key, a.level) for a in alerts if a.transition in (F, E)}
    assert ("children_killed_24h", "SYR/Idlib", "critical") in fired
    assert not [a for a in alerts if a.group.get("admin1") == "Aleppo"]


# -- revisions, duplicates, sources, summaries, names -------------------------------------


def test_upward_revision_moves_the_total_by_the_difference_and_emits_nothing() -> None:
    engine = make()
    first = report("wh-1", "inc", killed=Figure.at_least(25), reported_hours=1)
    assert brief(feed(engine, first)) == [("killed_24h", "SYR/Idlib", F, "warning", 25)]
    effects = engine.process(
        classified(report("wh-2", "inc", killed=Figure.at_least(31), reported_hours=2)), 0.0
    )
    assert effects.outcome is Outcome.APPLIED
    assert effects.transitions == []
    assert effects.windows[("killed_24h", "SYR/Idlib")] == 31  # not 56
    assert engine.window_value(KILLED, "SYR/Idlib") == 31


@pytest.mark.parametrize(
    ("revised", "expected"),
    [(7, [(D, "warning", 7)]), (3, [(R, None, 3)]), (0, [(R, None, 0)]), (11, [])],
)
def test_downward_revision_deescalates_or_resolves(
    revised: int, expected: list[tuple[Transition, str | None, int]]
) -> None:
    engine = make()
    feed(engine, report("wh-1", "inc", children=12, reported_hours=1))
    alerts = feed(engine, report("wh-2", "inc", children=revised, reported_hours=2))
    assert [(a.transition, a.level, a.value) for a in alerts] == expected


def test_the_same_report_twice_changes_nothing() -> None:
    engine = make()
    rep = report("wh-1", children=12)
    assert len(feed(engine, rep)) == 1
    effects = engine.process(classified(rep), 99.0)
    assert effects.outcome is Outcome.DUPLICATE
    assert (effects.transitions, effects.incidents, effects.alerts) == ([], {}, {})
    assert engine.window_value(CHILDREN, "SYR/Idlib") == 12


def test_two_sources_are_not_summed_and_evidence_shows_both() -> None:
    engine = make()
    alerts = feed(
        engine,
        report("wh-1", "inc", source="White Helmets", children=Figure.at_least(8)),
        report("sohr-1", "inc", source="SOHR", children=Figure.exact(11)),
    )
    assert engine.window_value(CHILDREN, "SYR/Idlib") == 11
    assert [(a.transition, a.level, a.value) for a in alerts] == [
        (F, "warning", 8),
        (E, "critical", 11),
    ]
    sources = alerts[-1].evidence[0].sources
    assert [(s.source, s.figure, s.value, s.used) for s in sources] == [
        ("SOHR", "11", 11, True),
        ("White Helmets", "at least 8", 8, False),
    ]


def test_an_unreliable_higher_figure_is_ignored_when_a_reliable_one_exists() -> None:
    engine = make(unreliable_sources=frozenset({"Rumour Mill"}))
    alerts = feed(
        engine,
        report("wh-1", "inc", source="White Helmets", children=6),
        report("rm-1", "inc", source="rumour  mill", children=40),
    )
    assert brief(alerts) == [("children_24h", "SYR/Idlib", F, "warning", 6)]
    rows = {s.source: (s.reliable, s.used) for s in alerts[0].evidence[0].sources}
    assert rows == {"White Helmets": (True, True)}  # the alert predates the rumour
    assert engine.window_value(CHILDREN, "SYR/Idlib") == 6
    rows_now = engine.views["inc"].source_figures("children_killed", "low")
    assert [(r.source, r.value, r.reliable, r.used) for r in rows_now] == [
        ("rumour  mill", 40, False, False),
        ("White Helmets", 6, True, True),
    ]


def test_a_summary_is_never_counted() -> None:
    engine = make()
    effects = engine.process(
        classified(report("s-1", children=50, killed=100, kind=ReportKind.SUMMARY)), 0.0
    )
    assert effects.outcome is Outcome.SUMMARY
    assert effects.transitions == [] and effects.incidents == {}
    assert list(effects.summaries) == [("SYR", "s-1")]
    assert engine.window_value(CHILDREN, "SYR/Idlib", T0.timestamp()) == 0
    assert engine.clock.now is None  # a summary does not move event time either


def test_spellings_of_idlib_count_in_one_group() -> None:
    engine = make()
    names = ["Idlib", "Idleb", "Edlib", "إدلب"]
    alerts = feed(
        engine, *(report(f"r{i}", region=name, children=3, hours=i) for i, name in enumerate(names))
    )
    assert {a.group_key for a in alerts} == {"SYR/Idlib"}
    assert brief(alerts)[-1] == ("children_24h", "SYR/Idlib", E, "critical", 12)
    assert list(engine.timelines[("country", "admin1")]) == ["SYR/Idlib"]


# -- rolling event-time windows -------------------------------------------------------------


def test_rolling_window_straddling_midnight_fires() -> None:
    engine = make()
    alerts = feed(
        engine,
        report("r1", children=6, hours=hours(1, 22)),
        report("r2", children=5, hours=hours(2, 3)),
    )
    assert [(a.transition, a.level, a.value) for a in alerts] == [
        (F, "warning", 6),
        (E, "critical", 11),  # neither calendar day holds 10; the rolling window does
    ]
    critical = alerts[-1]
    assert (critical.window_start, critical.window_end) == (at(1, 3), at(2, 3))
    assert critical.watermark == at(2, 3)
    assert {e.incident_id for e in critical.evidence} == {"r1", "r2"}


def test_an_incident_leaves_the_window_when_a_later_incident_elsewhere_moves_time() -> None:
    engine = make()
    feed(engine, report("idlib", region="Idlib", children=10, hours=hours(1, 10)))
    # 23:59 later it is still in the window: nothing
    assert feed(engine, report("a1", region="Aleppo", killed=1, hours=hours(2, 9.99))) == []
    alerts = feed(engine, report("a2", region="Aleppo", killed=1, hours=hours(2, 10)))
    assert brief(alerts) == [("children_24h", "SYR/Idlib", R, None, 0)]
    assert (alerts[0].window_start, alerts[0].window_end) == (at(1, 10), at(2, 10))
    assert alerts[0].threshold == 10  # the threshold of the level left


def test_an_idle_tick_moves_time_and_resolves() -> None:
    engine = make(idle_after_seconds=300.0)
    wall = 1_000_000.0
    feed(engine, report("idlib", children=10, hours=hours(1, 10)), wall=wall)
    assert engine.tick(wall + 299).clocks == {}
    assert engine.tick(wall + 23 * H).transitions == []  # T = Dec 1 10:00 + 23 h
    effects = engine.tick(wall + 24 * H)
    assert effects.clocks == {"SYR": engine.clock}
    assert brief(effects.transitions) == [("children_24h", "SYR/Idlib", R, None, 0)]
    assert effects.transitions[0].window_end == at(2, 10)
    assert effects.windows[("children_24h", "SYR/Idlib")] == 0


def test_a_late_report_completing_a_past_crossing_is_one_late_notice() -> None:
    engine = make()
    assert feed(engine, report("i1", region="Idlib", children=4, hours=hours(1, 5))) == []
    assert feed(engine, report("a1", region="Aleppo", killed=1, hours=hours(3))) == []
    alerts = feed(engine, report("i2", region="Idlib", children=7, hours=hours(1, 10)))
    assert [(a.seq, a.transition, a.level, a.peak_level, a.value, a.late) for a in alerts] == [
        (1, Transition.LATE, None, "critical", 11, True),
    ]
    (late,) = alerts
    assert (late.window_start, late.window_end) == (at(1, 10) - timedelta(days=1), at(1, 10))
    assert {e.incident_id for e in late.evidence} == {"i1", "i2"}
    assert late.watermark == at(3) and late.threshold == 10
    assert late.period == "2024-12-01 05:00 to 10:00 UTC"
    assert "known only now from late reports" in late.summary
    assert engine.alerts[late.fingerprint].level == 0  # nothing is firing because of it
    # a further late report inside the same past crossing is not announced again
    assert feed(engine, report("i3", region="Idlib", children=1, hours=hours(1, 12))) == []


@pytest.mark.parametrize(
    ("late_hours", "outcome"),
    [
        (hours(10) - 48, Outcome.TOO_LATE),  # exactly the lateness behind T
        (hours(10) - 60, Outcome.TOO_LATE),
        (hours(10) - 47.5, Outcome.APPLIED),
    ],
)
def test_too_late_reports_are_ignored(late_hours: float, outcome: Outcome) -> None:
    engine = make(lateness_seconds=48 * H)
    feed(engine, report("now", region="Aleppo", killed=1, hours=hours(10)))
    effects = engine.process(classified(report("old", children=20, hours=late_hours)), 0.0)
    assert effects.outcome is outcome
    if outcome is Outcome.TOO_LATE:
        assert (effects.transitions, effects.incidents) == ([], {})
        assert "old" not in engine.views
    else:
        assert [(a.late, a.transition) for a in effects.transitions] == [(True, Transition.LATE)]


def test_pruning_forgets_old_incidents_and_reports_their_deletion() -> None:
    engine = make(lateness_seconds=24 * H)  # prune after lateness + longest window = 48 h
    feed(
        engine,
        report("old", region="Hama", killed=1, hours=hours(1)),
        report("mid", region="Hama", killed=1, hours=hours(2)),
    )
    assert set(engine.views) == {"old", "mid"}
    effects = engine.process(classified(report("new", region="Homs", killed=1, hours=hours(3))), 0)
    assert effects.incidents[("SYR", "old")] is None  # exactly 48 h behind T
    assert effects.incidents[("SYR", "new")] is not None
    assert ("SYR", "mid") not in effects.incidents
    assert set(engine.views) == {"mid", "new"} and set(engine.reports) == {"mid", "new"}
    effects = engine.tick(10**7)  # idle for long: T jumps far ahead, everything goes
    assert effects.incidents == {("SYR", "mid"): None, ("SYR", "new"): None}
    assert engine.views == {} and engine.timelines[("country", "admin1")] == {}


# -- what an alert carries ------------------------------------------------------------------


def test_alert_evidence_confidence_and_cap() -> None:
    engine = make(evidence_limit=2)
    alerts = feed(
        engine,
        report("c", children=3, hours=1, verification=Verification.CONFIRMED),
        report("u", children=4, hours=2, verification=Verification.UNVERIFIED),
        report("z", killed=2, hours=2.5),  # adds nothing to children: not evidence
        report("r", children=5, hours=3),
    )
    alert = [a for a in alerts if a.rule == "children_24h"][-1]
    assert (alert.transition, alert.level, alert.value) == (E, "critical", 12)
    assert alert.verification == {"confirmed": 3, "unverified": 4, "reported": 5}
    assert alert.confidence == round(3 / 12, 4)
    assert [e.incident_id for e in alert.evidence] == ["r", "u"]  # biggest first
    assert [e.value for e in alert.evidence] == [5, 4]
    assert alert.evidence_omitted == 1
    assert alert.evidence[0].sources[0].used
    assert alert.window_seconds == 86400 and alert.measure == "children_killed"
    assert alert.fingerprint == alerts[0].fingerprint  # one alert, one fingerprint
    assert [a.seq for a in alerts if a.rule == "children_24h"] == [1, 2]
    assert alert.previous_level == "warning" and alert.threshold == 10


def test_range_figures_follow_the_rules_figure_choice() -> None:
    rules = parse_rules(
        """
rules:
  - {name: low, measure: children_killed, window: 24h, levels: [{name: w, threshold: 8}]}
  - {name: high, measure: children_killed, window: 24h, figure: high,
     levels: [{name: w, threshold: 8}]}
"""
    )
    engine = make(rules)
    alerts = feed(engine, report("r", children=Figure.between(5, 8)))
    assert [(a.rule, a.value) for a in alerts] == [("high", 8)]
    assert alerts[0].evidence[0].sources[0].figure == "5-8"


def test_a_revision_that_moves_the_incident_to_another_region() -> None:
    engine = make()
    feed(engine, report("r1", "inc", region="Idlib", children=12, reported_hours=1))
    alerts = feed(engine, report("r2", "inc", region="Halab", children=12, reported_hours=2))
    assert brief(alerts) == [
        ("children_24h", "SYR/Aleppo", F, "critical", 12),
        ("children_24h", "SYR/Idlib", R, None, 0),
    ]
