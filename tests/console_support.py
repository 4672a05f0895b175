"""The seed story run through the aggregator's own rules in memory, and what the console
would read from the topics: the alert records and the aggregator's tables (for tests of
the console's views and pages without a broker); and the console's app served on a free
loopback port over that state."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from schemas.reports import IncidentReport
from services.aggregator.domain.countries import Countries
from services.aggregator.domain.engine import Effects, EngineConfig
from services.aggregator.domain.rules import RuleSet
from services.aggregator.settings import AggregatorSettings
from services.aggregator.state import StateTables
from services.classifier.logic import classify, load_severity
from services.common.gazetteer import Gazetteer
from services.console.app import ConsoleState, build_app
from services.console.metrics import ConsoleMetrics
from services.console.replica import AggregatorReplica, AlertIndex, DeadLetterTally
from services.console.settings import ConsoleSettings

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_FEED = ROOT / "tools" / "demo" / "sample_feed.jsonl"
SEVERITY = ROOT / "services" / "classifier" / "severity.yaml"
PUBLISHED = 1_764_000_000.0
"""The wall time the alert records are stamped with (fixed: pages are compared as text)."""
NOW = PUBLISHED + 600.0
"""The wall time the pages are rendered at."""
IDLIB_CHILDREN = "children_killed_24h:0187a209466efc4e"
"""The seed story's Idlib alert (>= 10 children killed in Idlib within 24 h)."""


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


def console_state(seeded: Seeded, **settings: Any) -> ConsoleState:
    """The console's state over ``seeded``, at the fixed wall time ``NOW``."""
    metrics = ConsoleMetrics(CollectorRegistry())
    metrics.watch_firing(lambda: [p.alert for p in seeded.index.firing()])
    return ConsoleState(
        ConsoleSettings(http_host="127.0.0.1", **settings),
        seeded.rules,
        seeded.index,
        seeded.replica,
        seeded.deadletters,
        wall=lambda: NOW,
        metrics=metrics,
    )


@asynccontextmanager
async def serve(state: ConsoleState) -> AsyncIterator[TestClient[Any, Any]]:
    """The console's app over ``state`` on a free 127.0.0.1 port (``client.make_url``)."""
    client: TestClient[Any, Any] = TestClient(TestServer(build_app(state), host="127.0.0.1"))
    await client.start_server()
    try:
        yield client
    finally:
        await client.close()


def now() -> float:
    return time.time()
