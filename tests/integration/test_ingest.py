"""The ingest service against the real (Tansu) broker: acked reports land on the reports
topic keyed by country; a dead broker gives 503 within the publish timeout; the
``python -m services.ingest`` entry point serves, publishes and stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from schemas.reports import IncidentReport
from services.common.codec import decode
from services.common.kafka import create_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from services.ingest.app import build_app
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from services.ingest.testing import sample_report
from tests.support import consume
from tools.broker import EmbeddedBroker, free_port, start_broker

pytestmark = pytest.mark.integration

TOKEN = "integration-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}"}
DEADLINE = 20.0


async def client_for(settings: IngestSettings) -> TestClient[Any, Any]:
    producer = make_producer(settings.kafka_bootstrap, request_timeout_ms=5000)
    app = build_app(settings, producer, IngestMetrics(CollectorRegistry()))
    client = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    return client


@pytest.fixture
async def live_client(
    broker: EmbeddedBroker, topics: Topics
) -> AsyncIterator[TestClient[Any, Any]]:
    await create_topics(broker.bootstrap, [topics.reports])
    settings = IngestSettings(
        tokens=[SecretStr(TOKEN)], kafka_bootstrap=broker.bootstrap, topic_prefix=topics.prefix
    )
    client = await client_for(settings)
    yield client
    await client.close()


async def test_acked_reports_are_on_the_topic_keyed_by_country(
    live_client: TestClient[Any, Any], broker: EmbeddedBroker, topics: Topics
) -> None:
    body = [sample_report("r-1"), sample_report("r-2", location={"country": "IRQ"}), {"x": 1}]
    response = await live_client.post("/v1/reports", json=body, headers=HEADERS)
    assert response.status == 202
    answer = await response.json()
    assert answer["accepted"] == ["r-1", "r-2"] and answer["rejected"][0]["index"] == 2
    records = await consume(broker.bootstrap, topics.reports, 2, DEADLINE)
    assert [(r.key, decode(IncidentReport, r.value).report_id) for r in records] == [
        (b"SYR", "r-1"),
        (b"IRQ", "r-2"),
    ]
    assert decode(IncidentReport, records[0].value) == IncidentReport.model_validate(body[0])


async def test_dead_broker_is_503_within_the_timeout(topics: Topics) -> None:
    timeout = 2.0
    settings = IngestSettings(
        tokens=[SecretStr(TOKEN)],
        kafka_bootstrap=f"127.0.0.1:{free_port()}",
        topic_prefix=topics.prefix,
        publish_timeout_seconds=timeout,
    )
    client = await client_for(settings)
    try:
        for _ in range(2):  # the lazy start is retried, and fails again, as fast
            started = time.monotonic()
            response = await client.post("/v1/reports", json=sample_report(), headers=HEADERS)
            assert response.status == 503
            assert int(response.headers["Retry-After"]) >= 1
            assert time.monotonic() - started < timeout + 1.0
    finally:
        await client.close()


async def test_broker_lost_after_start_is_503_within_the_timeout(
    tmp_path: Path, topics: Topics
) -> None:
    own = start_broker(tmp_path / "tansu.log")  # its own broker: this test kills it
    try:
        await create_topics(own.bootstrap, [topics.reports])
        timeout = 2.0
        settings = IngestSettings(
            tokens=[SecretStr(TOKEN)],
            kafka_bootstrap=own.bootstrap,
            topic_prefix=topics.prefix,
            publish_timeout_seconds=timeout,
        )
        client = await client_for(settings)
        try:
            ok = await client.post("/v1/reports", json=sample_report("a"), headers=HEADERS)
            assert ok.status == 202
            own.process.kill()  # a crash (SIGTERM makes Tansu linger ~5 s with clients)
            own.process.wait(5)
            started = time.monotonic()
            lost = await client.post("/v1/reports", json=sample_report("b"), headers=HEADERS)
            assert lost.status == 503
            assert time.monotonic() - started < timeout + 1.0
        finally:
            await client.close()
    finally:
        own.stop()


async def test_entry_point_serves_publishes_and_stops(
    broker: EmbeddedBroker, topics: Topics
) -> None:
    await create_topics(broker.bootstrap, [topics.reports])
    env = {
        **os.environ,
        "VIGIL_KAFKA_BOOTSTRAP": broker.bootstrap,
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_HTTP_PORT": "0",
        "VIGIL_INGEST_TOKENS": f"other,{TOKEN}",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "services.ingest",
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,  # the log line with the URL
    )
    try:
        assert proc.stdout is not None
        line = ""
        while "listening on" not in line:
            line = (await asyncio.wait_for(proc.stdout.readline(), DEADLINE)).decode()
            assert line, "ingest exited before logging its URL"
        url = re.findall(r"http://127\.0\.0\.1:\d+", line)[0]
        async with (
            ClientSession() as session,
            session.post(f"{url}/v1/reports", json=sample_report("cli-1"), headers=HEADERS) as r,
        ):
            assert r.status == 202, await r.text()
        records = await consume(broker.bootstrap, topics.reports, 1, DEADLINE)
        assert [r.key for r in records] == [b"SYR"]
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(proc.wait(), DEADLINE) == 0
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_entry_point_while_the_broker_is_down_logs_little_and_no_secret(
    tmp_path: Path, topics: Topics
) -> None:
    """The broker dies after the first report: every later request is a 503 that says
    the reports may still be published, the log has a handful of lines (not dozens a
    second) and never the token, even when a client puts it in the URL."""
    own = start_broker(tmp_path / "tansu.log")
    log_path = tmp_path / "ingest.log"
    try:
        await create_topics(own.bootstrap, [topics.reports])
        env = {
            **os.environ,
            "VIGIL_KAFKA_BOOTSTRAP": own.bootstrap,
            "VIGIL_TOPIC_PREFIX": topics.prefix,
            "VIGIL_HTTP_PORT": "0",
            "VIGIL_INGEST_TOKENS": TOKEN,
            "VIGIL_INGEST_PUBLISH_TIMEOUT_SECONDS": "1",
        }
        with log_path.open("wb") as log:
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "services.ingest", env=env, stdout=log, stderr=log
            )
        try:
            deadline = time.monotonic() + DEADLINE
            while "listening on" not in log_path.read_text():
                assert time.monotonic() < deadline and proc.returncode is None
                await asyncio.sleep(0.05)
            url = log_path.read_text().split("listening on ", 1)[1].split()[0]
            async with ClientSession() as session:
                post = f"{url}/v1/reports"
                async with session.post(post, json=sample_report("a"), headers=HEADERS) as r:
                    assert r.status == 202
                own.process.kill()
                own.process.wait(5)
                started = time.monotonic()
                for n in range(4):
                    body = sample_report(f"b{n}")
                    async with session.post(post, json=body, headers=HEADERS) as r:
                        assert r.status == 503
                        answer = await r.json()
                        assert answer["report_ids"] == [f"b{n}"]
                        assert answer["published"] in ("unknown", "none")
                async with session.post(
                    f"{post}?access_token={TOKEN}", json=sample_report("c"), headers=HEADERS
                ) as r:
                    assert r.status == 400
                await asyncio.sleep(max(0.0, 6 - (time.monotonic() - started)))
        finally:
            proc.send_signal(signal.SIGTERM)
            await asyncio.wait_for(proc.wait(), DEADLINE)
    finally:
        own.stop()
    text = log_path.read_text()
    assert TOKEN not in text
    assert "access_token=REDACTED" in text
    problems = [line for line in text.splitlines() if " ERROR " in line or " WARNING " in line]
    assert len(problems) <= 10, "\n".join(problems)  # ~6 s with the broker down
