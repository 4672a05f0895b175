"""``send_batches`` against the real broker: records land where ``producer.send`` puts
them (the default partitioner's partition for a key, or the one named), in order, with
batches that fill up split without losing or reordering a record (also one larger
than a batch)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

import pytest
from aiokafka import AIOKafkaProducer

from services.common.batches import Record, send_batches
from services.common.kafka import create_topics
from tests.support import consume
from tools.broker import EmbeddedBroker

pytestmark = pytest.mark.integration

PARTITIONS = 4


def layout(records: list[object]) -> dict[int, list[tuple[bytes | None, bytes | None]]]:
    by_partition: dict[int, list[tuple[bytes | None, bytes | None]]] = defaultdict(list)
    for r in records:
        by_partition[r.partition].append((r.key, r.value))  # type: ignore[attr-defined]
    return dict(by_partition)


async def test_batches_land_where_send_puts_them_in_order(
    broker: EmbeddedBroker, topic_prefix: str
) -> None:
    batched, sent = f"{topic_prefix}batched", f"{topic_prefix}sent"
    await create_topics(broker.bootstrap, [batched, sent], partitions=PARTITIONS)
    keys = [b"SYR", b"UKR", b"SDN", b"YEM", b"MMR", b"COD"]
    # ~300-byte values in 2 KiB batches: every partition's records need several batches
    records: list[Record] = [
        (keys[n % len(keys)], f"{n:06d}".encode() + b"x" * 300, None) for n in range(240)
    ]
    records += [(None, f"pinned-{n}".encode(), 2) for n in range(10)]  # named partition
    records.append((b"SYR", b"y" * 5000, None))  # larger than a whole batch
    producer = AIOKafkaProducer(
        bootstrap_servers=broker.bootstrap, enable_idempotence=False, max_batch_size=2048
    )
    await producer.start()
    try:
        futures = await send_batches(producer, batched, records)
        await asyncio.gather(*futures)
        assert len(futures) > PARTITIONS  # full batches were split
        for key, value, partition in records:
            await producer.send(sent, value, key=key, partition=partition)
        await producer.flush()
    finally:
        await producer.stop()
    got = layout(await consume(broker.bootstrap, batched, len(records)))
    want = layout(await consume(broker.bootstrap, sent, len(records)))
    assert sum(len(v) for v in got.values()) == len(records)
    assert got == want
    assert [v for k, v in got[2] if k is None] == [f"pinned-{n}".encode() for n in range(10)]


async def test_a_record_with_neither_key_nor_partition_is_refused(
    broker: EmbeddedBroker, topic_prefix: str
) -> None:
    topic = f"{topic_prefix}nokey"
    await create_topics(broker.bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        with pytest.raises(ValueError, match="needs a key or a partition"):
            await send_batches(producer, topic, [(b"k", b"v", 0), (None, b"v", None)])
    finally:
        await producer.stop()
