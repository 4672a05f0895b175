"""Builds the aggregator's Faust app from its settings (no work at import time)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust
from prometheus_client import CollectorRegistry

from services.aggregator.agents import Aggregator, wire
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.settings import AggregatorSettings
from services.aggregator.state import StateTables
from services.common.batches import Record, send_batches
from services.common.worker import kafka_producer, make_app, warm_topics

TABLES = ("incidents", "summaries", "alerts", "clocks", "outbox")


class Changelog:
    """Table writes waiting to go to their changelog topics, sent by ``flush`` straight
    through the app's producer, one record batch per changelog partition (Faust's
    ``send_changelog`` costs a FutureMessage, a buffer round and a callback per record:
    ~10% of the aggregator's CPU). Records reach the broker before the inputs' offsets
    are committed: Faust flushes the producer before every commit."""

    def __init__(self, app: faust.App) -> None:
        self.app = app
        self.pending: list[tuple[str, bytes, bytes | None, int]] = []

    async def flush(self) -> None:
        if not self.pending:
            return
        producer = await kafka_producer(self.app)
        pending, self.pending = self.pending, []
        by_topic: dict[str, list[Record]] = {}
        for topic, key, value, partition in pending:
            by_topic.setdefault(topic, []).append((key, value, partition))
        for topic, records in by_topic.items():
            await send_batches(producer, topic, records)


class FaustStore:
    """A Faust table written from a batch agent: there is no current event to take the
    changelog partition from, so every write names it (the input's partition, as Faust
    would). Reads and writes go to the table's local store; writes also to its changelog
    (via ``Changelog``), which is what a replacing worker recovers the table from."""

    def __init__(self, table: Any, changelog: Changelog) -> None:
        self.table = table
        self.topic = table.changelog_topic.get_topic_name()
        self.changelog = changelog

    def get(self, key: bytes, /) -> bytes | None:
        value: bytes | None = self.table.data.get(key)
        return value

    def items(self) -> Iterable[tuple[bytes, bytes]]:
        return list(self.table.data.items())

    def values(self) -> Iterable[bytes]:
        return list(self.table.data.values())

    def __contains__(self, key: object, /) -> bool:
        return key in self.table.data

    def put(self, partition: int, key: bytes, value: bytes) -> None:
        self.table.data[key] = value
        self.changelog.pending.append((self.topic, key, value, partition))

    def delete(self, partition: int, key: bytes) -> None:
        self.table.data.pop(key, None)
        self.changelog.pending.append((self.topic, key, None, partition))


def create_app(
    settings: AggregatorSettings, registry: CollectorRegistry | None = None
) -> faust.App:
    registry = registry or CollectorRegistry()
    config = settings.engine_config()
    app = make_app("aggregator", settings, registry)
    changelog = Changelog(app)
    tables = StateTables(
        *(
            # raw bytes both ways: without key_type/value_type a Faust table decodes its
            # changelog as JSON on recovery (it ignores the app's raw serializers), which
            # fails on every record and leaves a replacing worker stuck in recovery
            FaustStore(
                app.Table(
                    f"aggregator-{name}",
                    partitions=settings.topic_partitions,
                    key_type=bytes,
                    value_type=bytes,
                ),
                changelog,
            )
            for name in TABLES
        )
    )
    metrics = AggregatorMetrics(registry, config.rules)

    async def send_alerts(records: list[Record]) -> list[Any]:
        """The producer's futures for the alert records' batches (the outbox waits on
        them)."""
        return await send_batches(await kafka_producer(app), settings.topics.alerts, records)

    wire(
        app,
        settings.topics,
        Aggregator(config, tables, metrics, send_alerts, changelog.flush),
        metrics,
        settings.tick_interval_seconds,
    )
    stores = [t for t in (tables.incidents, tables.summaries, tables.alerts, tables.clocks,
                          tables.outbox) if isinstance(t, FaustStore)]  # fmt: skip
    warm_topics(app, lambda: [settings.topics.alerts, *(s.topic for s in stores)])
    return app
