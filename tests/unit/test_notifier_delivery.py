"""Delivery outcomes against a real local HTTP server, and the consumer loop's commits
and dead letters with an in-memory consumer and producer."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from aiokafka import ConsumerRecord, TopicPartition
from prometheus_client import CollectorRegistry

from schemas.alerts import Alert, Transition
from schemas.deadletters import DeadLetter
from services.common.broker import free_port
from services.notifier.consumer import NotifierLoop
from services.notifier.delivery import (
    Attempt,
    ChannelWorker,
    HttpChannel,
    Pending,
    SourceRecord,
)
from services.notifier.domain.payloads import webhook_payload
from services.notifier.domain.retry import Outcome, RetryPolicy
from services.notifier.metrics import NotifierMetrics
from services.notifier.samples import sample_alert
from services.notifier.settings import NotifierSettings

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)


async def until(check: Callable[[], bool], deadline: float = 5.0) -> None:
    """Poll ``check`` until true or fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


@dataclass
class Receiver:
    """A webhook endpoint answering each path with a script of statuses (last one repeats)."""

    scripts: dict[str, list[int]]
    got: list[tuple[str, Any]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((request.path, await request.json()))
        script = self.scripts[request.path]
        status = script.pop(0) if len(script) > 1 else script[0]
        return web.Response(status=status, text=f"answer {status}")

    async def start(self, port: int = 0) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_post("/{name}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner, runner.addresses[0][1]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def value(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    return metrics.get_sample_value(name, labels) or 0.0


class Harness:
    def __init__(self, session: aiohttp.ClientSession, url: str) -> None:
        self.registry = CollectorRegistry()
        self.settled: list[Pending] = []
        self.failures: list[str] = []
        channel = HttpChannel(
            "webhook-1", url, lambda a, now: webhook_payload(a), session=session, timeout=2
        )
        self.worker = ChannelWorker(
            channel,
            FAST,
            metrics=NotifierMetrics(self.registry),
            on_settled=self.settled.append,
            on_failure=self._failed,
            queue_size=10,
            rng=lambda: 0.5,
        )

    async def _failed(self, item: Pending, channel: str, reason: str) -> None:
        self.failures.append(reason)

    def put(self, alert: Alert, offset: int = 0) -> None:
        self.worker.put(Pending(alert, SourceRecord("alerts", 0, offset, b"k", b"v")))

    def count(self, outcome: str) -> float:
        return value(
            self.registry, "vigil_notifications_total", channel="webhook-1", outcome=outcome
        )


async def run_until_drained(harness: Harness) -> None:
    task = asyncio.create_task(harness.worker.run())
    try:
        assert await harness.worker.drained(5.0)
    finally:
        task.cancel()


async def test_server_errors_are_retried_until_delivered(session: aiohttp.ClientSession) -> None:
    receiver = Receiver({"/hook": [500, 500, 200]})
    runner, port = await receiver.start()
    try:
        harness = Harness(session, f"http://127.0.0.1:{port}/hook")
        harness.put(sample_alert())
        await run_until_drained(harness)
    finally:
        await runner.cleanup()
    assert [harness.count(o) for o in ("retried", "delivered", "failed")] == [2, 1, 0]
    assert len(receiver.got) == 3 and all(body["seq"] == 1 for _, body in receiver.got)
    assert harness.failures == [] and len(harness.settled) == 1
    assert value(harness.registry, "vigil_notifications_pending", channel="webhook-1") == 0


async def test_client_error_is_a_permanent_failure(session: aiohttp.ClientSession) -> None:
    receiver = Receiver({"/hook": [400]})
    runner, port = await receiver.start()
    try:
        harness = Harness(session, f"http://127.0.0.1:{port}/hook")
        harness.put(sample_alert())
        await run_until_drained(harness)
    finally:
        await runner.cleanup()
    assert len(receiver.got) == 1  # not retried: the same request would get the same answer
    assert [harness.count(o) for o in ("retried", "delivered", "failed")] == [0, 0, 1]
    [reason] = harness.failures
    assert "webhook-1 refused" in reason and "HTTP 400: answer 400" in reason
    assert len(harness.settled) == 1


async def test_a_channel_that_is_down_loses_nothing(session: aiohttp.ClientSession) -> None:
    port = free_port()  # nothing listens: connection refused
    harness = Harness(session, f"http://127.0.0.1:{port}/hook")
    transitions = [
        sample_alert(seq=1, level="warning"),
        sample_alert(seq=2, transition=Transition.ESCALATED, previous_level="warning"),
        sample_alert(seq=3, transition=Transition.RESOLVED, previous_level="critical"),
    ]
    for offset, alert in enumerate(transitions):
        harness.put(alert, offset)
    task = asyncio.create_task(harness.worker.run())
    receiver = Receiver({"/hook": [200]})
    runner = None
    try:
        await until(lambda: harness.count("retried") >= 3)
        assert harness.worker.pending == 3 and harness.settled == []
        runner, _ = await receiver.start(port)  # the channel comes back
        assert await harness.worker.drained(5.0)
    finally:
        task.cancel()
        if runner is not None:
            await runner.cleanup()
    assert [body["seq"] for _, body in receiver.got] == [1, 2, 3]  # all, in order
    assert [p.record.offset for p in harness.settled] == [0, 1, 2]
    assert harness.count("delivered") == 3 and harness.count("failed") == 0


async def test_a_timeout_is_retried(session: aiohttp.ClientSession) -> None:
    async def slow(request: web.Request) -> web.Response:
        await asyncio.sleep(1)
        return web.Response()

    app = web.Application()
    app.router.add_post("/slow", slow)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/slow"
        channel = HttpChannel("w", url, lambda a, now: {}, session=session, timeout=0.05)
        result = await channel.send(sample_alert())
    finally:
        await runner.cleanup()
    assert (result.outcome, result.status) == (Outcome.RETRY, None)


# --- the consumer loop, with an in-memory consumer and producer ---------------------------

PARTITION = TopicPartition("t.vigil.alerts.v1", 0)


def record(offset: int, value: bytes) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(PARTITION.topic, 0, offset, 0, 0, b"fp", value, None, 2, len(value), [])


class FakeConsumer:
    def __init__(self, records: list[ConsumerRecord[bytes, bytes]]) -> None:
        self.records = records
        self.commits: list[int] = []
        self._paused: set[TopicPartition] = set()
        self.was_paused = False

    def assignment(self) -> set[TopicPartition]:
        return {PARTITION}

    def pause(self, *partitions: TopicPartition) -> None:
        self._paused.update(partitions)
        self.was_paused = True

    def resume(self, *partitions: TopicPartition) -> None:
        self._paused.difference_update(partitions)

    def paused(self) -> set[TopicPartition]:
        return set(self._paused)

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, Any]:
        if self._paused or not self.records:
            await asyncio.sleep(0.005)
            return {}
        batch, self.records = self.records[:max_records], self.records[max_records:]
        return {PARTITION: batch}

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets[PARTITION])


class FakeProducer:
    def __init__(self) -> None:
        self.sent: list[tuple[str, DeadLetter]] = []

    async def send_and_wait(self, topic: str, value: bytes, key: bytes | None) -> None:
        self.sent.append((topic, DeadLetter.model_validate_json(value)))


class ScriptedChannel:
    """Down (RETRY) while ``up`` is False; refuses (PERMANENT) the seqs in ``refuse``."""

    def __init__(self, name: str, refuse: frozenset[int] = frozenset()) -> None:
        self.name = name
        self.up = False
        self.refuse = refuse
        self.got: list[int] = []

    async def send(self, alert: Alert) -> Attempt:
        if not self.up:
            return Attempt(Outcome.RETRY, 503, "down")
        if alert.seq in self.refuse:
            return Attempt(Outcome.PERMANENT, 422, "bad payload")
        self.got.append(alert.seq)
        return Attempt(Outcome.DELIVERED, 200, "")


def encoded(alert: Alert) -> bytes:
    return alert.model_dump_json().encode()


async def test_loop_commits_only_what_every_channel_settled_and_dead_letters_the_rest() -> None:
    a1 = sample_alert(seq=1)
    a2 = sample_alert(
        seq=2, transition=Transition.DEESCALATED, level="warning", previous_level="critical"
    )
    info = sample_alert(seq=1, level="info", fingerprint="other")
    consumer = FakeConsumer(
        [
            record(0, encoded(a1)),
            record(1, b"{not json"),
            record(2, encoded(a1)),
            record(3, encoded(info)),
            record(4, encoded(a2)),
            record(5, encoded(a1)),
        ]
    )
    producer = FakeProducer()
    pager, hook = ScriptedChannel("pagerduty"), ScriptedChannel("webhook-1", frozenset({2}))
    registry = CollectorRegistry()
    settings = NotifierSettings(
        topic_prefix="t.",
        retry_base_delay=0.005,
        retry_max_delay=0.01,
        queue_size=1,
        min_level="warning",
        shutdown_grace=0.5,
    )
    loop = NotifierLoop(
        consumer=cast(Any, consumer),
        producer=cast(Any, producer),
        channels=[pager, hook],
        settings=settings,
        metrics=NotifierMetrics(registry),
        rng=lambda: 0.0,
    )
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        # Both channels down: the queues (size 1) fill, fetching pauses, the commit stays
        # at offset 0 (the first record not delivered), the bad record is dead-lettered.
        await until(lambda: consumer.was_paused and len(producer.sent) == 1)
        await until(
            lambda: (
                value(registry, "vigil_notifications_total", channel="pagerduty", outcome="retried")
                >= 3
            )
        )
        assert set(consumer.commits) <= {0} and loop.workers[0].pending == 2
        assert len(consumer.records) == 1  # offset 5 not fetched while the queues are full
        pager.up = True
        await until(lambda: pager.got == [1, 2])
        assert set(consumer.commits) <= {0}  # the webhook still owes offset 0
        hook.up = True
        await until(lambda: bool(consumer.commits) and consumer.commits[-1] == 6)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert pager.got == [1, 2] and hook.got == [1]
    assert consumer.commits == sorted(consumer.commits)
    reasons = {letter.source_offset: letter for _, letter in producer.sent}
    assert set(reasons) == {1, 4}
    assert reasons[1].error_type == "decode" and reasons[1].value_b64 is not None
    assert reasons[4].error_type == "delivery" and "webhook-1 refused" in reasons[4].reason
    assert {topic for topic, _ in producer.sent} == {"t.vigil.deadletters.v1"}
    records = {
        o: value(registry, "vigil_notifier_records_total", outcome=o)
        for o in ("accepted", "duplicate", "below_min_level", "rejected")
    }
    assert records == {"accepted": 2, "duplicate": 2, "below_min_level": 1, "rejected": 1}
    payload = json.loads(encoded(a2))
    assert payload["seq"] == 2
