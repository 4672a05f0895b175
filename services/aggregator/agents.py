"""Stream wiring of the aggregator (thin): classified incidents and ticks in, each
partition batch handed to the service layer (``service.Aggregator``); idle ticks sent
by the leader; the HTTP views of firing alerts, clocks and summaries."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from typing import Any

from faust.types import TP, Message

from services.aggregator.service import Aggregator
from services.common.topics import Topics
from services.common.transport import App, BatchHandler


def wire(app: App, topics: Topics, aggregator: Aggregator, tick_interval: float) -> BatchHandler:
    ticks_topic = topics.aggregator_ticks

    @app.batch_agent(topics.classified, ticks_topic)
    async def aggregate_incidents(tp: TP, messages: Sequence[Message]) -> None:
        await aggregator.handle(tp.partition, messages, ticks=tp.topic == ticks_topic)

    async def forget_partitions(sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        aggregator.forget()

    app.on_partitions_assigned.connect(forget_partitions)  # type: ignore[arg-type]  # mode stubs

    async def stop(sender: Any, **kwargs: Any) -> None:
        await aggregator.stop()  # the input consumer stopped; the producer not yet

    app.on_before_shutdown.connect(stop)  # type: ignore[arg-type]  # mode stubs

    if tick_interval > 0:
        ticks = app.topic(ticks_topic)

        @app.timer(interval=tick_interval, on_leader=True)  # type: ignore[untyped-decorator]
        async def send_ticks() -> None:
            value = json.dumps({"wall": time.time()}).encode()
            for partition in range(app.conf.topic_partitions):
                await ticks.send(value=value, partition=partition)

    @app.page("/v1/alerts")
    async def firing_alerts(self: Any, request: Any) -> Any:
        return self.json({"firing": aggregator.tables.firing()})

    @app.page("/v1/clocks")
    async def clocks(self: Any, request: Any) -> Any:
        return self.json({"clocks": aggregator.clocks()})

    @app.page("/v1/summaries")
    async def summaries(self: Any, request: Any) -> Any:
        country = request.query.get("country")
        return self.json({"summaries": aggregator.tables.summary_reports(country)})

    return aggregate_incidents
