"""Reading topics to their real end, for the console and the ``vigil alerts | tail |
status`` commands (public aiokafka calls only).

The end of a partition comes from ``fetched_end_offsets`` (``services.common.kafka``):
on the embedded broker ListOffsets "latest" under-reports, a fetch does not. Topics are
looked up with an admin request, never by a consumer naming them (a broker may create a
topic a client names, with its own default partition count).
"""

from __future__ import annotations

import time

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from services.common.kafka import fetched_end_offsets, start_reader


async def partitions_of(
    bootstrap: str, topics: list[str], wait_seconds: float = 10.0
) -> list[TopicPartition]:
    """Every partition of those of ``topics`` that exist."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(wait_seconds * 1000)
    )
    await admin.start()
    try:
        present = set(await admin.list_topics())
        wanted = [t for t in topics if t in present]
        described = await admin.describe_topics(wanted) if wanted else []
    finally:
        await admin.close()
    return sorted(
        TopicPartition(info["topic"], part["partition"])
        for info in described
        for part in info["partitions"]
    )


async def end_offsets(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition], wait_seconds: float = 10.0
) -> dict[TopicPartition, int]:
    """The real end offset of each partition (``consumer``: a started reader)."""
    if not partitions:
        return {}
    reported = await consumer.end_offsets(partitions)
    return await fetched_end_offsets(consumer, reported, wait_seconds)


async def read_to_end(
    bootstrap: str, topics: list[str], wait_seconds: float = 30.0
) -> list[ConsumerRecord[bytes, bytes]]:
    """Every record of ``topics`` from the beginning to the end they have now, in
    partition order (a topic that does not exist reads as empty)."""
    partitions = await partitions_of(bootstrap, topics)
    if not partitions:
        return []
    consumer = await start_reader(bootstrap, wait_seconds=wait_seconds)
    try:
        ends = await end_offsets(consumer, partitions, wait_seconds)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        records: list[ConsumerRecord[bytes, bytes]] = []
        pending = {tp for tp in partitions if ends.get(tp, 0) > 0}
        deadline = time.monotonic() + wait_seconds
        while pending:
            if time.monotonic() > deadline:
                raise TimeoutError(f"could not read {sorted(pending)} to the end in time")
            batches = await consumer.getmany(*pending, timeout_ms=200, max_records=5000)
            for batch in batches.values():
                records.extend(batch)
            for tp in list(pending):
                if await consumer.position(tp) >= ends[tp]:
                    pending.discard(tp)
        return records
    finally:
        await consumer.stop()


async def committed_offsets(
    bootstrap: str, group_id: str, partitions: list[TopicPartition], wait_seconds: float = 10.0
) -> dict[TopicPartition, int | None]:
    """The consumer group's committed offset of each partition (None: nothing committed),
    asked by a client that shares the group id but never joins the group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=group_id,
        enable_auto_commit=False,
        request_timeout_ms=int(wait_seconds * 1000),
    )
    await consumer.start()
    try:
        return {tp: await consumer.committed(tp) for tp in partitions}
    finally:
        await consumer.stop()
