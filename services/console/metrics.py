"""Prometheus metrics of the console, created once on a registry passed in."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from schemas.alerts import Alert
from services.common.metrics import HttpMetrics

SOURCES = ("alerts", "deadletters", "changelogs")
FIRING = "vigil_console_alert_firing"
FIRING_LABELS = ("fingerprint", "rule", "level", "country", "region")


class FiringAlerts(Collector):
    """``vigil_console_alert_firing``: one series per alert firing now (its latest
    transition on the alerts topic), valued at the window total it announced, labelled
    with what a dashboard's table and its link to the alert's page need. Read at scrape
    time from the console's index, so a resolved alert's series goes away."""

    def __init__(self, firing: Callable[[], Iterable[Alert]]) -> None:
        self.firing = firing

    def describe(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(FIRING, self._help(), labels=FIRING_LABELS)

    @staticmethod
    def _help() -> str:
        return (
            "Alerts firing now (latest transition on the alerts topic), valued at the window "
            "total announced; labels: fingerprint (the page is /alerts/<fingerprint>), rule, "
            "level, country, region (group key)."
        )

    def collect(self) -> Iterator[Metric]:
        family = GaugeMetricFamily(FIRING, self._help(), labels=FIRING_LABELS)
        for alert in self.firing():
            country = alert.group.get("country") or alert.group_key.split("/", 1)[0]
            family.add_metric(
                [alert.fingerprint, alert.rule, alert.level or "", country, alert.group_key],
                float(alert.value),
            )
        yield family


class ConsoleMetrics(HttpMetrics):
    def __init__(self, registry: CollectorRegistry) -> None:
        super().__init__(registry)
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

    def watch_firing(self, firing: Callable[[], Iterable[Alert]]) -> None:
        """Export the alerts ``firing()`` returns at each scrape (``FiringAlerts``)."""
        self.registry.register(FiringAlerts(firing))
