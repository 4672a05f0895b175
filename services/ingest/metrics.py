"""Prometheus metrics of the ingest service, all created once on a registry passed in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

OUTCOMES = ("accepted", "rejected", "unpublished")
"""accepted: acked by the broker; rejected: failed validation (listed in the answer);
unpublished: valid but the broker did not ack in time (the client got a 503)."""


class IngestMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "vigil_http_requests_total",
            "HTTP requests answered, by route template and status code.",
            ["route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "vigil_http_request_duration_seconds",
            "Time from request received to response ready, by route template.",
            ["route"],
            registry=registry,
        )
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

    def request_answered(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)

    def reports_accepted(self, count: int) -> None:
        self.reports.labels(outcome="accepted").inc(count)

    def reports_rejected(self, count: int) -> None:
        self.reports.labels(outcome="rejected").inc(count)

    def timed_out(self, phase: str) -> None:
        self.timeouts.labels(phase=phase).inc()

    def reports_unpublished(self, count: int) -> None:
        self.reports.labels(outcome="unpublished").inc(count)
