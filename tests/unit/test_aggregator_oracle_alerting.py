"""Oracle extension for the alert lifecycle of issue 10: with rules that announce updates
(``update_step``, ``update_ratio``) and have hysteresis on every level, the engine's
transitions (its decision shortcut ``alerting.quiet`` included) still equal the
brute-force oracle's, input by input; late crossings are single ``late`` notices and
updates never change the level in force.

Kept apart from ``test_aggregator_oracle.py`` (it reuses that file's stream strategy and
runner with other rules) so that the two evolve without conflicts."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import HealthCheck, given, settings

from services.aggregator.domain.rules import parse_rules
from tests.unit.test_aggregator_oracle import CONFIG, run, streams

RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     update_step: 2, update_ratio: 0.3,
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
ALERTING = replace(CONFIG, rules=RULES)
SEEN: Counter[str] = Counter()


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(streams())
def test_engine_matches_oracle_with_updates_and_hysteresis(stream: list[object]) -> None:
    got, _ = run(stream, ALERTING)  # asserts engine == oracle after every input
    level: dict[object, object] = {}
    for fingerprint, _, transition, lvl, *_ in got:
        SEEN[str(transition)] += 1
        if transition in ("late", "updated"):
            assert lvl == level.get(fingerprint, 0), (fingerprint, transition)
        level[fingerprint] = lvl


def test_the_property_saw_updates_and_late_notices() -> None:
    """(runs after the property above in file order) the streams did exercise both."""
    if SEEN:
        assert SEEN["updated"] > 0 and SEEN["late"] > 0, SEEN
