"""Small aiokafka helpers shared by services, tools and tests."""

from __future__ import annotations

import asyncio
import contextlib

from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from services.common.topics import Topics


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
