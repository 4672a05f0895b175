"""Publishing IncidentReports to the reports topic (used by ingest, importers, demo, tests).

Reports are keyed by country so that every report of one country, and so every revision
of one incident, lands in one partition (the aggregator's state is per partition).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from aiokafka import AIOKafkaProducer

from schemas.reports import IncidentReport


def report_key(report: IncidentReport) -> bytes:
    return report.location.country.encode("ascii")


def encode_report(report: IncidentReport) -> bytes:
    return report.model_dump_json(exclude_none=True).encode("utf-8")


def make_producer(bootstrap: str, **kwargs: object) -> AIOKafkaProducer:
    """acks=all, no idempotence: Tansu rejects InitProducerId
    (docs/infrastructure.md#no-idempotent-producer)."""
    return AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=False, linger_ms=5, **kwargs
    )


async def publish_reports(
    producer: AIOKafkaProducer, topic: str, reports: Iterable[IncidentReport]
) -> list[str]:
    """Send and wait until the broker acknowledged every one; returns their report ids."""
    futures = []
    ids = []
    for report in reports:
        futures.append(await producer.send(topic, encode_report(report), key=report_key(report)))
        ids.append(report.report_id)
    await asyncio.gather(*futures)
    return ids
