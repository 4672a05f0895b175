"""Delivery outcomes against a real local HTTP server (retries, Retry-After, pacing,
re-sends, giving up), and the consumer loop with an in-memory consumer, producer and
ledger store: commits only past what every channel settled, nothing sent twice to a
channel across a restart or a rebalance, re-driven dead letters reach only the channel
that refused them."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, cast

import aiohttp
import pytest
from aiohttp import web
from aiokafka import ConsumerRecord, TopicPartition
from prometheus_client import CollectorRegistry

from schemas.alerts import Alert, Transition
from schemas.deadletters import DeadLetter
from services.common.deadletter import REDRIVEN_HEADER
from services.notifier.consumer import NotifierLoop
from services.notifier.delivery import (
    Attempt,
    ChannelWorker,
    HttpChannel,
    Pending,
    Request,
    SourceRecord,
)
from services.notifier.domain.ledger import Active, Ledger
from services.notifier.domain.payloads import webhook_payload
from services.notifier.domain.retry import Outcome, RetryPolicy
from services.notifier.metrics import NotifierMetrics
from services.notifier.samples import sample_alert
from services.notifier.settings import NotifierSettings
from tools.broker import free_port

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
NOW = datetime(2024, 12, 2, tzinfo=UTC)


async def until(check: Callable[[], bool], deadline: float = 5.0) -> None:
    """Poll ``check`` until true or fail after ``deadline`` seconds."""
    end = time.monotonic() + deadline
    while not check():
        if time.monotonic() > end:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.01)


@dataclass
class Receiver:
    """An endpoint answering each path with a script of (status, headers) (last repeats)."""

    scripts: dict[str, list[tuple[int, dict[str, str]]]]
    got: list[tuple[str, Any, float]] = field(default_factory=list)

    async def handle(self, request: web.Request) -> web.Response:
        self.got.append((request.path, await request.json(), time.monotonic()))
        script = self.scripts[request.path]
        status, headers = script.pop(0) if len(script) > 1 else script[0]
        return web.Response(status=status, text=f"answer {status}", headers=headers)

    async def start(self, port: int = 0) -> tuple[web.AppRunner, int]:
        app = web.Application()
        app.router.add_post("/{name}", self.handle)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        return runner, runner.addresses[0][1]


def ok(*statuses: int) -> list[tuple[int, dict[str, str]]]:
    return [(s, {}) for s in statuses]


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client:
        yield client


def value(metrics: CollectorRegistry, name: str, **labels: str) -> float:
    return metrics.get_sample_value(name, labels) or 0.0


class FakeOwner:
    """The worker's owner with a real ledger; records outcomes."""

    def __init__(self) -> None:
        self.ledger = Ledger()
        self.settled_items: list[Pending] = []
        self.failures: list[str] = []
        self.revoked: set[int] = set()
        self.in_force: list[Active] = []

    def current(self, item: Pending) -> bool:
        return item.record.partition not in self.revoked

    def wants(self, channel: str, item: Pending) -> bool:
        return self.ledger.wants(channel, item.alert, item.record.redriven)

    def active_on(self, channel: str, item: Pending) -> Active | None:
        return self.ledger.active_on(channel, item.alert)

    def active(self, channel: str) -> list[Active]:
        return self.in_force

    async def settled(
        self,
        item: Pending,
        channel: str,
        *,
        delivered: bool,
        write: bool,
        at: datetime | None = None,
    ) -> None:
        if write:
            self.ledger.settle(
                channel, item.alert, 0, delivered=delivered, keeps_active=False, now=NOW
            )
        self.settled_items.append(item)

    async def failed(self, item: Pending, channel: str, reason: str) -> None:
        self.failures.append(reason)
        await self.settled(item, channel, delivered=False, write=True)


def webhook(url: str) -> Callable[[Alert, Active | None, datetime], Request]:
    return lambda alert, active, now: Request(url, webhook_payload(alert))


class Harness:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        url: str,
        *,
        min_interval: float = 0.0,
        give_up_after: float | None = None,
        resend_interval: float | None = None,
    ) -> None:
        self.registry = CollectorRegistry()
        self.owner = FakeOwner()
        resend = None
        if resend_interval:
            resend = lambda active, now: Request(url, [a.alert.seq for a in active])  # noqa: E731
        channel = HttpChannel(
            "webhook-1",
            webhook(url),
            session=session,
            timeout=2,
            min_interval=min_interval,
            render_active=resend,
            resend_interval=resend_interval,
        )
        self.worker = ChannelWorker(
            channel,
            FAST,
            owner=self.owner,
            metrics=NotifierMetrics(self.registry),
            queue_size=10,
            give_up_after=give_up_after,
            rng=lambda: 0.5,
        )

    def put(self, alert: Alert, offset: int = 0, partition: int = 0) -> None:
        record = SourceRecord("alerts", partition, offset, b"k", b"v")
        self.worker.put(Pending(alert, record))

    def count(self, outcome: str) -> float:
        return value(
            self.registry, "vigil_notifications_total", channel="webhook-1", outcome=outcome
        )


async def run_until_drained(harness: Harness, within: float = 5.0) -> None:
    task = asyncio.create_task(harness.worker.run())
    try:
        assert await harness.worker.drained(within)
    finally:
        task.cancel()


async def serve(receiver: Receiver) -> tuple[web.AppRunner, str]:
    runner, port = await receiver.start()
    return runner, f"http://127.0.0.1:{port}/hook"


async def deliver_one(
    session: aiohttp.ClientSession, script: list[tuple[int, dict[str, str]]]
) -> tuple[Receiver, Harness]:
    """One alert through a worker to a receiver answering ``script``, until settled."""
    receiver = Receiver({"/hook": script})
    runner, url = await serve(receiver)
    try:
        harness = Harness(session, url)
        harness.put(sample_alert())
        await run_until_drained(harness)
    finally:
        await runner.cleanup()
    return receiver, harness


async def test_server_errors_are_retried_until_delivered(session: aiohttp.ClientSession) -> None:
    receiver, harness = await deliver_one(session, ok(500, 500, 200))
    assert [harness.count(o) for o in ("retried", "delivered", "failed")] == [2, 1, 0]
    assert len(receiver.got) == 3 and all(body["seq"] == 1 for _, body, _ in receiver.got)
    assert harness.owner.failures == [] and len(harness.owner.settled_items) == 1
    assert value(harness.registry, "vigil_notifications_pending", channel="webhook-1") == 0


async def test_client_error_is_a_permanent_failure(session: aiohttp.ClientSession) -> None:
    receiver, harness = await deliver_one(session, ok(400))
    assert len(receiver.got) == 1  # not retried: the same request would get the same answer
    assert [harness.count(o) for o in ("retried", "delivered", "failed")] == [0, 0, 1]
    [reason] = harness.owner.failures
    assert "webhook-1 refused" in reason and "HTTP 400: answer 400" in reason


async def test_retry_after_is_honoured(session: aiohttp.ClientSession) -> None:
    receiver, harness = await deliver_one(session, [(429, {"Retry-After": "1"}), (200, {})])
    (_, _, first), (_, _, second) = receiver.got
    assert second - first >= 0.95  # the backoff alone would wait 0.01 s
    assert harness.count("delivered") == 1


async def test_min_interval_paces_requests(session: aiohttp.ClientSession) -> None:
    receiver = Receiver({"/hook": ok(200)})
    runner, url = await serve(receiver)
    try:
        harness = Harness(session, url, min_interval=0.2)
        for seq in (1, 2, 3):
            harness.put(sample_alert(seq=seq), offset=seq)
        await run_until_drained(harness)
    finally:
        await runner.cleanup()
    times = [t for _, _, t in receiver.got]
    assert [b["seq"] for _, b, _ in receiver.got] == [1, 2, 3]
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(times))


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
    receiver = Receiver({"/hook": ok(200)})
    runner = None
    try:
        await until(lambda: harness.count("retried") >= 3)
        assert harness.worker.pending == 3 and harness.owner.settled_items == []
        runner, _ = await receiver.start(port)  # the channel comes back
        assert await harness.worker.drained(5.0)
    finally:
        task.cancel()
        if runner is not None:
            await runner.cleanup()
    assert [body["seq"] for _, body, _ in receiver.got] == [1, 2, 3]  # all, in order
    assert [p.record.offset for p in harness.owner.settled_items] == [0, 1, 2]
    assert harness.count("delivered") == 3 and harness.count("failed") == 0


async def test_a_channel_down_too_long_dead_letters_instead_of_holding_on(
    session: aiohttp.ClientSession,
) -> None:
    harness = Harness(session, f"http://127.0.0.1:{free_port()}/hook", give_up_after=0.2)
    for offset in range(3):
        harness.put(sample_alert(seq=offset + 1), offset)
    await run_until_drained(harness)
    assert len(harness.owner.failures) == 3
    assert "still failing" in harness.owner.failures[0]
    assert "down for over 0.2s" in harness.owner.failures[-1]  # no attempt once known down


async def test_abandon_drops_a_lost_partitions_alerts_and_stops_retrying(
    session: aiohttp.ClientSession,
) -> None:
    harness = Harness(session, f"http://127.0.0.1:{free_port()}/hook")
    harness.put(sample_alert(seq=1), 0, partition=0)
    harness.put(sample_alert(seq=2), 1, partition=0)
    harness.put(sample_alert(seq=3, fingerprint="other"), 0, partition=1)
    task = asyncio.create_task(harness.worker.run())
    try:
        await until(lambda: harness.count("retried") >= 2)
        harness.owner.revoked.add(0)
        await asyncio.wait_for(harness.worker.abandon({0}), 2)
        assert harness.worker.pending == 1  # only partition 1's alert is left
    finally:
        task.cancel()
    assert harness.owner.settled_items == [] and harness.owner.failures == []


async def test_active_alerts_are_re_sent_on_the_interval(session: aiohttp.ClientSession) -> None:
    receiver = Receiver({"/hook": ok(200)})
    runner, url = await serve(receiver)
    harness = Harness(session, url, resend_interval=0.1)
    harness.owner.in_force = [Active(sample_alert(seq=7), NOW, 0)]
    task = asyncio.create_task(harness.worker.run())
    try:
        await until(lambda: len(receiver.got) >= 3)  # at once, then every 0.1 s
    finally:
        task.cancel()
        await runner.cleanup()
    assert all(body == [7] for _, body, _ in receiver.got)
    assert (
        value(
            harness.registry,
            "vigil_notifier_resent_alerts_total",
            channel="webhook-1",
            outcome="delivered",
        )
        >= 3
    )


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
        channel = HttpChannel("w", webhook(url), session=session, timeout=0.05)
        result = await channel.send(sample_alert(), None)
    finally:
        await runner.cleanup()
    assert (result.outcome, result.status) == (Outcome.RETRY, None)


# --- the consumer loop, with an in-memory consumer, producer and ledger store -------------

PARTITION = TopicPartition("t.vigil.alerts.v2", 0)


def record(
    offset: int, value: bytes, headers: list[tuple[str, bytes]] | None = None
) -> ConsumerRecord[bytes, bytes]:
    return ConsumerRecord(
        PARTITION.topic, 0, offset, 0, 0, b"fp", value, None, 2, len(value), headers or []
    )


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


class FakeStore:
    """The ledger topic in memory: what one worker writes, the next one loads."""

    def __init__(self) -> None:
        self.records: list[tuple[bytes | None, bytes | None]] = []
        self.flushes = 0

    async def write(self, alert_partition: int, key: bytes, value: bytes) -> None:
        self.records.append((key, value))

    async def flush(self) -> None:
        self.flushes += 1

    async def load(
        self, alert_partitions: Iterable[int]
    ) -> list[tuple[bytes | None, bytes | None]]:
        return list(self.records)


class ScriptedChannel:
    """Down (RETRY) while ``up`` is False; refuses (PERMANENT) the seqs in ``refuse``."""

    keeps_active: bool = False
    resend_interval: float | None = None
    min_interval: float = 0.0

    def __init__(self, name: str, refuse: frozenset[int] = frozenset(), up: bool = False):
        self.name = name
        self.up = up
        self.refuse = refuse
        self.got: list[tuple[str, int]] = []

    async def send(self, alert: Alert, active: Active | None) -> Attempt:
        if not self.up:
            return Attempt(Outcome.RETRY, 503, "down")
        if alert.seq in self.refuse:
            return Attempt(Outcome.PERMANENT, 422, "bad payload")
        self.got.append((alert.fingerprint, alert.seq))
        return Attempt(Outcome.DELIVERED, 200, "")

    async def resend(self, active: Any) -> Attempt:
        return Attempt(Outcome.SKIPPED, None, "")


def encoded(alert: Alert) -> bytes:
    return alert.model_dump_json().encode()


def make_loop(
    consumer: FakeConsumer,
    producer: FakeProducer,
    store: FakeStore,
    channels: list[ScriptedChannel],
    registry: CollectorRegistry,
    queue_size: int = 100,
    give_up_after: float | None = None,
) -> NotifierLoop:
    settings = NotifierSettings(
        topic_prefix="t.",
        give_up_after=give_up_after,
        retry_base_delay=0.005,
        retry_max_delay=0.01,
        queue_size=queue_size,
        min_level="warning",
        shutdown_grace=0.5,
    )
    return NotifierLoop(
        consumer=cast(Any, consumer),
        producer=cast(Any, producer),
        store=cast(Any, store),
        channels=channels,
        settings=settings,
        metrics=NotifierMetrics(registry),
        rng=lambda: 0.0,
    )


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
    producer, store = FakeProducer(), FakeStore()
    pager, hook = ScriptedChannel("pagerduty"), ScriptedChannel("webhook-1", frozenset({2}))
    registry = CollectorRegistry()
    loop = make_loop(consumer, producer, store, [pager, hook], registry, queue_size=1)
    await loop.assigned([PARTITION])
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
        pager.up = True
        await until(lambda: [s for _, s in pager.got] == [1, 2])
        assert set(consumer.commits) <= {0}  # the webhook still owes offset 0
        hook.up = True
        await until(lambda: bool(consumer.commits) and consumer.commits[-1] == 6)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    # each channel got each transition once, whatever was read twice
    assert [s for _, s in pager.got] == [1, 2] and [s for _, s in hook.got] == [1]
    assert consumer.commits == sorted(consumer.commits)
    assert store.flushes >= len(consumer.commits)  # the ledger is flushed before a commit
    reasons = {letter.source_offset: letter for _, letter in producer.sent}
    assert set(reasons) == {1, 4}
    assert reasons[1].error_type == "decode" and reasons[1].value_b64 is not None
    assert reasons[4].error_type == "delivery" and "webhook-1 refused" in reasons[4].reason
    assert {topic for topic, _ in producer.sent} == {"t.vigil.deadletters.v1"}
    records = {
        o: value(registry, "vigil_notifier_records_total", outcome=o)
        for o in ("accepted", "duplicate", "below_min_level", "rejected")
    }
    assert records["rejected"] == 1 and records["below_min_level"] == 1
    assert records["accepted"] >= 2


async def test_a_restart_sends_nothing_twice_and_a_redrive_reaches_only_the_refuser() -> None:
    alerts = [sample_alert(seq=s) for s in (1, 2, 3)]
    store = FakeStore()
    registry = CollectorRegistry()
    # First life: slack delivers all three, the webhook refuses seq 2 and is down after it
    slack, hook = ScriptedChannel("slack", up=True), ScriptedChannel("webhook-1", frozenset({2}))
    hook.up = True
    consumer = FakeConsumer([record(i, encoded(a)) for i, a in enumerate(alerts)])
    producer = FakeProducer()
    loop = make_loop(consumer, producer, store, [slack, hook], registry)
    await loop.assigned([PARTITION])
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    await until(lambda: len(slack.got) == 3 and len(hook.got) == 2)
    stop.set()
    await asyncio.wait_for(task, 5)
    [(_, letter)] = producer.sent
    assert letter.source_offset == 1
    # Second life (a crash lost the commit): every record is read again, plus the re-drive
    slack2, hook2 = ScriptedChannel("slack", up=True), ScriptedChannel("webhook-1", up=True)
    again = [record(i, encoded(a)) for i, a in enumerate(alerts)]
    again.append(record(3, encoded(alerts[1]), [(REDRIVEN_HEADER, b"0")]))
    consumer2 = FakeConsumer(again)
    loop2 = make_loop(consumer2, FakeProducer(), store, [slack2, hook2], CollectorRegistry())
    await loop2.assigned([PARTITION])
    stop2 = asyncio.Event()
    task2 = asyncio.create_task(loop2.run(stop2))
    await until(lambda: bool(consumer2.commits) and consumer2.commits[-1] == 4)
    stop2.set()
    await asyncio.wait_for(task2, 5)
    assert slack2.got == []  # it had them all
    assert [s for _, s in hook2.got] == [2]  # only the re-driven refusal


async def test_a_dead_channel_holds_the_healthy_one_back_only_within_the_documented_bound() -> None:
    """queue_size alerts pending on the dead channel (plus the one in delivery) is as far as
    the healthy channel gets ahead; with give_up_after, the dead channel's alerts go to
    the dead-letter topic and the healthy one gets everything."""
    alerts = [sample_alert(seq=1, fingerprint=f"fp-{n}") for n in range(10)]
    consumer = FakeConsumer([record(i, encoded(a)) for i, a in enumerate(alerts)])
    producer, store = FakeProducer(), FakeStore()
    dead, healthy = ScriptedChannel("webhook-1"), ScriptedChannel("slack", up=True)
    loop = make_loop(consumer, producer, store, [dead, healthy], CollectorRegistry(), queue_size=4)
    await loop.assigned([PARTITION])
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await until(lambda: consumer.was_paused and len(healthy.got) == 5)
        await asyncio.sleep(0.2)
        assert len(healthy.got) == 5 and consumer.commits in ([], [0])
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    # the same, with a bound in time: the dead channel's alerts are dead-lettered
    consumer = FakeConsumer([record(i, encoded(a)) for i, a in enumerate(alerts)])
    producer, store = FakeProducer(), FakeStore()
    dead, healthy = ScriptedChannel("webhook-1"), ScriptedChannel("slack", up=True)
    loop = make_loop(
        consumer, producer, store, [dead, healthy], CollectorRegistry(), 4, give_up_after=0.1
    )
    await loop.assigned([PARTITION])
    stop = asyncio.Event()
    task = asyncio.create_task(loop.run(stop))
    try:
        await until(lambda: len(healthy.got) == 10 and len(producer.sent) == 10)
        await until(lambda: bool(consumer.commits) and consumer.commits[-1] == 10)
    finally:
        stop.set()
        await asyncio.wait_for(task, 5)
    assert all(letter.error_type == "delivery" for _, letter in producer.sent)
