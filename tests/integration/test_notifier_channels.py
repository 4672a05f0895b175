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
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client import CollectorRegistry

from schemas.alerts import Alert, Transition
from schemas.deadletters import DeadLetter
from services.common.deadletter import original_value
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from services.notifier.app import run
from services.notifier.samples import sample_alert
from services.notifier.settings import NotifierSettings
from tests.support import stop_process
from tools.broker import EmbeddedBroker, free_port
from tools.cli import main as cli_main

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
    rejecting: bool = True

    async def handle(self, request: web.Request) -> web.Response:
        self.got.setdefault(request.path, []).append(await request.json())
        if request.path == "/reject" and self.rejecting:
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


def start_alertmanager(directory: Path, receiver_url: str, port: int) -> Alertmanager:
    """A real Alertmanager on loopback with its own config and (fresh) storage."""
    assert ALERTMANAGER is not None
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "alertmanager.yml"
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
    log = (directory / "alertmanager.log").open("wb")
    process = subprocess.Popen(
        [
            ALERTMANAGER,
            f"--config.file={config}",
            f"--storage.path={directory / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--cluster.listen-address=",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    log.close()
    url = f"http://127.0.0.1:{port}"
    end = time.monotonic() + 10
    while not ready(f"{url}/-/ready"):
        if process.poll() is not None or time.monotonic() > end:
            stop_process(process)
            raise AssertionError((directory / "alertmanager.log").read_text())
        time.sleep(0.05)
    return Alertmanager(process, url)


@pytest.fixture
def alertmanager(tmp_path: Path, receiver: tuple[Receiver, str]) -> Iterator[Alertmanager]:
    if ALERTMANAGER is None:
        pytest.skip(
            "prometheus-alertmanager not installed (apt-get install prometheus-alertmanager)"
        )
    _, receiver_url = receiver
    instance = start_alertmanager(tmp_path / "am", receiver_url, free_port())
    try:
        yield instance
    finally:
        stop_process(instance.process)


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
            assert shown["generatorURL"] == (f"http://127.0.0.1:8080/alerts/{fired.fingerprint}")
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


async def start_notifier(env: dict[str, str]) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.notifier",
        cwd=ROOT,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


async def test_module_entry_point_refuses_to_start_with_no_channel(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    env = {**os.environ, "VIGIL_KAFKA_BOOTSTRAP": broker.bootstrap}
    for name in list(env):
        if name.startswith("VIGIL_NOTIFIER_"):
            del env[name]
    process = await start_notifier(env)
    output, _ = await asyncio.wait_for(process.communicate(), 30)
    assert process.returncode == 2
    assert b"refusing to start: no channel configured" in output
    assert b"VIGIL_NOTIFIER_CONSOLE=true" in output


async def test_module_entry_point_serves_metrics_and_stops_on_sigterm(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    env = {
        "VIGIL_NOTIFIER_CONSOLE": "true",
        **os.environ,
        "VIGIL_KAFKA_BOOTSTRAP": broker.bootstrap,
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_HTTP_PORT": "0",
        "VIGIL_BROKER_SESSION_TIMEOUT": "2",
        "VIGIL_BROKER_HEARTBEAT_INTERVAL": "0.5",
        "VIGIL_APP_ID_PREFIX": f"test-{uuid.uuid4().hex[:8]}",
    }
    process = await start_notifier(env)
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


async def test_a_refused_alert_is_dead_lettered_and_its_redrive_reaches_only_that_channel(
    broker: EmbeddedBroker, topics: Topics, receiver: tuple[Receiver, str]
) -> None:
    target, receiver_url = receiver
    settings = notifier_settings(
        broker, topics, webhook_urls=[f"{receiver_url}/reject", f"{receiver_url}/hook"]
    )
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
        assert len(target.got["/reject"]) == 1 and len(target.got["/hook"]) == 1
        # the receiver is fixed; the analyst re-drives the dead letter to the alerts topic
        target.rejecting = False
        args = ["deadletters", "redrive", "--offset", str(record.offset)]
        args += ["--bootstrap", broker.bootstrap, "--topic-prefix", topics.prefix]
        assert await asyncio.to_thread(cli_main, args) == 0

        async def redelivered() -> bool:
            return len(target.got["/reject"]) == 2

        await until(redelivered)
        await asyncio.sleep(1)  # the healthy webhook would get it again now
    finally:
        await reader.stop()
        stop.set()
        await asyncio.wait_for(notifier, 15)
    assert len(target.got["/hook"]) == 1  # it had delivered it: never again
    assert target.got["/reject"][1] == alert.model_dump(mode="json")
    assert letter.service == "notifier" and letter.error_type == "delivery"
    assert "HTTP 400: unknown field 'seq'" in letter.reason
    assert (letter.source_topic, letter.source_offset) == (topics.alerts, 0)
    assert original_value(letter) == alert.model_dump_json().encode()


async def test_alertmanager_gets_active_alerts_re_sent_with_labels_and_after_its_restart(
    broker: EmbeddedBroker,
    topics: Topics,
    receiver: tuple[Receiver, str],
    alertmanager: Alertmanager,
    tmp_path: Path,
) -> None:
    """Alertmanager's client conventions: labels name the rule and the place, the alert is
    re-sent every interval with endsAt a few intervals ahead (so an Alertmanager restart,
    which forgets everything, gets it back), and it is resolved explicitly."""
    _, receiver_url = receiver
    settings = notifier_settings(
        broker,
        topics,
        alertmanager_url=alertmanager.url,
        alertmanager_resend_interval=1.0,
        alertmanager_ends_after=3,
        alert_url_base="https://vigil.example",
    )
    await create_topics(broker.bootstrap, [topics.alerts, topics.deadletters])
    fired = sample_alert(seq=1, level="critical")
    resolved = sample_alert(seq=2, transition=Transition.RESOLVED, previous_level="critical")
    registry = CollectorRegistry()
    stop = asyncio.Event()
    notifier = asyncio.create_task(run(settings, stop, registry))
    am = alertmanager
    selector = {"filter": f'fingerprint="{fired.fingerprint}"'}

    async with aiohttp.ClientSession() as http:

        async def listed() -> list[dict[str, Any]]:
            try:
                async with http.get(f"{am.url}/api/v2/alerts", params=selector) as resp:
                    alerts: list[dict[str, Any]] = await resp.json()
                    return alerts
            except aiohttp.ClientError:
                return []  # restarting

        try:
            await produce(broker.bootstrap, topics.alerts, fired)

            async def shown() -> bool:
                return len(await listed()) == 1

            await until(shown)
            [first] = await listed()
            assert first["labels"] == {
                "alertname": "children_killed_24h",
                "rule": "children_killed_24h",
                "country": "SYR",
                "admin1": "Idlib",
                "severity": "critical",
                "level": "critical",
                "fingerprint": fired.fingerprint,
            }
            assert first["generatorURL"] == f"https://vigil.example/alerts/{fired.fingerprint}"
            assert first["annotations"]["when"] == "2024-12-01"
            ends = datetime.fromisoformat(first["endsAt"])
            assert timedelta(seconds=1) < ends - datetime.now(UTC) <= timedelta(seconds=3.5)

            async def re_sent() -> bool:
                [now] = await listed() or [first]
                return bool(
                    now["updatedAt"] != first["updatedAt"] and now["endsAt"] > first["endsAt"]
                )

            await until(re_sent, 5)
            assert [now["startsAt"] for now in await listed()] == [first["startsAt"]]
            # Alertmanager keeps alerts in memory only: a restart forgets them ...
            port = int(am.url.rsplit(":", 1)[1])
            stop_process(am.process)
            am.process = start_alertmanager(tmp_path / "am-2", receiver_url, port).process
            # ... and the next re-send brings the alert back, with its original start
            await until(shown, 5)
            [back] = await listed()
            assert back["labels"] == first["labels"] and back["startsAt"] == first["startsAt"]
            await produce(broker.bootstrap, topics.alerts, resolved)

            async def gone() -> bool:
                return await listed() == []

            await until(gone)
            await asyncio.sleep(2.5)  # no re-send brings a resolved alert back
            assert await listed() == []
        finally:
            stop.set()
            await asyncio.wait_for(notifier, 15)
    resends = registry.get_sample_value(
        "vigil_notifier_resent_alerts_total", {"channel": "alertmanager", "outcome": "delivered"}
    )
    assert resends is not None and resends >= 2
