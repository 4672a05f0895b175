"""Metrics every stream service records; each service's ``metrics.py`` extends this.

Created once per process on a registry passed in (tests pass a fresh one). There is no
``service`` label: every service has its own ``/metrics``, and Prometheus labels each
series with the scrape target's ``job`` (deploy/prometheus/prometheus.yml names each
job like its service), which dashboards and rules aggregate by.
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

LATENCY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)


class StreamMetrics:
    def __init__(self, registry: CollectorRegistry, service: str) -> None:
        self.service = service
        self.consumed = Counter(
            "vigil_reports_consumed_total",
            "Records consumed, by outcome (ok, invalid).",
            ["outcome"],
            registry=registry,
        )
        self.deadletters = Counter(
            "vigil_deadletters_total",
            "Records sent to the dead-letter topic, by error type.",
            ["error_type"],
            registry=registry,
        )
        self.latency = Histogram(
            "vigil_processing_latency_seconds",
            "Time to process one record, from receipt to output sent.",
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Pre-create the label sets so dashboards show 0 rather than nothing; the ones
        # recorded for every record are bound once (``labels()`` costs a lock and a lookup).
        self._consumed_ok = self.consumed.labels("ok")
        self._consumed_invalid = self.consumed.labels("invalid")
        self._latency = self.latency

    def record_ok(self, seconds: float) -> None:
        self._consumed_ok.inc()
        self._latency.observe(seconds)

    def record_ok_many(self, seconds: list[float]) -> None:
        """``record_ok`` for a batch of records: one counter update for them all."""
        if seconds:
            self._consumed_ok.inc(len(seconds))
            observe = self._latency.observe
            for value in seconds:
                observe(value)

    def record_rejected(self, error_type: str) -> None:
        self._consumed_invalid.inc()
        self.deadletters.labels(error_type).inc()


class HttpMetrics:
    """Metrics of a service that answers HTTP requests (ingest, console): every answer
    counted by route template and status, and timed."""

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

    def request_answered(self, route: str, status: int, seconds: float) -> None:
        self.requests.labels(route=route, status=str(status)).inc()
        self.latency.labels(route=route).observe(seconds)
