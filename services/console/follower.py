"""Reads the console's topics into its replica, from the beginning, every partition, with
no consumer group (nothing committed: a restarted console reads them again).

Topics: ``vigil.alerts.v2``, ``vigil.deadletters.v1`` and the aggregator's changelog
topics of the tables the console copies (``<app id prefix>-aggregator-aggregator-<table>-
changelog``). A topic that does not exist yet (no aggregator has run) is looked for again
every few seconds and never subscribed to before it exists: a metadata request naming it
would let the broker create it with its own default partition count.

*Caught up*: every partition assigned has been read to the high watermark its last fetch
reported, once after start (``/readyz`` waits for it; pages say when they may be
incomplete). The high watermark comes from fetch responses, which are right on the
embedded broker too (its ListOffsets "latest" is not).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from services.aggregator.state import changelog_topic
from services.common.kafka import start_reader
from services.common.topics import Topics
from services.console.metrics import ConsoleMetrics
from services.console.reading import partitions_of
from services.console.replica import REPLICATED, AggregatorReplica, AlertIndex, DeadLetterTally

log = logging.getLogger(__name__)

LOOK_FOR_TOPICS_EVERY = 5.0


@dataclass
class Sources:
    """Which topic feeds which part of the replica."""

    alerts: str
    deadletters: str
    changelogs: dict[str, str]
    """changelog topic -> aggregator table"""

    @classmethod
    def of(cls, topics: Topics, app_id_prefix: str) -> Sources:
        return cls(
            topics.alerts,
            topics.deadletters,
            {changelog_topic(app_id_prefix, name): name for name in REPLICATED},
        )

    def all(self) -> list[str]:
        return [self.alerts, self.deadletters, *self.changelogs]


class Follower:
    def __init__(
        self,
        bootstrap: str,
        sources: Sources,
        index: AlertIndex,
        replica: AggregatorReplica,
        deadletters: DeadLetterTally,
        metrics: ConsoleMetrics,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.bootstrap = bootstrap
        self.sources = sources
        self.index = index
        self.replica = replica
        self.deadletters = deadletters
        self.metrics = metrics
        self.clock = clock
        self.assigned: set[TopicPartition] = set()
        self.caught_up = False
        self.last_record: float | None = None
        """Wall time of the last record read."""
        self.records = 0

    async def run(self, stop: asyncio.Event) -> None:
        """Read until ``stop`` is set; a broker that goes away is waited for."""
        while not stop.is_set():
            try:
                consumer = await start_reader(self.bootstrap, wait_seconds=10)
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("console: Kafka at %s unreachable (%s); retrying", self.bootstrap, exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)
                continue
            try:
                await self._follow(consumer, stop)
            except (KafkaError, OSError, TimeoutError) as exc:
                log.warning("console: reading stopped (%s); starting again", exc)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 2.0)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer, stop: asyncio.Event) -> None:
        positions: dict[TopicPartition, int] = {}
        looked = -LOOK_FOR_TOPICS_EVERY
        while not stop.is_set():
            if self.clock() - looked >= LOOK_FOR_TOPICS_EVERY:
                looked = self.clock()
                await self._assign_new(consumer, positions)
            if not self.assigned:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), 0.5)
                continue
            batches = await consumer.getmany(timeout_ms=500, max_records=5000)
            for tp, records in batches.items():
                for record in records:
                    self._apply(tp, record.key, record.value, record.timestamp)
                if records:
                    positions[tp] = records[-1].offset + 1
            if not self.caught_up and not batches:
                self.caught_up = await self._at_end(consumer)
                if self.caught_up:
                    self.metrics.caught_up.set(1)
                    log.info("console: read every topic to its end (%d records)", self.records)

    async def _assign_new(
        self, consumer: AIOKafkaConsumer, positions: dict[TopicPartition, int]
    ) -> None:
        new = {tp for tp in await partitions_of(self.bootstrap, self.sources.all())}
        new -= self.assigned
        if not new:
            return
        self.assigned |= new
        consumer.assign(sorted(self.assigned))  # replaces the assignment: restore positions
        for tp in self.assigned:
            if tp in positions:
                consumer.seek(tp, positions[tp])
        await consumer.seek_to_beginning(*[tp for tp in new if tp not in positions])
        log.info("console: reading %s", ", ".join(sorted({tp.topic for tp in new})))

    async def _at_end(self, consumer: AIOKafkaConsumer) -> bool:
        for tp in self.assigned:
            highwater = consumer.highwater(tp)
            if highwater is None or await consumer.position(tp) < highwater:
                return False
        return True

    def _apply(
        self, tp: TopicPartition, key: bytes | None, value: bytes | None, timestamp: int | None
    ) -> None:
        self.records += 1
        self.last_record = time.time()
        sources = self.sources
        if tp.topic == sources.alerts:
            self.index.apply(value, None if timestamp is None else timestamp / 1000)
            self.metrics.records.labels("alerts").inc()
        elif tp.topic == sources.deadletters:
            self.deadletters.apply(value)
            self.metrics.records.labels("deadletters").inc()
        else:
            self.replica.apply(sources.changelogs[tp.topic], tp.partition, key, value)
            self.metrics.records.labels("changelogs").inc()
