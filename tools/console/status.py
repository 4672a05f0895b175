"""Gathering what ``vigil status`` prints: each service's readiness (when a run-state
file names their URLs), the lag of each service's consumer group, the event-time clock
of every country, dead letters and firing alerts; all from the broker and the services'
own endpoints."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient

from services.aggregator.state import changelog_topic, decode_clock
from services.common.kafka import start_reader
from services.common.topics import Topics
from services.console.reading import (
    committed_offsets,
    end_offsets,
    partitions_of,
    read_to_end,
)
from services.console.replica import AlertIndex, DeadLetterTally
from tools.console.terminal import LagRow, ServiceState, Status

CONSUMERS = ("classifier", "aggregator", "extractor", "notifier")
"""The services that read topics in a consumer group ``<app id prefix>-<service>``."""


def inputs(topics: Topics) -> dict[str, list[str]]:
    """service -> the topics its consumer group reads."""
    return {
        "classifier": [topics.reports],
        "aggregator": [topics.classified, topics.aggregator_ticks],
        "extractor": [topics.raw_text],
        "notifier": [topics.alerts],
    }


@dataclass(frozen=True)
class Target:
    """A Vigil deployment to look at."""

    bootstrap: str
    topic_prefix: str
    app_id_prefix: str
    console_url: str | None = None
    services: dict[str, str] = field(default_factory=dict)
    """service -> base URL (from a run-state file)."""
    where: str = ""

    @property
    def topics(self) -> Topics:
        return Topics(self.topic_prefix)


def readiness(name: str, base: str, timeout: float = 2.0) -> ServiceState:
    """A service's ``/readyz`` in words."""
    try:
        with urllib.request.urlopen(f"{base}/readyz", timeout=timeout) as response:
            body = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
    except (OSError, ValueError) as exc:
        return ServiceState(name, "down", f"{base} does not answer ({exc})")
    checks = body.get("checks", {})
    failing = [f"{n}: {c.get('detail')}" for n, c in checks.items() if not c.get("ok")]
    if body.get("status") == "ready":
        return ServiceState(name, "ready", f"{base} ({', '.join(sorted(checks))} ok)")
    return ServiceState(name, "not ready", f"{base}: " + "; ".join(failing))


async def groups(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        return {str(group[0]) for group in await admin.list_consumer_groups()}
    finally:
        await admin.close()


async def lag_rows(target: Target, existing: set[str]) -> list[LagRow]:
    rows = []
    by_service = inputs(target.topics)
    wanted = sorted({t for ts in by_service.values() for t in ts})
    partitions = await partitions_of(target.bootstrap, wanted)
    reader = await start_reader(target.bootstrap)
    try:
        ends = await end_offsets(reader, partitions)
    finally:
        await reader.stop()
    for service in CONSUMERS:
        group = f"{target.app_id_prefix}-{service}"
        if group not in existing:
            continue
        mine = [tp for tp in partitions if tp.topic in by_service[service]]
        committed = await committed_offsets(target.bootstrap, group, mine)
        rows += [
            LagRow(group, tp.topic, tp.partition, committed[tp], ends.get(tp, 0)) for tp in mine
        ]
    return rows


def service_states(target: Target, existing: set[str]) -> list[ServiceState]:
    if target.services:
        return [readiness(name, url) for name, url in target.services.items()]
    states = []
    for service in CONSUMERS:
        group = f"{target.app_id_prefix}-{service}"
        there = group in existing
        states.append(
            ServiceState(
                service,
                "group known" if there else "no group",
                f"consumer group {group} "
                + ("exists on the broker" if there else "not found: never ran here"),
            )
        )
    return states


def clocks_from(records: Sequence[object]) -> dict[str, float]:
    clocks: dict[str, float] = {}
    for record in records:
        key, value = getattr(record, "key", None), getattr(record, "value", None)
        if key is None:
            continue
        now = None if value is None else decode_clock(value).now
        if now is None:
            clocks.pop(key.decode(), None)
        else:
            clocks[key.decode()] = now
    return clocks


async def gather(target: Target) -> Status:
    topics = target.topics
    existing = await groups(target.bootstrap)
    status = Status(target.where)
    status.services = await asyncio.to_thread(service_states, target, existing)
    status.lag = await lag_rows(target, existing)
    clock_records = await read_to_end(
        target.bootstrap, [changelog_topic(target.app_id_prefix, "clocks")]
    )
    status.clocks = clocks_from(clock_records)
    tally = DeadLetterTally()
    for record in await read_to_end(target.bootstrap, [topics.deadletters]):
        tally.apply(record.value)
    status.deadletters = tally.by_kind
    index = AlertIndex(history_limit=1)
    for record in await read_to_end(target.bootstrap, [topics.alerts]):
        index.apply(record.value, record.timestamp / 1000)
    status.alerts = list(index.latest())
    return status
