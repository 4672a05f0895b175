"""Classifier metrics (on top of the shared stream metrics)."""

from __future__ import annotations

from collections import Counter as Tally

from prometheus_client import CollectorRegistry, Counter

from schemas.incidents import ClassifiedIncident, Severity
from services.common.metrics import StreamMetrics


class ClassifierMetrics(StreamMetrics):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry, "classifier")
        self.severity = Counter(
            "vigil_incidents_classified_total",
            "Reports classified, by severity.",
            ["severity"],
            registry=registry,
        )
        self.unknown_regions = Counter(
            "vigil_unknown_regions_total",
            "Reports whose first-level region is not in the gazetteer (counted raw).",
            ["country"],
            registry=registry,
        )
        self.ignored = Counter(
            "vigil_reports_ignored_total",
            "Reports that changed nothing, by reason (here: future, refused by the guard).",
            ["reason"],
            registry=registry,
        )
        self.ignored.labels("future")
        # Bound once: one per severity, recorded for every report.
        self._by_severity = {s: self.severity.labels(s.value) for s in Severity}

    def record_rejected(self, error_type: str) -> None:
        super().record_rejected(error_type)
        if error_type == "future":
            self.ignored.labels("future").inc()

    def record_classified_many(self, done: list[tuple[ClassifiedIncident, float]]) -> None:
        """A batch of classified reports and the seconds each took."""
        self.record_ok_many([seconds for _, seconds in done])
        tally = Tally(incident.severity for incident, _ in done)
        for severity, count in tally.items():
            self._by_severity[severity].inc(count)
        for incident, _ in done:
            if not incident.region.known:
                self.unknown_regions.labels(incident.region.country).inc()
