"""The Kafka side, kept thin: read alert records, decide, hand them to the channel
workers, dead-letter what cannot be sent, and commit only what every channel settled.

This is the aiokafka counterpart of a Faust service's ``agents.py`` (see the package
docstring for why there is no Faust here).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from datetime import datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from schemas.alerts import Alert
from services.common.codec import decode
from services.common.deadletter import dead_letter
from services.common.errors import RejectedInput
from services.notifier.delivery import (
    Channel,
    ChannelWorker,
    Pending,
    SourceRecord,
    utc_now,
)
from services.notifier.domain.filters import SeqFilter, passes_min_level
from services.notifier.domain.offsets import OffsetTracker
from services.notifier.metrics import NotifierMetrics
from services.notifier.settings import NotifierSettings

log = logging.getLogger(__name__)

SERVICE = "notifier"
POLL_MS = 200
MAX_BATCH = 500


class NotifierLoop:
    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        channels: Sequence[Channel],
        settings: NotifierSettings,
        metrics: NotifierMetrics,
        now: Callable[[], datetime] = utc_now,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._settings = settings
        self._metrics = metrics
        self._now = now
        self._tracker: OffsetTracker[TopicPartition] = OffsetTracker()
        self._committed: dict[TopicPartition, int] = {}
        self._seen = SeqFilter()
        policy = settings.retry_policy()
        self.workers = [
            ChannelWorker(
                channel,
                policy,
                metrics=metrics,
                on_settled=self._settled,
                on_failure=self._delivery_failed,
                queue_size=settings.queue_size,
                rng=rng,
            )
            for channel in channels
        ]

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return _CommitOnRevoke(self)

    async def run(self, stop: asyncio.Event) -> None:
        """Consume until ``stop`` is set, give pending deliveries ``shutdown_grace`` seconds,
        commit what was settled. Undelivered alerts stay uncommitted: the next start resends."""
        tasks = [asyncio.create_task(w.run(), name=f"notify-{w.name}") for w in self.workers]
        try:
            await self._consume(stop, tasks)
            grace = self._settings.shutdown_grace
            await asyncio.gather(*(w.drained(grace) for w in self.workers))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.commit()
        left = {w.name: w.pending for w in self.workers if w.pending}
        if left:
            log.warning("stopped with undelivered alerts %s; they are resent on restart", left)

    async def _consume(self, stop: asyncio.Event, tasks: list[asyncio.Task[None]]) -> None:
        while not stop.is_set():
            for task in tasks:
                if task.done():
                    task.result()  # a worker died: a bug or no dead-letter topic; crash loudly
            free = min((w.free() for w in self.workers), default=MAX_BATCH)
            # A full queue pauses fetching instead of blocking here, so the consumer keeps
            # polling (and its group membership) while a channel is down.
            if free <= 0:
                self._consumer.pause(*self._consumer.assignment())
            elif self._consumer.paused():
                self._consumer.resume(*self._consumer.paused())
            batch = await self._consumer.getmany(
                timeout_ms=POLL_MS, max_records=max(1, min(free, MAX_BATCH))
            )
            for partition, records in batch.items():
                for record in records:
                    await self._intake(partition, record)
            await self.commit()

    async def _intake(
        self, partition: TopicPartition, record: ConsumerRecord[bytes, bytes]
    ) -> None:
        source = SourceRecord(
            topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=record.key,
            value=record.value,
            headers=tuple(record.headers),
        )
        try:
            alert = decode(Alert, record.value)
        except RejectedInput as exc:
            self._metrics.record("rejected")
            log.warning("rejected record %s@%d: %s", partition, record.offset, exc.reason)
            await self._dead_letter(source, exc.reason, exc.kind)
            self._tracker.add(partition, record.offset, 0)
            return
        if not self._seen.admit(alert.fingerprint, alert.seq):
            outcome, waiting_for = "duplicate", 0
        elif not passes_min_level(alert, self._settings.min_level):
            outcome, waiting_for = "below_min_level", 0
        else:
            outcome, waiting_for = "accepted", len(self.workers)
        self._metrics.record(outcome)
        self._tracker.add(partition, record.offset, waiting_for)
        if waiting_for:
            for worker in self.workers:
                worker.put(Pending(alert, source))

    def _settled(self, item: Pending) -> None:
        record = item.record
        self._tracker.settle(TopicPartition(record.topic, record.partition), record.offset)

    async def _delivery_failed(self, item: Pending, channel: str, reason: str) -> None:
        await self._dead_letter(item.record, reason, "delivery")

    async def _dead_letter(self, source: SourceRecord, reason: str, kind: str) -> None:
        letter = dead_letter(
            service=SERVICE,
            reason=reason,
            error_type=kind,
            topic=source.topic,
            partition=source.partition,
            offset=source.offset,
            key=source.key,
            value=source.value,
            headers=source.headers,
            now=self._now(),
        )
        await self._producer.send_and_wait(
            self._settings.topics.deadletters,
            letter.model_dump_json().encode("utf-8"),
            key=source.key,
        )

    async def commit(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        """Commit every settled prefix that moved since the last commit."""
        offsets = {
            tp: offset
            for tp, offset in self._tracker.committable().items()
            if self._committed.get(tp) != offset and (partitions is None or tp in partitions)
        }
        if not offsets:
            return
        try:
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            # Typically a rebalance in progress: the records are read again, not lost.
            log.warning("commit of %s failed: %s", offsets, exc)
            return
        self._committed.update(offsets)

    async def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        await self.commit(partitions)
        self._tracker.forget(partitions)
        for tp in partitions:
            self._committed.pop(tp, None)


class _CommitOnRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Commit what was settled before a partition moves to another member. Alerts of
    that partition still queued here are delivered anyway (at least once)."""

    def __init__(self, loop: NotifierLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._loop.revoked(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        return None
