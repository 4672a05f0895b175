"""The classifier agent's wiring (``services/classifier/agents.py``) on an in-memory
transport: a real ``App`` that is never started, its registered batch handler called with
``TP``s and Faust ``Message`` objects as the consumer would, the classified records going
to an in-memory batch producer and dead letters to an in-memory topic. No broker: this
checks what the agent adds (the edge policy, the future guard, keys and partitions of
its output), not Kafka."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from faust.types import TP, Message
from prometheus_client import CollectorRegistry

from schemas.incidents import ClassifiedIncident
from services.classifier import agents
from services.classifier.logic import load_severity
from services.classifier.metrics import ClassifierMetrics
from services.classifier.settings import DEFAULT_SEVERITY
from services.common.batches import key_index
from services.common.eventtime import FutureGuard
from services.common.gazetteer import Gazetteer
from services.common.transport import App
from tests.factories import T0, report
from tests.service.memory import TOPICS, DeadLetters

pytestmark = pytest.mark.service

WALL = T0.timestamp() + 3600
PARTITIONS = 4


class Batch:
    def __init__(self) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []

    def append(self, *, timestamp: Any, key: bytes | None, value: bytes | None) -> object:
        self.records.append((key, value))
        return object()

    def close(self) -> None:
        pass


class BatchProducer:
    """aiokafka's batch API as ``send_batches`` uses it; the broker acks at once."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, int, bytes | None, bytes | None]] = []

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(PARTITIONS))

    def create_batch(self) -> Batch:
        return Batch()

    async def send_batch(self, batch: Batch, topic: str, *, partition: int) -> Any:
        self.sent += [(topic, partition, key, value) for key, value in batch.records]
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.set_result(None)
        return future


@pytest.fixture
def wired(
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[Any, BatchProducer, DeadLetters, CollectorRegistry]]:
    app = App(
        f"classifier-test-{uuid.uuid4().hex[:8]}",
        broker="kafka://127.0.0.1:9",  # never connected: the app is not started
        store="memory://",
        web_enabled=False,
    )
    producer, dead, registry = BatchProducer(), DeadLetters(), CollectorRegistry()

    async def kafka_producer(_: Any) -> BatchProducer:
        return producer

    monkeypatch.setattr(agents, "kafka_producer", kafka_producer)
    real_topic = app.topic

    def topic(*names: str, **options: Any) -> Any:
        return dead if names == (TOPICS.deadletters,) else real_topic(*names, **options)

    monkeypatch.setattr(app, "topic", topic)  # the dead-letter topic in memory
    handler = agents.wire(
        app,
        TOPICS,
        Gazetteer.default(),
        load_severity(DEFAULT_SEVERITY),
        ClassifierMetrics(registry),
        FutureGuard(),
    )
    assert app.batch_handlers == {TOPICS.reports: handler}
    yield handler, producer, dead, registry


def message(tp: TP, offset: int, value: bytes | None) -> Message:
    return Message(tp.topic, tp.partition, offset, WALL, 0, [], None, value, None, tp=tp)


async def test_reports_become_classified_incidents_keyed_and_partitioned_by_country(
    wired: tuple[Any, BatchProducer, DeadLetters, CollectorRegistry],
) -> None:
    handler, producer, dead, _ = wired
    tp = TP(TOPICS.reports, 0)
    syr = report("r1", killed=30, children=10)
    irq = report("r2", country="IRQ", region="Ninawa", killed=3)
    await handler(
        tp, [message(tp, n, r.model_dump_json().encode()) for n, r in enumerate([syr, irq])]
    )
    assert dead.sent == []
    out = [
        (topic, part, key, ClassifiedIncident.model_validate_json(value or b""))
        for topic, part, key, value in producer.sent
    ]
    assert [(topic, key, c.report.report_id) for topic, _, key, c in out] == [
        (TOPICS.classified, b"SYR", "r1"),
        (TOPICS.classified, b"IRQ", "r2"),
    ]
    assert all(part == key_index(key or b"", PARTITIONS) for _, part, key, _ in out)
    assert (
        out[0][3].region.admin1 == "Idlib" and out[0][3].severity.value != out[1][3].severity.value
    )


async def test_bad_bytes_and_future_reports_are_dead_letters_counted_and_the_batch_goes_on(
    wired: tuple[Any, BatchProducer, DeadLetters, CollectorRegistry],
) -> None:
    handler, producer, dead, registry = wired
    tp = TP(TOPICS.reports, 2)
    future = report("typo", hours=24 * 365 * 18)  # a mistyped year
    good = report("ok", killed=1)
    batch = [
        message(tp, 0, b"\xff not utf-8"),
        message(tp, 1, b'{"report_id": 1}'),
        message(tp, 2, future.model_dump_json().encode()),
        message(tp, 3, good.model_dump_json().encode()),
    ]
    await handler(tp, batch)
    letters = dead.letters
    assert [(d.error_type, d.source_partition, d.source_offset) for d in letters] == [
        ("decode", 2, 0),
        ("validation", 2, 1),
        ("future", 2, 2),
    ]
    assert letters[2].value_b64 is not None  # the original bytes, to re-drive
    assert [
        ClassifiedIncident.model_validate_json(v or b"").report.report_id for *_, v in producer.sent
    ] == ["ok"]
    for kind in ("decode", "validation", "future"):
        assert registry.get_sample_value("vigil_deadletters_total", {"error_type": kind}) == 1
