"""Builds the aggregator's Faust app from its settings (no work at import time)."""

from __future__ import annotations

import faust
from prometheus_client import CollectorRegistry

from services.aggregator.agents import Aggregator, wire
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.settings import AggregatorSettings
from services.aggregator.state import StateTables
from services.common.worker import make_app

TABLES = ("incidents", "summaries", "alerts", "clocks", "outbox")


def create_app(
    settings: AggregatorSettings, registry: CollectorRegistry | None = None
) -> faust.App:
    registry = registry or CollectorRegistry()
    config = settings.engine_config()
    app = make_app("aggregator", settings, registry)
    tables = StateTables(
        *(
            # raw bytes both ways: without key_type/value_type a Faust table decodes its
            # changelog as JSON on recovery (it ignores the app's raw serializers), which
            # fails on every record and leaves a replacing worker stuck in recovery
            app.Table(
                f"aggregator-{name}",
                partitions=settings.topic_partitions,
                key_type=bytes,
                value_type=bytes,
            )
            for name in TABLES
        )
    )
    metrics = AggregatorMetrics(registry, config.rules)
    alerts = app.topic(settings.topics.alerts)
    wire(
        app,
        settings.topics,
        Aggregator(config, tables, metrics, alerts),
        metrics,
        settings.tick_interval_seconds,
    )
    return app
