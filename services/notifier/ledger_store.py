"""The delivery ledger on Kafka: the compacted topic ``vigil.notifier.deliveries.v1``.

A ledger record goes to the ledger partition of its alert's partition (alert partition
``p`` -> ledger partition ``p % n``), so a worker that is assigned alert partition ``p``
reads exactly one ledger partition to learn what every channel settled there.

Loading a partition must see every record written before the assignment. Tansu's
ListOffsets "latest" is wrong (docs/infrastructure.md#latest-offset), so the end is not
asked for: the worker writes a *barrier* record to the partition (its offset comes back
in the producer's ack) and reads from the beginning up to it. The previous owner wrote
its last records before it gave the partition up (``NotifierLoop.revoked`` flushes
before it returns), and a SIGKILLed owner writes nothing more, so everything written
before the barrier is all there is.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.notifier.domain.ledger import BARRIER_KEY

COMPACTED = {"cleanup.policy": "compact"}
LOAD_DEADLINE = 60.0


async def create_ledger_topic(bootstrap: str, name: str, partitions: int) -> None:
    """Create the compacted ledger topic if it does not exist."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        if name not in set(await admin.list_topics()):
            topic = NewTopic(
                name=name,
                num_partitions=partitions,
                replication_factor=1,
                topic_configs=COMPACTED,
            )
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([topic])
    finally:
        await admin.close()


class LedgerStore:
    def __init__(self, bootstrap: str, topic: str, producer: AIOKafkaProducer) -> None:
        self.topic = topic
        self._producer = producer
        self._reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
        )
        self.partitions = 1

    async def start(self) -> None:
        await self._reader.start()
        found = await self._partitions()
        self.partitions = max(1, len(found))

    async def _partitions(self) -> set[int]:
        deadline = time.monotonic() + 15
        while True:
            found = self._reader.partitions_for_topic(self.topic)
            if found:
                return set(found)
            if time.monotonic() > deadline:
                raise RuntimeError(f"ledger topic {self.topic} has no partitions")
            await self._reader.topics()  # refreshes the cluster metadata
            await asyncio.sleep(0.1)

    async def stop(self) -> None:
        await self._reader.stop()

    def partition_of(self, alert_partition: int) -> int:
        return alert_partition % self.partitions

    async def write(self, alert_partition: int, key: bytes, value: bytes) -> None:
        """Hand one record to the producer (acknowledged by the next ``flush``)."""
        await self._producer.send(
            self.topic, value, key=key, partition=self.partition_of(alert_partition)
        )

    async def flush(self) -> None:
        await self._producer.flush()

    async def load(
        self, alert_partitions: Iterable[int]
    ) -> list[tuple[bytes | None, bytes | None]]:
        """Every record of the ledger partitions of ``alert_partitions``, oldest first."""
        wanted = sorted({self.partition_of(p) for p in alert_partitions})
        if not wanted:
            return []
        barrier: dict[int, int] = {}
        for lp in wanted:
            sent = await self._producer.send_and_wait(
                self.topic,
                json.dumps({"barrier": time.time()}).encode(),
                key=BARRIER_KEY,
                partition=lp,
            )
            barrier[lp] = sent.offset
        tps = [TopicPartition(self.topic, lp) for lp in wanted]
        self._reader.assign(tps)
        await self._reader.seek_to_beginning(*tps)
        records: list[tuple[bytes | None, bytes | None]] = []
        open_ = set(wanted)
        deadline = time.monotonic() + LOAD_DEADLINE
        while open_:
            if time.monotonic() > deadline:
                raise RuntimeError(f"ledger partitions {sorted(open_)} not read to the end")
            batch = await self._reader.getmany(*tps, timeout_ms=200, max_records=5000)
            for tp, rows in batch.items():
                for row in rows:
                    if row.offset >= barrier[tp.partition]:
                        open_.discard(tp.partition)
                        break
                    records.append((row.key, row.value))
        return records
