"""``fetched_end_offsets`` finds the end of a partition whatever ListOffsets "latest"
answers: Tansu answers the last record batch's base offset + 1, which a table recovery
must not stop at."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from services.common.batches import send_batches
from services.common.kafka import create_topics, fetched_end_offsets
from tools.broker import EmbeddedBroker

pytestmark = pytest.mark.integration


async def test_end_offsets_come_from_a_fetch_not_from_the_reported_latest(
    broker: EmbeddedBroker, topic_prefix: str
) -> None:
    topic = f"{topic_prefix}ends"
    await create_topics(broker.bootstrap, [topic], partitions=3)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, enable_idempotence=False)
    await producer.start()
    try:
        # partition 0: batches of 50 and 30 records; 1: single-record batches; 2: empty
        for count in (50, 30):
            await asyncio.gather(*await send_batches(producer, topic, [(b"k", b"v", 0)] * count))
        for _ in range(3):
            await producer.send_and_wait(topic, b"v", partition=1)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(bootstrap_servers=broker.bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(3)]
        reported = await consumer.end_offsets(tps)
        ends = await fetched_end_offsets(consumer, reported, 10.0)
    finally:
        await consumer.stop()
    assert {tp.partition: end for tp, end in ends.items()} == {0: 80, 1: 3, 2: 0}
    assert reported[tps[0]] <= 80  # Tansu: 51
