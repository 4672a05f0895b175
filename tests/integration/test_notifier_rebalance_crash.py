"""Nothing lost, nothing doubled: two notifier workers (real processes) on a real broker,
three healthy channels and one receiver that fails, a second worker joining and leaving
(two rebalances), a SIGKILL while the failing channel holds the commits back, and a
worker taking over. Every healthy channel receives every transition exactly once; the
failing channel receives every transition once it recovers.

The SIGKILL comes while the healthy channels are idle (everything read so far delivered
to them) and the failing channel has every alert pending: the case where the old
notifier re-sent everything to every channel after a restart. A kill in the
milliseconds between a channel's 2xx and the broker's ack of its ledger record can
still re-send that one transition (see services/notifier/consumer.py).
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer

from schemas.alerts import Alert, Transition
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from services.notifier.domain.ledger import Ledger
from services.notifier.samples import sample_alert
from tools.broker import EmbeddedBroker

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
PARTITIONS = 4
HEALTHY = ("webhook", "slack", "pagerduty")
Key = tuple[str, int]


@dataclass
class Receivers:
    """Every channel's endpoint; ``/failing`` answers 503 until ``failing`` is cleared."""

    failing: bool = True
    got: dict[str, list[Key]] = field(default_factory=dict)
    refused: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        if name == "failing" and self.failing:
            self.refused += 1
            return web.Response(status=503, text="down for the test")
        self.got.setdefault(name, []).append(identify(name, body))
        return web.Response(status=202 if name.startswith("pagerduty") else 200)

    def keys(self, name: str) -> list[Key]:
        if name == "pagerduty":  # alerts and change events are one channel
            return self.got.get("pagerduty", []) + self.got.get("pagerduty-change", [])
        return self.got.get(name, [])


def identify(name: str, body: Any) -> Key:
    if name in ("webhook", "failing"):
        return body["fingerprint"], body["seq"]
    if name == "slack":
        text = body["blocks"][-1]["elements"][0]["text"]
        match = re.search(r"alert (\S+) #(\d+)", text)
        assert match, text
        return match.group(1), int(match.group(2))
    details = body["payload"]["custom_details"]
    return details["fingerprint"], details["seq"]


@pytest.fixture
async def receivers() -> AsyncIterator[tuple[Receivers, str]]:
    target = Receivers()
    app = web.Application()
    app.router.add_post("/{name}", target.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield target, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def transitions(batch: int, alerts: int = 6) -> list[Alert]:
    """For each of ``alerts`` fingerprints: fired, escalated, updated, resolved."""
    out: list[Alert] = []
    for n in range(alerts):
        fp = f"children_killed_24h:batch{batch}-{n:02d}"
        out += [
            sample_alert(seq=1, level="warning", fingerprint=fp),
            sample_alert(
                seq=2,
                transition=Transition.ESCALATED,
                level="critical",
                previous_level="warning",
                fingerprint=fp,
            ),
            sample_alert(seq=3, transition=Transition.UPDATED, fingerprint=fp, value=31),
            sample_alert(
                seq=4, transition=Transition.RESOLVED, previous_level="critical", fingerprint=fp
            ),
        ]
    return out


async def publish(bootstrap: str, topic: str, alerts: list[Alert]) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        for alert in alerts:
            await producer.send(
                topic, alert.model_dump_json().encode(), key=alert.fingerprint.encode()
            )
        await producer.flush()
    finally:
        await producer.stop()


@dataclass
class Workers:
    env: dict[str, str]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str) -> None:
        log = (self.log_dir / f"{name}.log").open("wb")
        self.processes[name] = subprocess.Popen(
            [sys.executable, "-m", "services.notifier"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        log.close()

    def signal(self, name: str, sig: int) -> None:
        process = self.processes[name]
        process.send_signal(sig)
        assert process.wait(30) is not None

    def stop_all(self) -> None:
        for process in self.processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def count(self, name: str, text: str) -> int:
        path = self.log_dir / f"{name}.log"
        return path.read_text(errors="replace").count(text) if path.exists() else 0

    def logs(self) -> str:
        return "\n".join(
            f"--- {p.name}\n{p.read_text(errors='replace')[-3000:]}"
            for p in sorted(self.log_dir.glob("*.log"))
        )


async def until(
    check: Callable[[], bool], what: str, workers: Workers, deadline: float = 60
) -> None:
    end = time.monotonic() + deadline
    while not check():
        for name, process in workers.processes.items():
            if process.returncode is None and process.poll() is not None and name != "killed":
                raise AssertionError(f"worker {name} exited: {workers.logs()}")
        if time.monotonic() > end:
            raise AssertionError(f"{what} not reached in {deadline} s\n{workers.logs()}")
        await asyncio.sleep(0.05)


async def ledger_acknowledged(
    bootstrap: str, topic: str, sent: list[Alert], channels: int, seconds: float = 30.0
) -> None:
    """Wait until the delivery ledger, read back from the broker, says that ``channels``
    channels delivered every transition of ``sent``: the ledger records behind what the
    receivers saw are acknowledged. (A receiver counts a request when it arrives; the
    notifier writes its ledger record after the 2xx: a kill in between re-sends that one
    transition, the window services/notifier/consumer.py documents. The test kills a
    worker that is idle, so it waits for the ledger first.)"""
    ledger = Ledger()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        deadline = time.monotonic() + seconds
        while True:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                for record in batch:
                    ledger.apply(record.key, record.value)
            named = {channel for _, channel in ledger.marks}
            delivered = sorted(
                channel
                for channel in named
                if all(
                    (m := ledger.marks.get((a.fingerprint, channel))) is not None
                    and m.seq >= a.seq
                    and a.seq not in m.failed
                    for a in sent
                )
            )
            if len(delivered) >= channels:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"ledger acknowledges only {delivered} of {channels}")
    finally:
        await consumer.stop()


async def test_two_workers_a_failing_channel_and_a_sigkill_lose_and_double_nothing(
    broker: EmbeddedBroker, topics: Topics, receivers: tuple[Receivers, str], tmp_path: Path
) -> None:
    target, url = receivers
    await create_topics(
        broker.bootstrap, [topics.alerts, topics.deadletters], partitions=PARTITIONS
    )
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("VIGIL_")},
        "VIGIL_KAFKA_BOOTSTRAP": broker.bootstrap,
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_TOPIC_PARTITIONS": str(PARTITIONS),
        "VIGIL_APP_ID_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
        "VIGIL_HTTP_PORT": "0",
        "VIGIL_BROKER_SESSION_TIMEOUT": "2",
        "VIGIL_BROKER_HEARTBEAT_INTERVAL": "0.5",
        "VIGIL_NOTIFIER_WEBHOOK_URLS": f"{url}/webhook,{url}/failing",
        "VIGIL_NOTIFIER_SLACK_WEBHOOK_URL": f"{url}/slack",
        "VIGIL_NOTIFIER_SLACK_MIN_INTERVAL": "0",
        "VIGIL_NOTIFIER_PAGERDUTY_ROUTING_KEY": "test-routing-key",
        "VIGIL_NOTIFIER_PAGERDUTY_URL": f"{url}/pagerduty",
        "VIGIL_NOTIFIER_PAGERDUTY_CHANGE_URL": f"{url}/pagerduty-change",
        "VIGIL_NOTIFIER_RETRY_BASE_DELAY": "0.05",
        "VIGIL_NOTIFIER_RETRY_MAX_DELAY": "0.3",
        "VIGIL_NOTIFIER_SHUTDOWN_GRACE": "1",
    }
    workers = Workers(env, tmp_path)
    sent: list[Alert] = []

    def delivered_to_healthy() -> bool:
        expected = {(a.fingerprint, a.seq) for a in sent}
        return all(set(target.keys(name)) >= expected for name in HEALTHY)

    async def step(batch: int, what: str) -> None:
        alerts = transitions(batch)
        sent.extend(alerts)
        await publish(broker.bootstrap, topics.alerts, alerts)
        await until(
            delivered_to_healthy, f"batch {batch} ({what}) on the healthy channels", workers
        )

    def logged(name: str, text: str, times: int = 1) -> Callable[[], bool]:
        return lambda: workers.count(name, text) >= times

    try:
        workers.start("a")
        await until(logged("a", "assigned [0, 1, 2, 3]"), "a owning everything", workers)
        await step(1, "one worker")
        workers.start("b")  # joins while alerts flow: the partitions are split
        await step(2, "b joining")
        await until(logged("b", "assigned ["), "b owning partitions", workers)
        await until(logged("a", "revoked ["), "a handing partitions over", workers)
        await step(3, "two workers")
        workers.signal("b", signal.SIGTERM)  # leaves: a takes everything back
        await until(logged("a", "assigned [", 2), "a taking b's partitions back", workers)
        await step(4, "b gone")
        assert target.refused > 0 and "failing" not in target.got  # it held every commit
        await ledger_acknowledged(broker.bootstrap, topics.notifier_deliveries, sent, len(HEALTHY))
        workers.processes["killed"] = workers.processes.pop("a")
        workers.signal("killed", signal.SIGKILL)  # no hand-over: c reads the ledger
        workers.start("c")
        await until(logged("c", "assigned [0, 1, 2, 3]"), "c taking over", workers)
        await step(5, "c after the SIGKILL")
        target.failing = False  # the failing channel comes back
        everything = {(a.fingerprint, a.seq) for a in sent}
        await until(
            lambda: set(target.keys("failing")) >= everything, "the failing channel", workers
        )
        await asyncio.sleep(1.5)  # anything doubled would arrive now
    finally:
        workers.stop_all()

    expected = Counter((a.fingerprint, a.seq) for a in sent)
    report = {}
    for name in (*HEALTHY, "failing"):
        got = Counter(target.keys(name))
        lost = sum(1 for key in expected if key not in got)
        doubled = sum(n - 1 for n in got.values() if n > 1)
        report[name] = (sum(got.values()), lost, doubled)
    print(
        f"notifier delivery test: {len(expected)} transitions, 2 rebalances + SIGKILL; "
        + "; ".join(f"{n}: {r[0]} received, {r[1]} lost, {r[2]} doubled" for n, r in report.items())
        + f"; failing channel refused {target.refused} attempts"
    )
    for name in HEALTHY:
        assert report[name][1:] == (0, 0), (name, report[name])
    assert report["failing"][1] == 0, report["failing"]
