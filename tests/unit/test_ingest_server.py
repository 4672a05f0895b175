"""The ingest server never hangs and never leaks: header, body and idle timeouts over raw
sockets, a client that goes away is 499 (not a 500, no traceback), credentials in a URL
are refused and never logged, and repeated errors are logged once per interval."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from services.common.logs import RepeatFilter
from services.ingest.app import build_app
from services.ingest.auth import credentials_in_query, redact_query
from services.ingest.metrics import IngestMetrics
from services.ingest.server import serve
from services.ingest.settings import IngestSettings
from services.ingest.testing import FakeProducer, sample_report

TOKEN = "t0p-s3cret"


class Served:
    def __init__(self, port: int, registry: CollectorRegistry, producer: FakeProducer) -> None:
        self.port = port
        self.registry = registry
        self.producer = producer

    def value(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    async def connect(self) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        return await asyncio.open_connection("127.0.0.1", self.port)


@pytest.fixture
async def served() -> AsyncIterator[Served]:
    settings = IngestSettings(
        tokens=[SecretStr(TOKEN)],
        topic_prefix="unit.",
        header_timeout_seconds=0.5,
        body_timeout_seconds=0.5,
        idle_timeout_seconds=1.5,
    )
    registry, producer = CollectorRegistry(), FakeProducer()
    metrics = IngestMetrics(registry)
    app = build_app(settings, producer, metrics)
    runner, server, port = await serve(app, settings, lambda: metrics.timed_out("header"))
    try:
        yield Served(port, registry, producer)
    finally:
        server.close()
        await runner.cleanup()


def head(length: int, path: str = "/v1/reports") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def answer(reader: asyncio.StreamReader, within: float = 3.0) -> bytes:
    """Everything until the server closes the connection."""
    return await asyncio.wait_for(reader.read(), within)


async def test_a_request_head_that_trickles_in_is_answered_408_and_closed(served: Served) -> None:
    reader, writer = await served.connect()
    started = time.monotonic()
    for part in (b"POST /v1/rep", b"orts HTTP/1.1\r\n", b"Host: x\r\n"):
        writer.write(part)
        await writer.drain()
        await asyncio.sleep(0.1)
    data = await answer(reader)
    assert data.startswith(b"HTTP/1.1 408 Request Timeout")
    assert b"request head was not complete within 0.5 s" in data
    assert 0.45 <= time.monotonic() - started < 2.0
    assert served.value("vigil_http_timeouts_total", phase="header") == 1
    writer.close()


async def test_a_body_that_never_completes_is_answered_408_and_closed(served: Served) -> None:
    body = json.dumps(sample_report()).encode()
    reader, writer = await served.connect()
    writer.write(head(len(body)) + body[:10])
    await writer.drain()
    data = await answer(reader)
    assert data.startswith(b"HTTP/1.1 408")
    assert b"the body was not complete within 0.5 s" in data
    assert served.value("vigil_http_timeouts_total", phase="body") == 1
    assert served.producer.sent == []
    writer.close()


async def test_an_idle_connection_is_closed(served: Served) -> None:
    reader, writer = await served.connect()
    started = time.monotonic()
    assert await answer(reader) == b""  # closed without a word
    assert time.monotonic() - started < 2.5
    writer.close()


async def test_keep_alive_requests_each_get_their_head_deadline(served: Served) -> None:
    body = json.dumps(sample_report()).encode()
    reader, writer = await served.connect()
    for _ in range(2):  # two complete requests on one connection, slower than the deadline
        writer.write(head(len(body)) + body)
        await writer.drain()
        status = await asyncio.wait_for(reader.readline(), 3)
        assert status.startswith(b"HTTP/1.1 202")
        while (line := await reader.readline()) not in (b"\r\n", b""):
            if line.lower().startswith(b"content-length"):
                length = int(line.split(b":")[1])
        await reader.readexactly(length)
        await asyncio.sleep(0.3)
    writer.write(b"POST /v1/reports HTTP/1.1\r\n")  # a third head that never ends
    await writer.drain()
    assert (await answer(reader)).startswith(b"HTTP/1.1 408")
    assert len(served.producer.sent) == 2
    writer.close()


async def test_a_client_that_disconnects_is_499_not_500_and_no_traceback(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _, writer = await served.connect()
    writer.write(head(1000) + b'{"report_id":')
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()

    def counted() -> bool:
        return served.value("vigil_http_requests_total", route="/v1/reports", status="499") == 1

    deadline = time.monotonic() + 3
    while not counted():
        assert time.monotonic() < deadline, "the disconnect was not counted"
        await asyncio.sleep(0.02)
    assert served.value("vigil_http_requests_total", route="/v1/reports", status="500") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_credentials_in_the_url_are_refused_and_never_logged(
    served: Served, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    body = json.dumps(sample_report()).encode()
    reader, writer = await served.connect()
    writer.write(head(len(body), f"/v1/reports?token={TOKEN}&x=1") + body)
    await writer.drain()
    status = await asyncio.wait_for(reader.readline(), 3)
    assert status.startswith(b"HTTP/1.1 400")
    writer.close()
    await asyncio.sleep(0.1)
    lines = [r.getMessage() for r in caplog.records]
    assert any("/v1/reports?token=REDACTED&x=REDACTED 400" in line for line in lines), lines
    assert not [line for line in lines if TOKEN in line]
    assert served.producer.sent == []


def test_redaction_and_credential_names() -> None:
    assert redact_query("token=abc&page=2&flag") == "token=REDACTED&page=REDACTED&flag"
    assert credentials_in_query(["Token", "page", "api_key"]) == ["Token", "api_key"]


def test_repeated_errors_are_logged_once_per_interval_with_a_count() -> None:
    now = [0.0]
    repeat = RepeatFilter(interval=30, clock=lambda: now[0])

    def record(msg: str, level: int = logging.ERROR, *args: Any) -> logging.LogRecord:
        return logging.LogRecord("aiokafka", level, "x", 1, msg, args, None)

    passed: Callable[[logging.LogRecord], bool] = repeat.filter
    template = "Unable connect to node with id %s: %s"
    results = []
    for second in range(0, 61):  # an error every 0.1 s for a minute: 610 records
        for tenth in range(10):
            now[0] = second + tenth / 10
            results.append(passed(record(template, logging.ERROR, 111, "refused")))
    assert sum(results) == 3  # at 0 s, 30 s and 60 s
    summary = record(template, logging.ERROR, 1, "x")
    now[0] = 200.0
    passed(record("another problem"))
    assert passed(summary) and "more like this" in summary.getMessage()
    assert passed(record(template, logging.INFO)) and passed(record(template, logging.INFO))
