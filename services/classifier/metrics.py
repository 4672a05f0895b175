"""Classifier metrics (on top of the shared stream metrics)."""

from __future__ import annotations

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
        for severity in Severity:
            self.severity.labels(severity.value)

    def record_classified(self, incident: ClassifiedIncident, seconds: float) -> None:
        self.record_ok(seconds)
        self.severity.labels(incident.severity.value).inc()
        if not incident.region.known:
            self.unknown_regions.labels(incident.region.country).inc()
