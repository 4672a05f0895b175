"""Every notifier metric, created once on a registry passed in. Labels are bounded: the
channel names come from configuration, outcomes from the fixed sets below."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class NotifierMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.notifications = Counter(
            "vigil_notifications_total",
            "Deliveries by channel and outcome (delivered, retried, failed, skipped: nothing "
            "to send for that transition, or already delivered).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.pending = Gauge(
            "vigil_notifications_pending",
            "Alerts waiting for (or in) delivery on a channel.",
            ["channel"],
            registry=registry,
        )
        self.latency = Histogram(
            "vigil_notification_latency_seconds",
            "From reading the alert record to the channel accepting it, retries included.",
            ["channel"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.records = Counter(
            "vigil_notifier_records_total",
            "Alert records read, by what happened to them (accepted, duplicate: every "
            "channel had settled it, below_min_level, rejected).",
            ["outcome"],
            registry=registry,
        )
        self.resends = Counter(
            "vigil_notifier_resent_alerts_total",
            "Active alerts re-sent to a channel that keeps them alive (Alertmanager), by "
            "outcome (delivered, failed).",
            ["channel", "outcome"],
            registry=registry,
        )
        self.deadletters = Counter(
            "vigil_deadletters_total",
            "Records sent to the dead-letter topic, by error type.",
            ["error_type"],
            registry=registry,
        )
        self.ledger_loaded = Counter(
            "vigil_notifier_ledger_records_loaded_total",
            "Delivery-ledger records read when partitions were assigned.",
            registry=registry,
        )

    def channel_configured(self, channel: str) -> None:
        """Make a channel's series exist at zero from the start."""
        for outcome in ("delivered", "retried", "failed", "skipped"):
            self.notifications.labels(channel, outcome)
        self.pending.labels(channel).set(0)

    def delivered(self, channel: str, seconds: float) -> None:
        self.notifications.labels(channel, "delivered").inc()
        self.latency.labels(channel).observe(seconds)

    def retried(self, channel: str) -> None:
        self.notifications.labels(channel, "retried").inc()

    def skipped(self, channel: str) -> None:
        self.notifications.labels(channel, "skipped").inc()

    def resent(self, channel: str, outcome: str, count: int) -> None:
        self.resends.labels(channel, outcome).inc(count)

    def failed(self, channel: str) -> None:
        self.notifications.labels(channel, "failed").inc()

    def set_pending(self, channel: str, count: int) -> None:
        self.pending.labels(channel).set(count)

    def record_rejected(self, error_type: str) -> None:
        """A dead letter written (``services.common.streams.send_dead_letter`` counts it)."""
        self.deadletters.labels(error_type).inc()

    def record(self, outcome: str) -> None:
        self.records.labels(outcome).inc()
