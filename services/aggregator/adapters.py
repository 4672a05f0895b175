"""Adapters between the aggregator's service layer and Faust: tables whose writes go to
their changelog topics, and the producer the alerts and changelog records go through."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import faust

from services.aggregator.state import TABLES, StateTables, table_name
from services.common.batches import Record, send_batches
from services.common.worker import kafka_producer


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


def faust_tables(app: faust.App, partitions: int, changelog: Changelog) -> StateTables:
    """The state tables as changelogged Faust tables of ``app``."""
    stores = [
        # raw bytes both ways: without key_type/value_type a Faust table decodes its
        # changelog as JSON on recovery (it ignores the app's raw serializers), which
        # fails on every record and leaves a replacing worker stuck in recovery
        FaustStore(
            app.Table(table_name(name), partitions=partitions, key_type=bytes, value_type=bytes),
            changelog,
        )
        for name in TABLES
    ]
    return StateTables(*stores)


class AlertProducer:
    """Alert records to the alerts topic through the app's producer, one record batch per
    partition; returns the batches' futures (the outbox waits on them)."""

    def __init__(self, app: faust.App, topic: str) -> None:
        self.app = app
        self.topic = topic

    async def __call__(self, records: list[Record]) -> list[Any]:
        return await send_batches(await kafka_producer(self.app), self.topic, records)
