"""Extractor metrics (on top of the shared stream metrics)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from services.common.metrics import StreamMetrics

OUTCOMES = ("reports", "no_incident", "unplaced")


class ExtractorMetrics(StreamMetrics):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry, "extractor")
        self.texts = Counter(
            "vigil_extractor_texts_total",
            "Texts read, by outcome: reports (at least one), no_incident (no casualty claim), "
            "unplaced (casualty claims that could not be placed: dead-lettered).",
            ["outcome"],
            registry=registry,
        )
        self.reports = Counter(
            "vigil_extracted_reports_total",
            "IncidentReports extracted from text, by kind (incident, summary).",
            ["kind"],
            registry=registry,
        )
        for outcome in OUTCOMES:
            self.texts.labels(outcome)

    def record_text(self, outcome: str, kinds: list[str], seconds: float) -> None:
        self.record_ok(seconds)
        self.texts.labels(outcome).inc()
        for kind in kinds:
            self.reports.labels(kind).inc()
