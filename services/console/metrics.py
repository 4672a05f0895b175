"""Prometheus metrics of the console, created once on a registry passed in."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

SOURCES = ("alerts", "deadletters", "changelogs")


class ConsoleMetrics:
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
        self.records = Counter(
            "vigil_console_records_total",
            "Records read into the console, by source (alerts, deadletters, changelogs).",
            ["source"],
            registry=registry,
        )
        for source in SOURCES:
            self.records.labels(source)
        self.caught_up = Gauge(
            "vigil_console_caught_up",
            "1 once every topic was read to its end after start-up.",
            registry=registry,
        )
        self.rebuild = Histogram(
            "vigil_console_rebuild_seconds",
            "Time to rebuild the aggregator's engines from the copied tables (per request "
            "that found new changelog records).",
            registry=registry,
        )

    def request_answered(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)
