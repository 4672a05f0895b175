"""Bounded label values: ``vigil_window_value{group}`` folds regions the gazetteer does not
know (and districts) under ``other`` and drops a series when its window empties; the
stream metrics carry no ``service`` label (Prometheus' ``job`` names the service)."""

from __future__ import annotations

import pytest
from prometheus_client import CollectorRegistry

from services.aggregator.domain.rules import parse_rules
from services.aggregator.metrics import AggregatorMetrics, group_label
from services.common.metrics import StreamMetrics

RULES = parse_rules(
    """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 5}]}
  - {name: district_24h, measure: killed, window: 24h, group_by: [country, admin1, admin2],
     levels: [{name: warning, threshold: 5}]}
"""
)


@pytest.mark.parametrize(
    ("group", "label"),
    [
        ("SYR", "SYR"),
        ("SYR/Idlib", "SYR/Idlib"),
        ("SYR/Deir ez-Zor", "SYR/Deir ez-Zor"),
        ("SYR/?", "SYR/?"),
        ("SYR/Atlantis", "SYR/other"),  # kept raw by the classifier: not a label value
        ("SYR/idlib", "SYR/other"),  # only canonical names are (the classifier maps to them)
        ("YEM/Sanaa", "YEM/other"),  # no gazetteer for the country
        ("SYR/Idlib/Harim", "SYR/Idlib/other"),  # districts are raw input
        ("SYR/Idlib/?", "SYR/Idlib/?"),
        ("SYR/Nowhere/Harim", "SYR/other/other"),
    ],
)
def test_group_label_is_from_a_bounded_set(group: str, label: str) -> None:
    assert group_label(group) == label


def windows(registry: CollectorRegistry) -> dict[tuple[str, str], float]:
    return {
        (s.labels["rule"], s.labels["group"]): s.value
        for metric in registry.collect()
        if metric.name == "vigil_window_value"
        for s in metric.samples
    }


def test_unknown_regions_share_one_series_holding_the_largest_window() -> None:
    registry = CollectorRegistry()
    metrics = AggregatorMetrics(registry, RULES)
    metrics.record_windows(
        {
            ("children_24h", "SYR/Idlib"): 4,
            ("children_24h", "SYR/Atlantis"): 3,
            ("children_24h", "SYR/Xanadu"): 7,
            ("district_24h", "SYR/Idlib/Harim"): 2,
            ("district_24h", "SYR/Idlib/Maarrat"): 5,
        }
    )
    assert windows(registry) == {
        ("children_24h", "SYR/Idlib"): 4,
        ("children_24h", "SYR/other"): 7,
        ("district_24h", "SYR/Idlib/other"): 5,
    }
    metrics.record_windows({("children_24h", "SYR/Xanadu"): 0})  # its window emptied
    assert windows(registry)[("children_24h", "SYR/other")] == 3


def test_a_series_is_removed_when_its_window_empties() -> None:
    registry = CollectorRegistry()
    metrics = AggregatorMetrics(registry, RULES)
    metrics.record_windows({("children_24h", "SYR/Idlib"): 4, ("children_24h", "SYR/Nope"): 1})
    metrics.record_windows({("children_24h", "SYR/Idlib"): 0, ("children_24h", "SYR/Nope"): 0})
    assert windows(registry) == {}
    metrics.record_windows({("children_24h", "SYR/Hama"): 0})  # never shown: nothing to remove
    assert windows(registry) == {}
    metrics.record_windows({("children_24h", "SYR/Idlib"): 2})  # and back when it fills again
    assert windows(registry) == {("children_24h", "SYR/Idlib"): 2}


def test_thousands_of_unknown_regions_make_one_series() -> None:
    registry = CollectorRegistry()
    metrics = AggregatorMetrics(registry, RULES)
    metrics.record_windows({("children_24h", f"SYR/typo-{i}"): i + 1 for i in range(5000)})
    assert windows(registry) == {("children_24h", "SYR/other"): 5000}


def test_stream_metrics_have_no_service_label() -> None:
    registry = CollectorRegistry()
    metrics = StreamMetrics(registry, "classifier")
    metrics.record_ok(0.01)
    metrics.record_rejected("validation")
    labels = {
        name
        for metric in registry.collect()
        for s in metric.samples
        for name in s.labels
        if s.name.startswith("vigil_")
    }
    assert "service" not in labels
    assert registry.get_sample_value("vigil_deadletters_total", {"error_type": "validation"}) == 1
