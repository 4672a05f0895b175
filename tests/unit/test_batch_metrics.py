"""Metrics recorded a batch at a time add up to what each record would have recorded."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from schemas.incidents import Severity
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.rules import parse_rules
from services.aggregator.metrics import AggregatorMetrics
from services.classifier.metrics import ClassifierMetrics
from tests.factories import classified, report

RULES = parse_rules(
    "rules:\n  - {name: r, measure: killed, window: 24h, levels: [{name: w, threshold: 5}]}\n"
)


def sample(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return registry.get_sample_value(name, labels) or 0.0


def test_aggregator_outcomes_of_a_batch() -> None:
    registry = CollectorRegistry()
    metrics = AggregatorMetrics(registry, RULES)
    done = [
        (Outcome.APPLIED, 0.001),
        (Outcome.SUMMARY, 0.002),
        (Outcome.DUPLICATE, 0.0001),
        (Outcome.DUPLICATE, 0.0001),
        (Outcome.TOO_LATE, 0.0003),
    ]
    metrics.record_outcomes(done)
    metrics.record_outcomes([])
    assert sample(registry, "vigil_reports_consumed_total", outcome="ok") == 5
    assert sample(registry, "vigil_processing_latency_seconds_count") == 5
    assert sample(registry, "vigil_summaries_kept_total") == 1
    assert sample(registry, "vigil_reports_ignored_total", reason="duplicate") == 2
    assert sample(registry, "vigil_reports_ignored_total", reason="too_late") == 1
    assert sample(registry, "vigil_reports_ignored_total", reason="superseded") == 0


def test_classifier_batch_counts_severities_and_unknown_regions() -> None:
    registry = CollectorRegistry()
    metrics = ClassifierMetrics(registry)
    known = classified(report("a"))
    unknown = classified(report("b", region="Atlantis"))
    critical = known.model_copy(update={"severity": Severity.CRITICAL})
    metrics.record_classified_many([(known, 0.001), (unknown, 0.002), (critical, 0.003)])
    assert sample(registry, "vigil_incidents_classified_total", severity="low") == 2
    assert sample(registry, "vigil_incidents_classified_total", severity="critical") == 1
    assert sample(registry, "vigil_unknown_regions_total", country="SYR") == 1
    latency = sample(registry, "vigil_processing_latency_seconds_sum")
    assert latency == pytest.approx(0.006)
