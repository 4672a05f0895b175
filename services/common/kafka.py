"""Small aiokafka helpers shared by services, tools and tests (public aiokafka API only)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.common.topics import Topics

FETCH_MAX_WAIT_MS = 10
"""How long a fetch waits for records. Tansu answers a waiting fetch only when this runs
out, even when records arrive meanwhile (docs/infrastructure.md#fetch-wait): see
``services.common.faust_internals``."""
PREFETCH_BACKOFF_S = 0.005
"""aiokafka's pause before fetching again while fetched records are unread (default 0.1)."""


async def create_topics(
    bootstrap: str,
    names: tuple[str, ...] | list[str],
    partitions: int = 1,
    wait_seconds: float = 15.0,
) -> None:
    """Create topics that do not exist yet (idempotent)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=int(wait_seconds * 1000)
    )
    await asyncio.wait_for(admin.start(), wait_seconds)
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(name=n, num_partitions=partitions, replication_factor=1)
            for n in names
            if n not in existing
        ]
        if missing:
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics(missing)
    finally:
        await admin.close()


async def create_vigil_topics(bootstrap: str, topics: Topics, partitions: int = 1) -> None:
    await create_topics(bootstrap, topics.all(), partitions)


async def fetched_end_offsets(
    consumer: AIOKafkaConsumer, reported: Mapping[TopicPartition, int], wait_seconds: float
) -> dict[TopicPartition, int]:
    """The end offset (last offset + 1) of each partition in ``reported``, found by fetching.

    ``reported`` holds what the broker answered to ListOffsets "latest". Apache Kafka
    answers the end; Tansu answers the last record batch's base offset + 1, short of the
    end by all but one record of that batch. So each partition is read from its reported
    end - 1 until a fetch brings nothing more, and its end is the largest of the
    reported one, the high watermark of the fetch responses and the last offset read + 1.
    ``consumer`` is a started consumer outside any group; its assignment is replaced.
    Raises ``TimeoutError`` when the fetches take longer than ``wait_seconds``."""
    ends = dict(reported)
    if not ends:
        return ends
    consumer.assign(list(ends))
    for tp, end in ends.items():
        consumer.seek(tp, max(end - 1, 0))
    deadline = time.monotonic() + wait_seconds
    pending = set(ends)
    while pending:
        if time.monotonic() > deadline:
            raise TimeoutError(f"no fetch answer for {sorted(pending)} in {wait_seconds} s")
        fetched = await consumer.getmany(*pending, timeout_ms=50)
        for tp, records in fetched.items():
            if records:
                ends[tp] = max(ends[tp], records[-1].offset + 1)
        for tp in list(pending):
            highwater = consumer.highwater(tp)
            if highwater is None:
                continue  # no fetch response for it yet
            ends[tp] = max(ends[tp], highwater)
            if not fetched.get(tp) and await consumer.position(tp) >= highwater:
                pending.discard(tp)
    return ends


async def start_reader(
    bootstrap: str, *topics: str, wait_seconds: float = 15.0
) -> AIOKafkaConsumer:
    """A started consumer for tools that read topics from the beginning: no group,
    nothing committed (subscribed to ``topics``, or to nothing: assign partitions)."""
    consumer = AIOKafkaConsumer(
        *topics,
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=int(wait_seconds * 1000),
    )
    await asyncio.wait_for(consumer.start(), wait_seconds)
    return consumer
