"""The seed story run through the aggregator's own rules in memory, and what the console
would read from the topics: the alert records and the aggregator's tables (for tests of
the console's views and pages without a broker)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from schemas.reports import IncidentReport
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Effects, EngineConfig
from services.aggregator.domain.rules import RuleSet
from services.aggregator.settings import AggregatorSettings
from services.aggregator.state import StateTables
from services.classifier.logic import classify, load_severity
from services.common.gazetteer import Gazetteer
from services.console.replica import AggregatorReplica, AlertIndex, DeadLetterTally

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FEED = ROOT / "services" / "demo" / "sample_feed.jsonl"
SEVERITY = ROOT / "services" / "classifier" / "severity.yaml"
PUBLISHED = 1_764_000_000.0
"""The wall time the alert records are stamped with (fixed: pages are compared as text)."""


@dataclass
class Seeded:
    index: AlertIndex
    replica: AggregatorReplica
    deadletters: DeadLetterTally
    rules: RuleSet
    config: EngineConfig


def load_feed(path: Path = SAMPLE_FEED) -> list[IncidentReport]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [IncidentReport.model_validate_json(line) for line in lines if line.strip()]


def seed(reports: list[IncidentReport] | None = None, partition: int = 0) -> Seeded:
    """The feed through the classifier's and the aggregator's rules (wall time: each
    report's own issue time), its alerts into an ``AlertIndex`` and the tables into an
    ``AggregatorReplica`` as their changelogs would carry them."""
    settings = AggregatorSettings(tick_interval_seconds=0)
    config = settings.engine_config()
    severity = load_severity(SEVERITY)
    gazetteer = Gazetteer.default()
    countries = Countries(config)
    tables = StateTables.in_memory()
    index = AlertIndex()
    published = PUBLISHED
    for report in reports if reports is not None else load_feed():
        effects = Effects()
        countries.process(
            classify(report, gazetteer, severity), report.reported_at.timestamp(), effects
        )
        tables.persist(partition, effects)
        for alert in effects.transitions:
            published += 1.0
            index.apply(alert.model_dump_json().encode(), published)
    replica = AggregatorReplica(config)
    for name, store in tables.stores().items():
        for key, value in store.items():
            replica.apply(name, partition, key, value)
    return Seeded(index, replica, DeadLetterTally(), config.rules, config)


def now() -> float:
    return time.time()
