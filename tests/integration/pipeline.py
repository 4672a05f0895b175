"""Helpers for tests that run real Vigil workers against the session broker."""

from __future__ import annotations

import contextlib
import json
import time
import urllib.request
from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer
from prometheus_client.parser import text_string_to_metric_families

from services.common.kafka import create_vigil_topics
from services.common.topics import Topics
from tools.broker import EmbeddedBroker
from tools.stack import Stack

T = TypeVar("T")


def scrape(url: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a /metrics page, keyed by (name, sorted labels)."""
    with urllib.request.urlopen(url, timeout=2) as response:
        text = response.read().decode()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def sample(url: str, name: str, **labels: str) -> float | None:
    return scrape(url).get((name, tuple(sorted(labels.items()))))


async def read_topic(
    bootstrap: str, topic: str, until: Callable[[list[bytes]], bool], seconds: float
) -> list[bytes]:
    """Read ``topic`` from the beginning until ``until(values)`` holds (or the deadline)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and not until(values):
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                values.extend(r.value for r in records if r.value is not None)
    finally:
        await consumer.stop()
    return values


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=2) as response:
        return json.loads(response.read())


@contextlib.asynccontextmanager
async def running(
    broker: EmbeddedBroker, topics: Topics, run_dir: Path, services: Iterable[str]
) -> AsyncIterator[Stack]:
    """The topics created and ``services`` running as workers on this test's prefix
    (idle ticks off, so wall time plays no part); all stopped by PID afterwards."""
    await create_vigil_topics(broker.bootstrap, topics)
    stack = Stack(run_dir, broker.bootstrap)
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_APP_ID_PREFIX": f"{topics.prefix}vigil",
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
    }
    try:
        for name in services:
            stack.start_service(name, env)
        yield stack
    finally:
        stack.stop()
