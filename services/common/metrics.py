"""Metrics every stream service records; each service's ``metrics.py`` extends this.

Created once per process on a registry passed in (tests pass a fresh one).
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
            ["service", "outcome"],
            registry=registry,
        )
        self.deadletters = Counter(
            "vigil_deadletters_total",
            "Records sent to the dead-letter topic, by error type.",
            ["service", "error_type"],
            registry=registry,
        )
        self.latency = Histogram(
            "vigil_processing_latency_seconds",
            "Time to process one record, from receipt to output sent.",
            ["service"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        # Pre-create the label sets so dashboards show 0 rather than nothing; the ones
        # recorded for every record are bound once (``labels()`` costs a lock and a lookup).
        self._consumed_ok = self.consumed.labels(service, "ok")
        self.consumed.labels(service, "invalid")
        self._latency = self.latency.labels(service)

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
        self.consumed.labels(self.service, "invalid").inc()
        self.deadletters.labels(self.service, error_type).inc()
