"""Prometheus metrics of the ingest service, all created once on a registry passed in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from services.common.metrics import HttpMetrics

OUTCOMES = ("accepted", "rejected", "unpublished")
"""accepted: acked by the broker; rejected: failed validation (listed in the answer);
unpublished: valid but the broker did not ack in time (the client got a 503)."""


class IngestMetrics(HttpMetrics):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry)
        self.reports = Counter(
            "vigil_reports_received_total",
            "Reports received over HTTP, by outcome (accepted, rejected, unpublished).",
            ["outcome"],
            registry=registry,
        )
        for outcome in OUTCOMES:
            self.reports.labels(outcome=outcome)
        self.timeouts = Counter(
            "vigil_http_timeouts_total",
            "Requests answered 408 because the client was too slow, by phase (header, body).",
            ["phase"],
            registry=registry,
        )
        for phase in ("header", "body"):
            self.timeouts.labels(phase=phase)
        self.links = Counter(
            "vigil_link_decisions_received_total",
            "Analysts' link decisions published (POST /v1/links), by action (link, unlink).",
            ["action"],
            registry=registry,
        )
        for action in ("link", "unlink"):
            self.links.labels(action=action)

    def reports_accepted(self, count: int) -> None:
        self.reports.labels(outcome="accepted").inc(count)

    def reports_rejected(self, count: int) -> None:
        self.reports.labels(outcome="rejected").inc(count)

    def timed_out(self, phase: str) -> None:
        self.timeouts.labels(phase=phase).inc()

    def reports_unpublished(self, count: int) -> None:
        self.reports.labels(outcome="unpublished").inc(count)

    def link_decided(self, action: str) -> None:
        self.links.labels(action=action).inc()
