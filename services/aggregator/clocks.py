"""The running aggregator's event-time clock per country, read from its changelog (for
tools: ``vigil import`` warns before publishing what the lateness would refuse)."""

from __future__ import annotations

import time

from aiokafka import TopicPartition

from services.aggregator.state import changelog_topic, decode_clock
from services.common.kafka import start_reader

CONNECT_TIMEOUT = 10.0


async def read_clocks(
    bootstrap: str, app_id_prefix: str, idle_timeout: float = 1.0
) -> dict[str, float]:
    """country -> T from the clocks table's changelog (the last record of each key wins),
    read from the beginning until no record came for ``idle_timeout`` seconds (the
    embedded broker's "latest" offset is unreliable). {} when there is none yet."""
    topic = changelog_topic(app_id_prefix, "clocks")
    consumer = await start_reader(bootstrap, wait_seconds=CONNECT_TIMEOUT)
    clocks: dict[str, float] = {}
    try:
        # Never subscribe to a topic that does not exist: the broker may create it (with
        # its default partition count), and the aggregator would then find a changelog
        # that does not match its table.
        if topic not in await consumer.topics():
            return clocks
        partitions = consumer.partitions_for_topic(topic) or set()
        consumer.assign([TopicPartition(topic, p) for p in sorted(partitions)])
        await consumer.seek_to_beginning()
        last = time.monotonic()
        while time.monotonic() - last < idle_timeout:
            for records in (await consumer.getmany(timeout_ms=100)).values():
                for record in records:
                    if record.key is None:
                        continue
                    country = record.key.decode()
                    now = None if record.value is None else decode_clock(record.value).now
                    if now is None:
                        clocks.pop(country, None)
                    else:
                        clocks[country] = now
                last = time.monotonic()
    finally:
        await consumer.stop()
    return clocks
