"""Operations conventions without a broker: readiness checks, the lag arithmetic (Kafka
and Tansu answers), the health routes, log formats, ``vigil --version`` and build info."""

from __future__ import annotations

import io
import json
import logging
import sys

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry

from services.common.health import BrokerContact, Check, GroupMembership, Health
from services.common.lag import LagMetrics, partition_lag
from services.common.logs import LogFormat, formatter
from services.common.operations import add_health_routes
from services.common.version import register_build_info, version
from tools.cli import main as vigil


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_broker_contact_fails_until_contacted_after_an_error_and_when_stale() -> None:
    clock = Clock()
    contact = BrokerContact(stale_after=15, clock=clock)
    assert contact.check() == Check(False, "not contacted yet")
    contact.failed(ConnectionError("refused"))
    assert contact.check() == Check(False, "ConnectionError: refused")
    contact.succeeded()
    clock.now += 5
    assert contact.check() == Check(True, "answered 5.0 s ago")
    clock.now += 11
    assert contact.check() == Check(False, "no answer for 16.0 s")
    contact.failed("KafkaConnectionError: down")
    assert not contact.check().ok and "last answer 16.0 s ago" in contact.check().detail


def test_group_membership() -> None:
    group = GroupMembership()
    assert group.check() == Check(False, "joining the consumer group")
    group.on_assigned(0)  # more members than partitions: joined, nothing to do
    assert group.check() == Check(True, "0 partition(s) assigned")
    group.on_revoked()
    assert group.check() == Check(False, "rebalancing")
    group.on_assigned(3)
    assert group.check() == Check(True, "3 partition(s) assigned")


def test_readiness_needs_every_check() -> None:
    health = Health("classifier", clock=Clock())
    state = {"tables": False}
    health.add("broker", lambda: Check(True, "answered"))
    health.add("tables", lambda: Check(state["tables"], "recovering"))
    ready, body = health.readiness()
    assert not ready and body["status"] == "not_ready"
    assert body["checks"]["tables"] == {"ok": False, "detail": "recovering"}
    state["tables"] = True
    assert health.readiness()[0]
    assert health.liveness()["status"] == "ok" and health.liveness()["version"] == version()


@pytest.mark.parametrize(
    ("committed", "list_end", "fetched", "lag"),
    [
        (150, 300, 300, 150),  # Kafka: ListOffsets(latest) is the high watermark
        (150, 300, None, 150),  # Kafka, partition not fetched yet
        (150, 201, 300, 150),  # Tansu: latest = last batch base + 1; the fetch is right
        (150, 201, None, 51),  # Tansu, not fetching: short by at most one batch
        (250, 201, None, 0),  # Tansu: committed past the under-reported end: not negative
        (300, 300, 300, 0),  # caught up
        (0, 0, None, 0),  # empty partition
        (None, 300, 300, None),  # nothing committed: no lag to show
        (150, None, None, None),  # no end known
        (150, -1, None, None),  # aiokafka's "unknown"
    ],
)
def test_partition_lag(
    committed: int | None, list_end: int | None, fetched: int | None, lag: int | None
) -> None:
    assert partition_lag(committed, list_end, fetched) == lag


def test_lag_series_of_partitions_that_moved_away_are_removed() -> None:
    registry = CollectorRegistry()
    metrics = LagMetrics(registry)
    metrics.show({("t", 0): 5, ("t", 1): 7})
    metrics.show({("t", 1): 2})
    shown = {
        s.labels["partition"]: s.value
        for m in registry.collect()
        if m.name == "vigil_consumer_lag"
        for s in m.samples
    }
    assert shown == {"1": 2}


async def test_health_routes() -> None:
    health = Health("ingest")
    state = {"ok": False}
    health.add("broker", lambda: Check(state["ok"], "answered" if state["ok"] else "down"))
    http = web.Application()
    add_health_routes(http, health)
    client = TestClient(TestServer(http, host="127.0.0.1"))
    await client.start_server()
    try:
        assert (await client.get("/healthz")).status == 200
        down = await client.get("/readyz")
        assert down.status == 503
        assert (await down.json())["checks"] == {"broker": {"ok": False, "detail": "down"}}
        state["ok"] = True
        up = await client.get("/readyz")
        assert up.status == 200 and (await up.json())["status"] == "ready"
    finally:
        await client.close()


def render(log_format: LogFormat, record: logging.LogRecord) -> str:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter(log_format, "classifier"))
    handler.emit(record)
    return stream.getvalue()


def a_record(exc: bool = False) -> logging.LogRecord:
    info = None
    if exc:
        try:
            raise ValueError("bad")
        except ValueError:
            info = sys.exc_info()
    record = logging.LogRecord("faust.worker", logging.WARNING, __file__, 1, "lag %s", (3,), info)
    record.partition = 2
    return record


def test_json_logs_are_one_object_per_line_with_the_same_fields() -> None:
    line = render("json", a_record())
    assert line.count("\n") == 1
    entry = json.loads(line)
    assert entry["message"] == "lag 3" and entry["level"] == "warning"
    assert entry["logger"] == "faust.worker" and entry["service"] == "classifier"
    assert entry["version"] == version() and entry["partition"] == 2
    assert entry["timestamp"].endswith("Z")
    failed = json.loads(render("json", a_record(exc=True)))
    assert "ValueError: bad" in failed["exception"]


def test_text_logs_carry_the_same_fields() -> None:
    line = render("text", a_record())
    assert "[warning  ] lag 3" in line and "[faust.worker]" in line
    assert "service=classifier" in line and "partition=2" in line


def test_vigil_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        vigil(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.strip() == f"vigil {version()}"


def test_build_info() -> None:
    registry = CollectorRegistry()
    register_build_info(registry)
    labels = {
        s.labels["version"]: s.labels
        for m in registry.collect()
        for s in m.samples
        if s.name == "vigil_build_info"
    }
    assert set(labels) == {version()} and labels[version()]["faust"] != "unknown"
