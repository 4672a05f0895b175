"""The notifier end to end: a real broker, a real Alertmanager and a local webhook receiver.

Alertmanager is the Debian ``prometheus-alertmanager`` binary, started on a free loopback
port with its own config and storage, and stopped by PID. The test is skipped (with the
reason) when the binary is absent.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from schemas.alerts import Alert, Transition
from schemas.deadletters import DeadLetter
from services.common.broker import EmbeddedBroker, free_port
from services.common.deadletter import original_value
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from services.notifier.app import run
from services.notifier.samples import sample_alert
from services.notifier.settings import NotifierSettings

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ALERTMANAGER = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")


async def until(check: Callable[[], Awaitable[bool]], deadline: float = 15.0) -> None:
    end = time.monotonic() + deadline
    while not await check():
        if time.monotonic() > end:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.05)


@dataclass
class Receiver:
    """Records every JSON body POSTed to it, by path."""

    got: dict[str, list[Any]] = field(default_factory=dict)

    async def handle(self, request: web.Request) -> web.Response:
        self.got.setdefault(request.path, []).append(await request.json())
        if request.path == "/reject":
            return web.Response(status=400, text="unknown field 'seq'")
        return web.Response(status=200)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    target = Receiver()
    app = web.Application()
    app.router.add_post("/{name}", target.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield target, f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


@dataclass
class Alertmanager:
    process: subprocess.Popen[bytes]
    url: str


@pytest.fixture
def alertmanager(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Alertmanager]:
    if ALERTMANAGER is None:
        pytest.skip(
            "prometheus-alertmanager not installed (apt-get install prometheus-alertmanager)"
        )
    _, receiver_url = receiver
    config = tmp_path / "alertmanager.yml"
    config.write_text(
        "route:\n"
        "  receiver: local\n"
        "  group_by: [alertname, fingerprint]\n"
        "  group_wait: 100ms\n"
        "  group_interval: 500ms\n"
        "  repeat_interval: 1h\n"
        "receivers:\n"
        "  - name: local\n"
        "    webhook_configs:\n"
        f"      - url: {receiver_url}/from-alertmanager\n"
        "        send_resolved: true\n"
    )
    port = free_port()
    log = (tmp_path / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    try:
        end = time.monotonic() + 10
        while not ready(f"{url}/-/ready"):
            assert process.poll() is None, (tmp_path / "alertmanager.log").read_text()
            assert time.monotonic() < end, "Alertmanager not ready in 10 s"
            time.sleep(0.05)
        yield Alertmanager(process, url)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=0.5) as response:
            return bool(response.status == 200)
    except OSError:
        return False


async def produce(bootstrap: str, topic: str, alert: Alert) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        value = alert.model_dump_json().encode()
        await producer.send_and_wait(topic, value, key=alert.fingerprint.encode())
    finally:
        await producer.stop()


async def committed(bootstrap: str, group: str, topic: str) -> int | None:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        offset: int | None = await consumer.committed(TopicPartition(topic, 0))
        return offset
    finally:
        await consumer.stop()


def notifier_settings(broker: EmbeddedBroker, topics: Topics, **channels: Any) -> NotifierSettings:
    return NotifierSettings(
        kafka_bootstrap=broker.bootstrap,
        topic_prefix=topics.prefix,
        app_id_prefix=f"test-{uuid.uuid4().hex[:8]}",
        broker_session_timeout=2,
        broker_heartbeat_interval=0.5,
        retry_base_delay=0.05,
        retry_max_delay=0.5,
        shutdown_grace=1,
        **channels,
    )


async def test_alert_reaches_the_webhook_and_alertmanager_then_resolves(
    broker: EmbeddedBroker,
    topics: Topics,
    receiver: tuple[Receiver, str],
    alertmanager: Alertmanager,
) -> None:
    target, receiver_url = receiver
    settings = notifier_settings(
        broker, topics, webhook_urls=[f"{receiver_url}/hook"], alertmanager_url=alertmanager.url
    )
    await create_topics(broker.bootstrap, [topics.alerts, topics.deadletters])
    fired = sample_alert(seq=1, level="warning", value=6, threshold=5)
    escalated = sample_alert(
        seq=2, transition=Transition.ESCALATED, level="critical", previous_level="warning"
    )
    resolved = sample_alert(seq=3, transition=Transition.RESOLVED, previous_level="critical")
    registry = CollectorRegistry()
    stop = asyncio.Event()
    notifier = asyncio.create_task(run(settings, stop, registry))
    selector = {"filter": f'fingerprint="{fired.fingerprint}"'}

    async with aiohttp.ClientSession() as http:

        async def listed() -> list[dict[str, Any]]:
            async with http.get(f"{alertmanager.url}/api/v2/alerts", params=selector) as resp:
                assert resp.status == 200
                alerts: list[dict[str, Any]] = await resp.json()
                return alerts

        def hook_seqs() -> list[int]:
            return [body["seq"] for body in target.got.get("/hook", [])]

        def am_statuses() -> list[str]:
            return [body["status"] for body in target.got.get("/from-alertmanager", [])]

        try:
            await produce(broker.bootstrap, topics.alerts, fired)

            async def fired_everywhere() -> bool:
                return hook_seqs() == [1] and len(await listed()) == 1 and "firing" in am_statuses()

            await until(fired_everywhere)
            [shown] = await listed()
            assert shown["status"]["state"] == "active"
            assert shown["labels"]["level"] == "warning"
            assert shown["labels"]["rule"] == "children_killed_24h"
            assert shown["annotations"]["summary"] == fired.summary
            [notice] = target.got["/from-alertmanager"]
            assert notice["alerts"][0]["labels"]["fingerprint"] == fired.fingerprint

            # Escalation: Alertmanager shows the critical alert only (the warning one ended).
            await produce(broker.bootstrap, topics.alerts, escalated)

            async def escalated_everywhere() -> bool:
                levels = [a["labels"]["level"] for a in await listed()]
                return hook_seqs() == [1, 2] and levels == ["critical"]

            await until(escalated_everywhere)
            await produce(broker.bootstrap, topics.alerts, resolved)

            async def resolved_everywhere() -> bool:
                return (
                    hook_seqs() == [1, 2, 3]
                    and await listed() == []
                    and "resolved" in am_statuses()
                )

            await until(resolved_everywhere)
            assert target.got["/hook"][2] == resolved.model_dump(mode="json")
            end = time.monotonic() + 10
            while await committed(broker.bootstrap, settings.group_id, topics.alerts) != 3:
                assert time.monotonic() < end, "offset 3 never committed"
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            await asyncio.wait_for(notifier, 15)

    for channel in ("webhook-1", "alertmanager"):
        labels = {"channel": channel, "outcome": "delivered"}
        assert registry.get_sample_value("vigil_notifications_total", labels) == 3
        assert registry.get_sample_value("vigil_notifications_pending", {"channel": channel}) == 0


async def test_module_entry_point_serves_metrics_and_stops_on_sigterm(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    env = {
        **os.environ,
        "VIGIL_KAFKA_BOOTSTRAP": broker.bootstrap,
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_HTTP_PORT": "0",
        "VIGIL_BROKER_SESSION_TIMEOUT": "2",
        "VIGIL_BROKER_HEARTBEAT_INTERVAL": "0.5",
        "VIGIL_APP_ID_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.notifier",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert process.stdout is not None
        line = b""
        end = time.monotonic() + 20
        while b"/metrics" not in line:
            assert time.monotonic() < end, "no metrics URL printed"
            line = await asyncio.wait_for(process.stdout.readline(), 20)
            assert line, "notifier exited before printing its metrics URL"
        url = re.findall(r"http://127\.0\.0\.1:\d+/metrics", line.decode())[0]
        async with aiohttp.ClientSession() as http, http.get(url) as resp:
            assert resp.status == 200
            assert "vigil_notifier_records_total" in await resp.text()
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 15) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_refused_alert_goes_to_the_dead_letter_topic(
    broker: EmbeddedBroker, topics: Topics, receiver: tuple[Receiver, str]
) -> None:
    target, receiver_url = receiver
    settings = notifier_settings(broker, topics, webhook_urls=[f"{receiver_url}/reject"])
    await create_topics(broker.bootstrap, [topics.alerts, topics.deadletters])
    alert = sample_alert()
    stop = asyncio.Event()
    notifier = asyncio.create_task(run(settings, stop, CollectorRegistry()))
    reader = AIOKafkaConsumer(
        topics.deadletters, bootstrap_servers=broker.bootstrap, auto_offset_reset="earliest"
    )
    await reader.start()
    try:
        await produce(broker.bootstrap, topics.alerts, alert)
        record = await asyncio.wait_for(reader.getone(), 15)
        letter = DeadLetter.model_validate_json(record.value)
        end = time.monotonic() + 10
        while await committed(broker.bootstrap, settings.group_id, topics.alerts) != 1:
            assert time.monotonic() < end, "offset 1 never committed"
            await asyncio.sleep(0.1)
    finally:
        await reader.stop()
        stop.set()
        await asyncio.wait_for(notifier, 15)
    assert len(target.got["/reject"]) == 1
    assert letter.service == "notifier" and letter.error_type == "delivery"
    assert "HTTP 400: unknown field 'seq'" in letter.reason
    assert (letter.source_topic, letter.source_offset) == (topics.alerts, 0)
    assert original_value(letter) == alert.model_dump_json().encode()
