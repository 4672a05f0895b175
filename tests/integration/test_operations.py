"""Operations conventions on real workers and the real (Tansu) broker: /healthz and
/readyz on every service, JSON logs, consumer lag (and what it reads on Tansu), the
container healthcheck script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from prometheus_client import CollectorRegistry

from services.common.health import BrokerContact
from services.common.kafka import create_topics, create_vigil_topics
from services.common.lag import LagMetrics, LagProbe
from services.common.publisher import make_producer, publish_reports
from services.common.topics import Topics
from tests.integration.pipeline import scrape
from tests.support import wait_until
from tools.broker import EmbeddedBroker, free_port
from tools.demo.runner import SAMPLE_FEED, load_feed
from tools.stack import Stack

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("classifier", "aggregator", "extractor", "notifier", "ingest")


def get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def ready(base: str) -> bool:
    return get(f"{base}/readyz")[0] == 200


def healthcheck(port: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py"), *args],
        env={**os.environ, "VIGIL_HTTP_PORT": port},
        capture_output=True,
        text=True,
        timeout=10,
    )


async def test_every_service_gets_ready_logs_json_and_reports_its_lag(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    await create_vigil_topics(broker.bootstrap, topics)
    stack = Stack(tmp_path, broker.bootstrap)
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_APP_ID_PREFIX": f"{topics.prefix}vigil",
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
        "VIGIL_INGEST_TOKENS": "token",
        "VIGIL_NOTIFIER_CONSOLE": "true",  # a notifier with no channel refuses to start
        "VIGIL_LOG_FORMAT": "json",
        "VIGIL_PROBE_INTERVAL_SECONDS": "0.5",
    }
    try:
        for name in SERVICES:
            stack.start_service(name, env)
        bases = {name: url.removesuffix("/metrics") for name, url in stack.urls.items()}
        for name, base in bases.items():
            wait_until(partial(ready, base), 60, f"{name} ready")
            status, body = get(f"{base}/readyz")
            assert body["status"] == "ready" and body["service"] == name
            expected = {"broker"} | ({"group"} if name != "ingest" else set())
            expected |= {"tables"} if name in ("classifier", "aggregator", "extractor") else set()
            assert set(body["checks"]) == expected, name
            status, alive = get(f"{base}/healthz")
            assert status == 200 and alive["status"] == "ok" and alive["version"]
            port = base.rsplit(":", 1)[1]
            assert healthcheck(port).returncode == 0, name

        producer = make_producer(broker.bootstrap)
        await producer.start()
        try:
            await publish_reports(producer, topics.reports, load_feed(SAMPLE_FEED))
        finally:
            await producer.stop()

        def lags(name: str) -> dict[str, float]:
            return {
                dict(labels)["topic"]: value
                for (metric, labels), value in scrape(stack.urls[name]).items()
                if metric == "vigil_consumer_lag"
            }

        # Every record consumed and committed: each input partition shows lag 0.
        wait_until(
            lambda: lags("classifier") == {topics.reports: 0}, 30, "classifier lag series at 0"
        )
        wait_until(
            lambda: lags("aggregator") == {topics.classified: 0, topics.aggregator_ticks: 0},
            30,
            "aggregator lag series at 0",
        )
        wait_until(lambda: lags("notifier") == {topics.alerts: 0}, 30, "notifier lag at 0")
        assert lags("extractor") == {topics.raw_text: 0}
        assert lags("ingest") == {}  # no consumer
        for name in SERVICES:
            info = [labels for (metric, labels), _ in scrape(stack.urls[name]).items()]
            assert any(dict(labels).get("version") for labels in info), name
    finally:
        stack.stop()
    for name in SERVICES:
        lines = (tmp_path / f"{name}.log").read_text(encoding="utf-8").splitlines()
        assert lines, name
        for line in lines:
            entry = json.loads(line)  # every line one JSON object: Vigil's, Faust's, aiohttp's
            assert entry["service"] == name and entry["level"] and entry["message"] is not None


async def test_a_service_without_its_broker_is_alive_but_not_ready(tmp_path: Path) -> None:
    stack = Stack(tmp_path, f"127.0.0.1:{free_port()}")  # nothing listens there
    try:
        stack.start_service(
            "ingest", {"VIGIL_INGEST_TOKENS": "t", "VIGIL_PROBE_INTERVAL_SECONDS": "0.5"}
        )
        base = stack.urls["ingest"].removesuffix("/metrics")
        wait_until(lambda: get(f"{base}/healthz")[0] == 200, 30, "ingest alive")

        def broker_check() -> dict[str, Any] | None:
            status, body = get(f"{base}/readyz")
            check: dict[str, Any] = body["checks"]["broker"]
            return check if status == 503 and "not contacted" not in check["detail"] else None

        failed = wait_until(broker_check, 30, "a failed broker probe")
        assert failed["ok"] is False
        port = base.rsplit(":", 1)[1]
        down = healthcheck(port)
        assert down.returncode == 1 and '"broker"' in down.stderr
        assert healthcheck(port, "/healthz").returncode == 0
    finally:
        stack.stop()


async def test_lag_on_tansu_is_exact_while_fetching_and_never_negative(
    broker: EmbeddedBroker, topic_prefix: str
) -> None:
    """Tansu's ListOffsets(latest) answers the last batch's base offset + 1, the fetch's
    high watermark is right: the probe takes the larger, so the lag is exact while the
    consumer fetches and short by less than one batch when it does not."""
    topic, group = f"{topic_prefix}lag", f"{topic_prefix}group"
    await create_topics(broker.bootstrap, [topic], 1)
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=50)
    await producer.start()
    try:
        for _ in range(3):  # three batches of 100: offsets 0-99, 100-199, 200-299
            batch = producer.create_batch()
            for _ in range(100):
                batch.append(key=None, value=b"x", timestamp=None)
            await (await producer.send_batch(batch, topic, partition=0))
    finally:
        await producer.stop()
    tp = TopicPartition(topic, 0)
    member = AIOKafkaConsumer(
        topic,
        bootstrap_servers=broker.bootstrap,
        group_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        session_timeout_ms=2000,
        heartbeat_interval_ms=500,
    )
    await member.start()
    try:
        read = 0
        while read < 150:
            for records in (await member.getmany(timeout_ms=500, max_records=150 - read)).values():
                read += len(records)
        await member.commit({tp: 150})
        assert member.highwater(tp) == 300

        async def measure(highwater: Any) -> float | None:
            registry = CollectorRegistry()
            probe = LagProbe(
                bootstrap=broker.bootstrap,
                contact=BrokerContact(stale_after=5),
                interval=1,
                group_id=group,
                metrics=LagMetrics(registry),
                assignment=lambda: {(topic, 0)},
                highwater=highwater,
            )
            try:
                await probe.tick()
            finally:
                await probe.close()
            assert probe.contact.check().ok
            return registry.get_sample_value(
                "vigil_consumer_lag", {"topic": topic, "partition": "0"}
            )

        assert await measure(member.highwater) == 150  # exact: the member fetched
        # Without the fetch's high watermark Tansu's answer (201) is all there is.
        assert await measure(lambda tp: None) == 201 - 150
        await member.commit({tp: 250})
        assert await measure(lambda tp: None) == 0  # not 201 - 250
        assert member.assignment() == {tp}  # the probe's client never joined the group
    finally:
        await member.stop()
