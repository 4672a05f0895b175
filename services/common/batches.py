"""Handing many records to the producer at once: one Kafka record batch per partition.

``AIOKafkaProducer.send`` costs a partitioner call (murmur2 in Python), a future and an
accumulator look-up per record: a fifth of the classifier's CPU (py-spy, make bench).
A batch agent has a whole input batch of outputs at hand, so ``send_batches`` appends
them to one ``BatchBuilder`` per partition (aiokafka's C record builder) and submits each
builder closed, so it goes out at once instead of lingering.

Delivery is what ``send`` gives: a batch sits in the producer's accumulator, and
``producer.flush()`` (which Faust awaits before it commits an input offset) waits for it,
so at-least-once holds. Records of one partition keep their order: a full builder is
submitted before the next is started, and aiokafka sends one batch of a partition at a
time. Keys are partitioned as the default partitioner does (murmur2), so a key lands
where any Kafka client would put it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from aiokafka.partitioner import murmur2

Record = tuple[bytes | None, bytes | None, int | None]
"""(key, value, partition); partition None: the key's partition (the key is required)."""


@lru_cache(maxsize=65536)
def key_index(key: bytes, count: int) -> int:
    """Index among ``count`` partitions of ``key``: the default partitioner's choice."""
    index: int = (murmur2(key) & 0x7FFFFFFF) % count
    return index


async def send_batches(producer: Any, topic: str, records: Iterable[Record]) -> list[Any]:
    """Hand ``records`` to the aiokafka ``producer`` as one closed batch per partition (more
    when a batch fills up) and return the batches' delivery futures, without waiting for
    them. Raises ``ValueError`` for a record with neither key nor partition."""
    partitions: list[int] | None = None
    builders: dict[int, Any] = {}
    futures: list[Any] = []
    for key, value, partition in records:
        if partition is None:
            if key is None:
                raise ValueError(f"a record for {topic} needs a key or a partition")
            if partitions is None:
                partitions = sorted(await producer.partitions_for(topic))
            partition = partitions[key_index(key, len(partitions))]
        builder = builders.get(partition)
        if builder is None:
            builder = builders[partition] = producer.create_batch()
        if builder.append(timestamp=None, key=key, value=value) is None:  # full
            futures.append(await _submit(producer, topic, partition, builder))
            builder = builders[partition] = producer.create_batch()
            builder.append(timestamp=None, key=key, value=value)  # an empty batch takes any
    for partition, builder in builders.items():
        futures.append(await _submit(producer, topic, partition, builder))
    return futures


async def _submit(producer: Any, topic: str, partition: int, builder: Any) -> asyncio.Future[Any]:
    builder.close()  # complete: no point lingering for more records
    future: asyncio.Future[Any] = await producer.send_batch(builder, topic, partition=partition)
    return future
