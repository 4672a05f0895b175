"""In-memory stand-ins for what the aggregator's service layer is given in production:
consumed records, the alert producer (whose futures the broker resolves), and the
dead-letter topic. No broker, no Faust."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry

from schemas.alerts import Alert
from schemas.deadletters import DeadLetter
from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.service import Aggregator
from services.aggregator.state import StateTables
from services.common.batches import Record
from services.common.topics import Topics

TOPICS = Topics("mem.")


@dataclass(frozen=True)
class Message:
    """A consumed record, as the service layer reads it (a Faust ``Message`` has these)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: list[tuple[str, bytes]] = field(default_factory=list)


class Inputs:
    """Numbers records per partition as a topic would."""

    def __init__(self, topic: str = TOPICS.classified) -> None:
        self.topic = topic
        self.offsets: dict[int, int] = {}

    def record(self, value: bytes | None, partition: int = 0, key: bytes | None = None) -> Message:
        offset = self.offsets.get(partition, 0)
        self.offsets[partition] = offset + 1
        return Message(self.topic, partition, offset, key, value)

    def incidents(self, items: Iterable[ClassifiedIncident], partition: int = 0) -> list[Message]:
        return [
            self.record(
                item.model_dump_json().encode(), partition, item.region.country.encode("ascii")
            )
            for item in items
        ]


def tick(wall: float, partition: int = 0, offset: int = 0) -> Message:
    return Message(
        TOPICS.aggregator_ticks, partition, offset, None, json.dumps({"wall": wall}).encode()
    )


class AlertOutbox:
    """The alert producer: keeps every record sent; the broker acknowledges only when
    ``acknowledge`` says so (until then the futures are pending)."""

    def __init__(self, acknowledge: bool = True) -> None:
        self.acknowledge = acknowledge
        self.records: list[Record] = []
        self.pending: list[asyncio.Future[Any]] = []

    async def __call__(self, records: list[Record]) -> list[Any]:
        self.records += records
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if self.acknowledge:
            future.set_result(None)
        else:
            self.pending.append(future)
        return [future]

    def ack_all(self) -> None:
        for future in self.pending:
            future.set_result(None)
        self.pending.clear()

    @property
    def alerts(self) -> list[Alert]:
        return [Alert.model_validate_json(value or b"") for _, value, _ in self.records]


class DeadLetters:
    """The dead-letter topic."""

    def __init__(self) -> None:
        self.sent: list[tuple[bytes | None, bytes]] = []

    async def send(self, *, key: bytes | None, value: bytes) -> None:
        self.sent.append((key, value))

    @property
    def letters(self) -> list[DeadLetter]:
        return [DeadLetter.model_validate_json(value) for _, value in self.sent]


@dataclass
class Harness:
    aggregator: Aggregator
    tables: StateTables
    alerts: AlertOutbox
    dead: DeadLetters
    registry: CollectorRegistry

    def sample(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0


def harness(
    config: EngineConfig,
    wall: float,
    tables: StateTables | None = None,
    acknowledge: bool = True,
) -> Harness:
    tables = tables or StateTables.in_memory()
    registry = CollectorRegistry()
    alerts, dead = AlertOutbox(acknowledge), DeadLetters()
    aggregator = Aggregator(
        config,
        tables,
        AggregatorMetrics(registry, config.rules),
        alerts,
        dead,
        wall=lambda: wall,
    )
    return Harness(aggregator, tables, alerts, dead, registry)
