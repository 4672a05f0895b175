"""Builds the aggregator's Faust app from its settings (no work at import time): the
adapters (Faust tables, producer, dead-letter topic) around the service layer, wired to
the topics by ``agents.wire``."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry

from services.aggregator.adapters import AlertProducer, Changelog, FaustStore, faust_tables
from services.aggregator.agents import wire
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.service import Aggregator
from services.aggregator.settings import AggregatorSettings
from services.common.worker import make_app, warm_topics


def create_app(
    settings: AggregatorSettings, registry: CollectorRegistry | None = None
) -> faust.App:
    registry = registry or CollectorRegistry()
    config = settings.engine_config()
    app = make_app("aggregator", settings, registry)
    changelog = Changelog(app)
    tables = faust_tables(app, settings.topic_partitions, changelog)
    metrics = AggregatorMetrics(registry, config.rules)
    aggregator = Aggregator(
        config,
        tables,
        metrics,
        AlertProducer(app, settings.topics.alerts),
        app.topic(settings.topics.deadletters),
        changelog.flush,
    )
    wire(app, settings.topics, aggregator, settings.tick_interval_seconds)
    stores = [s for s in tables.stores().values() if isinstance(s, FaustStore)]
    warm_topics(app, lambda: [settings.topics.alerts, *(s.topic for s in stores)])
    return app
