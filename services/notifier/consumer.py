"""The Kafka side, kept thin: read alert records, decide per channel with the delivery
ledger, hand them to the channel workers, dead-letter what cannot be sent, and commit
only what every channel settled.

Nothing lost, nothing doubled, across rebalances, restarts and SIGKILL:

- an offset is committed only past records every channel settled (delivered, skipped,
  or refused and dead-lettered), and only after the ledger records and dead letters
  behind it were acknowledged by the broker;
- a channel gets a transition only when its ledger mark says it has not settled it, so a
  record read again (after a rebalance, a restart, a crash) reaches only the channels
  that still owe it; a re-driven dead letter reaches only the channels that refused it;
- on revocation the worker stops starting deliveries for the partitions it loses, lets a
  request in flight finish and records its outcome, flushes the ledger and commits,
  before the partition moves: the next owner reads a complete ledger (it loads it on
  assignment, up to a barrier record);
- the only window left is a crash between a channel's 2xx and the broker's ack of its
  ledger record (milliseconds): that one transition is sent again after the takeover
  (webhooks carry ``Idempotency-Key: <fingerprint>:<seq>``, PagerDuty and Alertmanager
  deduplicate on the fingerprint and labels).

This is the aiokafka counterpart of a Faust service's ``agents.py`` (see the package
docstring for why there is no Faust here).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.abc import ConsumerRebalanceListener
from aiokafka.errors import KafkaError

from schemas.alerts import Alert
from services.common.codec import decode
from services.common.errors import RejectedInput, RejectionKind
from services.common.streams import send_dead_letter
from services.notifier.delivery import (
    Channel,
    ChannelWorker,
    Pending,
    SourceRecord,
    utc_now,
)
from services.notifier.domain.filters import passes_min_level
from services.notifier.domain.ledger import Active, Ledger
from services.notifier.domain.offsets import OffsetTracker
from services.notifier.ledger_store import LedgerStore
from services.notifier.metrics import NotifierMetrics
from services.notifier.settings import NotifierSettings

log = logging.getLogger(__name__)

SERVICE = "notifier"
POLL_MS = 200
MAX_BATCH = 500
LOAD_WAIT = 120.0


class NotifierLoop:
    def __init__(
        self,
        *,
        consumer: AIOKafkaConsumer,
        producer: AIOKafkaProducer,
        store: LedgerStore,
        channels: Sequence[Channel],
        settings: NotifierSettings,
        metrics: NotifierMetrics,
        now: Callable[[], datetime] = utc_now,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self._consumer = consumer
        self._producer = producer
        self._store = store
        self._settings = settings
        self._metrics = metrics
        self._now = now
        self._tracker: OffsetTracker[TopicPartition] = OffsetTracker()
        self._committed: dict[TopicPartition, int] = {}
        self.ledger = Ledger()
        self._owned: dict[TopicPartition, int] = {}
        """Partitions this worker owns, with the epoch of the ownership."""
        self._epoch = 0
        self._queued: set[tuple[str, int, str, int]] = set()
        """(channel, partition, fingerprint, seq) queued or in delivery: a copy read
        meanwhile (the aggregator re-sending its outbox) is not queued again."""
        self._keeps = {c.name for c in channels if c.keeps_active}
        policy = settings.retry_policy()
        self.workers = [
            ChannelWorker(
                channel,
                policy,
                owner=self,
                metrics=metrics,
                queue_size=settings.queue_size,
                retry_after_max=settings.retry_after_max,
                give_up_after=settings.give_up_after,
                rng=rng,
            )
            for channel in channels
        ]

    def rebalance_listener(self) -> ConsumerRebalanceListener:
        return _Rebalance(self)

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
        epoch = await self._ownership(partition)
        if epoch is None:
            return  # fetched before its partition was revoked: the new owner reads it
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
            await self._dead_letter(source, exc)
            self._tracker.add(partition, record.offset, 0)
            return
        item = Pending(alert, source, epoch)
        if not passes_min_level(alert, self._settings.min_level):
            self._metrics.record("below_min_level")
            self._tracker.add(partition, record.offset, 0)
            return
        owed = [
            w
            for w in self.workers
            if self._key(w.name, item) not in self._queued and self.wants(w.name, item)
        ]
        self._metrics.record("accepted" if owed else "duplicate")
        self._tracker.add(partition, record.offset, len(owed))
        for worker in owed:
            self._queued.add(self._key(worker.name, item))
            worker.put(item)

    async def _ownership(self, partition: TopicPartition) -> int | None:
        """The partition's epoch; for a partition assigned whose ledger is still loading
        (the fetcher may hand records over before the listener finished), wait for it."""
        deadline = asyncio.get_running_loop().time() + LOAD_WAIT
        while partition not in self._owned and partition in self._consumer.assignment():
            if asyncio.get_running_loop().time() > deadline:
                raise RuntimeError(f"ledger of {partition} not loaded in {LOAD_WAIT:g}s")
            await asyncio.sleep(0.01)
        return self._owned.get(partition)

    @staticmethod
    def _key(channel: str, item: Pending) -> tuple[str, int, str, int]:
        return (channel, item.record.partition, item.alert.fingerprint, item.alert.seq)

    # -- the worker's owner (see delivery.Owner) --------------------------------------------

    def current(self, item: Pending) -> bool:
        tp = TopicPartition(item.record.topic, item.record.partition)
        return self._owned.get(tp) == item.epoch

    def wants(self, channel: str, item: Pending) -> bool:
        return self.ledger.wants(channel, item.alert, item.record.redriven)

    def active_on(self, channel: str, item: Pending) -> Active | None:
        return self.ledger.active_on(channel, item.alert)

    def active(self, channel: str) -> list[Active]:
        return self.ledger.active(channel, {tp.partition for tp in self._owned})

    async def settled(
        self,
        item: Pending,
        channel: str,
        *,
        delivered: bool,
        write: bool,
        at: datetime | None = None,
    ) -> None:
        record = item.record
        self._queued.discard(self._key(channel, item))
        if write:
            key, value = self.ledger.settle(
                channel,
                item.alert,
                record.partition,
                delivered=delivered,
                keeps_active=channel in self._keeps,
                now=at or self._now(),
            )
            await self._store.write(record.partition, key, value)
        if self.current(item):
            self._tracker.settle(TopicPartition(record.topic, record.partition), record.offset)

    async def failed(self, item: Pending, channel: str, reason: str) -> None:
        await self._dead_letter(item.record, RejectedInput(reason, RejectionKind.DELIVERY))
        await self.settled(item, channel, delivered=False, write=True)

    # -- Kafka ------------------------------------------------------------------------------

    async def _dead_letter(self, source: SourceRecord, error: RejectedInput) -> None:
        """The shared edge policy (``services.common.streams``): dead letter, count, log."""
        topic = _ProducerTopic(self._producer, self._settings.topics.deadletters)
        await send_dead_letter(topic, SERVICE, source, error, self._metrics, self._now())

    async def commit(self, partitions: Sequence[TopicPartition] | None = None) -> None:
        """Commit every settled prefix that moved since the last commit, once the ledger
        records behind it are acknowledged."""
        offsets = {
            tp: offset
            for tp, offset in self._tracker.committable().items()
            if self._committed.get(tp) != offset and (partitions is None or tp in partitions)
        }
        if not offsets:
            return
        try:
            await self._store.flush()
            await self._consumer.commit(offsets)
        except KafkaError as exc:
            # Typically a rebalance in progress: the records are read again, not lost.
            log.warning("commit of %s failed: %s", offsets, exc)
            return
        self._committed.update(offsets)

    async def assigned(self, partitions: Sequence[TopicPartition]) -> None:
        """Load the ledger of the new partitions, then re-send what is active there."""
        new = [tp for tp in partitions if tp not in self._owned]
        if not new:
            return
        records = await self._store.load(tp.partition for tp in new)
        self.ledger.forget(tp.partition for tp in new)  # what is loaded replaces it
        for key, value in records:
            self.ledger.apply(key, value)
        self._metrics.ledger_loaded.inc(len(records))
        for tp in new:
            self._epoch += 1
            self._owned[tp] = self._epoch
        log.info(
            "assigned %s: %d ledger record(s) loaded",
            sorted(tp.partition for tp in new),
            len(records),
        )
        for worker in self.workers:
            worker.resend_now()

    async def revoked(self, partitions: Sequence[TopicPartition]) -> None:
        """Hand the partitions over cleanly: nothing more is started for them, what is in
        flight ends and is recorded, the ledger is flushed, settled offsets committed."""
        lost = [tp for tp in partitions if tp in self._owned]
        for tp in lost:
            del self._owned[tp]
        numbers = {tp.partition for tp in lost}
        await asyncio.gather(*(w.abandon(numbers) for w in self.workers))
        await self.commit(lost)
        await self._store.flush()
        self._tracker.forget(lost)
        for tp in lost:
            self._committed.pop(tp, None)
        self.ledger.forget(numbers)
        self._queued = {key for key in self._queued if key[1] not in numbers}
        if lost:
            log.info("revoked %s: handed over", sorted(numbers))


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, loop: NotifierLoop) -> None:
        self._loop = loop

    async def on_partitions_revoked(self, revoked: list[TopicPartition]) -> None:
        await self._loop.revoked(revoked)

    async def on_partitions_assigned(self, assigned: list[TopicPartition]) -> None:
        await self._loop.assigned(assigned)


@dataclass(frozen=True)
class _ProducerTopic:
    """The dead-letter topic through the notifier's own producer (waits for the ack)."""

    producer: Any
    topic: str

    async def send(self, *, key: bytes | None, value: bytes) -> Any:
        return await self.producer.send_and_wait(self.topic, value, key=key)
