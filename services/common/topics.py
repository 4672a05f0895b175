"""Every Kafka topic Vigil reads or writes, in one place.

Names carry the schema's major version. A deployment may prefix them all (settings
``topic_prefix``) so that several Vigil instances, or tests, share one cluster.
"""

from __future__ import annotations

from dataclasses import dataclass

REPORTS = "vigil.reports.v1"
"""IncidentReport JSON, keyed by country (so one country's incidents share a partition)."""
RAW_TEXT = "vigil.reports.raw-text.v1"
"""Free-text wire reports (UTF-8), turned into IncidentReports by the extractor."""
CLASSIFIED = "vigil.incidents.classified.v1"
"""ClassifiedIncident JSON, keyed by country."""
AGGREGATOR_TICKS = "vigil.aggregator.ticks.v1"
"""Wall-clock ticks that move the event-time clock of idle partitions (aggregator-internal)."""
ALERTS = "vigil.alerts.v2"
"""Alert transitions (Alert v2), keyed by fingerprint. (``vigil.alerts.v1`` carried Alert
v1, before the ``updated`` and ``late`` transitions; it is no longer written.)"""
DEADLETTERS = "vigil.deadletters.v1"
"""DeadLetter JSON: records some service could not decode or validate."""
NOTIFIER_DELIVERIES = "vigil.notifier.deliveries.v1"
"""The notifier's delivery ledger: one compacted record per alert and channel, keyed
``<fingerprint>#<channel>`` (notifier-internal; created by the notifier, compacted)."""

ALL = (REPORTS, RAW_TEXT, CLASSIFIED, AGGREGATOR_TICKS, ALERTS, DEADLETTERS)


@dataclass(frozen=True)
class Topics:
    """Topic names as one deployment sees them (with its prefix)."""

    prefix: str = ""

    @property
    def reports(self) -> str:
        return self.prefix + REPORTS

    @property
    def raw_text(self) -> str:
        return self.prefix + RAW_TEXT

    @property
    def classified(self) -> str:
        return self.prefix + CLASSIFIED

    @property
    def aggregator_ticks(self) -> str:
        return self.prefix + AGGREGATOR_TICKS

    @property
    def alerts(self) -> str:
        return self.prefix + ALERTS

    @property
    def deadletters(self) -> str:
        return self.prefix + DEADLETTERS

    @property
    def notifier_deliveries(self) -> str:
        return self.prefix + NOTIFIER_DELIVERIES

    def all(self) -> tuple[str, ...]:
        return tuple(self.prefix + name for name in ALL)
