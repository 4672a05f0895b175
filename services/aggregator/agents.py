"""Stream wiring of the aggregator: classified incidents and ticks in, alerts out."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from faust.types import TP, Message

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from services.aggregator.domain.engine import Effects, Engine, EngineConfig
from services.aggregator.domain.incidents import Outcome
from services.aggregator.metrics import AggregatorMetrics
from services.aggregator.state import StateTables
from services.common.batches import Record
from services.common.codec import decode
from services.common.errors import RejectedInput
from services.common.streams import elapsed, send_dead_letter
from services.common.topics import Topics
from services.common.transport import App, BatchHandler

log = logging.getLogger(__name__)


class Aggregator:
    """One engine per owned partition, rebuilt from the tables after every rebalance."""

    def __init__(
        self,
        config: EngineConfig,
        tables: StateTables,
        metrics: AggregatorMetrics,
        send_alerts: Callable[[list[Record]], Awaitable[list[Any]]],
        flush_writes: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.config = config
        self.flush_writes = flush_writes
        self.tables = tables
        self.metrics = metrics
        self.send_alerts = send_alerts
        self.engines: dict[int, Engine] = {}
        self.sending: dict[int, list[tuple[list[Alert], list[Any]]]] = {}

    async def engine(self, partition: int) -> Engine:
        engine = self.engines.get(partition)
        if engine is None:
            engine, undelivered = self.tables.rebuild(partition, self.config)
            self.engines[partition] = engine
            log.info(
                "partition %s: rebuilt %d incidents, %d alert states, %d undelivered",
                partition,
                len(engine.views),
                len(engine.alerts),
                len(undelivered),
            )
            await self.publish(partition, undelivered)
            await self.apply(partition, engine, engine.reconcile())
            self.metrics.record_firing(s for e in self.engines.values() for s in e.alerts.values())
        self.settle(partition)
        return engine

    async def publish(
        self, partition: int, alerts: list[Alert], encoded: Sequence[str] | None = None
    ) -> None:
        """Hand the alerts to the producer, in order, without waiting for the broker: the
        outbox keeps them until ``settle`` sees them acknowledged (and Faust flushes the
        producer before it commits an input's offset). ``encoded``: their JSON, if known."""
        if not alerts:
            return
        texts = encoded if encoded is not None else [a.model_dump_json() for a in alerts]
        futures = await self.send_alerts(
            [
                (a.fingerprint.encode(), text.encode("utf-8"), None)
                for a, text in zip(alerts, texts, strict=True)
            ]
        )
        self.sending.setdefault(partition, []).append((alerts, futures))
        self.metrics.record_transitions(alerts)
        for alert in alerts:
            log.info("alert %s", alert.summary)

    def settle(self, partition: int) -> None:
        """Clear from the outbox what the broker acknowledged."""
        waiting = []
        for alerts, futures in self.sending.get(partition, []):
            if all(f.done() for f in futures):
                for future in futures:
                    future.result()  # a failed send is a broken broker: crash loudly
                self.tables.delivered(alerts)
            else:
                waiting.append((alerts, futures))
        self.sending[partition] = waiting

    async def apply(
        self, partition: int, engine: Engine, effects: Effects, arrived: Mapping[str, str] = {}
    ) -> None:
        encoded = [a.model_dump_json() for a in effects.transitions]  # once, for both
        self.tables.persist(partition, engine, effects, arrived, encoded)
        if self.flush_writes is not None:
            await self.flush_writes()  # the outbox is queued before the alerts
        await self.publish(partition, effects.transitions, encoded)
        if effects.transitions:
            self.metrics.record_firing(s for e in self.engines.values() for s in e.alerts.values())
        self.metrics.record_windows(effects.windows)
        self.metrics.record_watermark(partition, engine.clock.now)


def wire(
    app: App,
    topics: Topics,
    aggregator: Aggregator,
    metrics: AggregatorMetrics,
    tick_interval: float,
) -> BatchHandler:
    ticks = app.topic(topics.aggregator_ticks)
    dlq = app.topic(topics.deadletters)

    @app.batch_agent(topics.classified, topics.aggregator_ticks)
    async def aggregate_incidents(tp: TP, messages: Sequence[Message]) -> None:
        """Every input is decided on its own, in offset order (so alerts do not depend on
        how records were batched); the batch's state writes and alerts go out together."""
        partition = tp.partition
        engine = await aggregator.engine(partition)
        batch = Effects()
        arrived: dict[str, str] = {}
        done: list[tuple[Outcome, float]] = []
        is_tick = tp.topic == topics.aggregator_ticks
        for message in messages:
            started = time.perf_counter()
            if is_tick:
                try:
                    wall = float(json.loads(message.value or b"")["wall"])
                except (ValueError, KeyError, TypeError) as exc:
                    error = RejectedInput(f"bad tick: {exc}", "decode")
                    await send_dead_letter(dlq, "aggregator", message, error, metrics)
                    continue
                engine.tick(wall, batch)
                continue
            try:
                incident = decode(ClassifiedIncident, message.value)
            except RejectedInput as error:
                await send_dead_letter(dlq, "aggregator", message, error, metrics)
                continue
            outcome = engine.process(incident, time.time(), batch).outcome
            if outcome in (Outcome.APPLIED, Outcome.SUMMARY):
                arrived[incident.report.report_id] = (message.value or b"").decode("utf-8")
            if outcome is not None:
                done.append((outcome, elapsed(started)))
        await aggregator.apply(partition, engine, batch, arrived)
        # Counted once the batch's state and alerts are handed over: a record counted as
        # consumed has had all its effects (replay and benchmark wait on this count).
        metrics.record_outcomes(done)

    async def forget_engines(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        aggregator.engines.clear()  # rebuilt from the recovered tables on next use
        aggregator.sending.clear()  # what is unacknowledged is still in the outbox

    app.on_partitions_assigned.connect(forget_engines)  # type: ignore[arg-type]  # mode stubs

    if tick_interval > 0:

        @app.timer(interval=tick_interval, on_leader=True)  # type: ignore[untyped-decorator]
        async def send_ticks() -> None:
            value = json.dumps({"wall": time.time()}).encode()
            for partition in range(app.conf.topic_partitions):
                await ticks.send(value=value, partition=partition)

    @app.page("/v1/alerts")
    async def firing_alerts(self: Any, request: Any) -> Any:
        return self.json({"firing": aggregator.tables.firing()})

    @app.page("/v1/summaries")
    async def summaries(self: Any, request: Any) -> Any:
        country = request.query.get("country")
        return self.json({"summaries": aggregator.tables.summary_reports(country)})

    return aggregate_incidents
