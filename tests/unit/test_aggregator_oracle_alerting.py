"""Oracle extension for the alert lifecycle of issue 10: with rules that announce updates
(``update_step``) and have hysteresis on every level, the engine's transitions (its
decision shortcut ``alerting.quiet`` included) still equal the brute-force oracle's, input
by input; late crossings are single ``late`` notices that never change the level in force.

Kept apart from ``test_aggregator_oracle.py`` (it reuses that file's stream strategy) so
that the two evolve without conflicts."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings

from schemas.alerts import AlertStatus, Transition
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.rules import parse_rules
from tests.unit.oracle import Oracle
from tests.unit.test_aggregator_oracle import Tick, streams

RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     update_step: 2,
     levels: [{name: warning, threshold: 3, resolve_below: 2},
              {name: critical, threshold: 6, resolve_below: 4}]}
  - {name: killed_48h_high, measure: killed, window: 48h, group_by: [country], figure: high,
     update_step: 3,
     levels: [{name: warning, threshold: 8, resolve_below: 6},
              {name: critical, threshold: 15, resolve_below: 12}]}
  - {name: incidents_12h, measure: incidents, window: 12h, group_by: [country, admin1, admin2],
     update_step: 1, levels: [{name: warning, threshold: 2, resolve_below: 1}]}
"""
)
CONFIG = EngineConfig(
    rules=RULES,
    lateness_seconds=4 * 86400,
    idle_after_seconds=600,
    unreliable_sources=frozenset({"Rumour Mill"}),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
def test_engine_matches_oracle_with_updates_and_hysteresis(stream: list[object]) -> None:
    engine, oracle = Engine(CONFIG), Oracle(CONFIG)
    wall = 1_000_000.0
    got: list[tuple[object, ...]] = []
    want: list[tuple[object, ...]] = []
    levels: dict[str, str | None] = {}
    for item in stream:
        if isinstance(item, Tick):
            wall += item.advance
            effects = engine.tick(wall)
            want += oracle.tick(wall)
        else:
            effects = engine.process(item, wall)  # type: ignore[arg-type]
            want += oracle.process(item, wall)  # type: ignore[arg-type]
        for alert in effects.transitions:
            rule = next(r for r in RULES.rules if r.name == alert.rule)
            names = [lvl.name for lvl in rule.levels]
            level = 0 if alert.level is None else names.index(alert.level) + 1
            got.append(
                (
                    alert.fingerprint,
                    alert.seq,
                    alert.transition.value,
                    level,
                    alert.value,
                    alert.window_end.timestamp(),
                    alert.late,
                )
            )
            if alert.transition in (Transition.LATE, Transition.UPDATED):
                # neither changes the level in force
                assert alert.level == levels.get(alert.fingerprint), alert.summary
                assert alert.previous_level == alert.level
            if alert.transition is Transition.LATE:
                assert alert.late and alert.peak_level is not None
                firing = alert.status is AlertStatus.FIRING
                assert firing == (alert.level is not None)
            levels[alert.fingerprint] = alert.level
        assert got == want, f"diverged after {item!r}"
