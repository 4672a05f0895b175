"""The ingest HTTP endpoint with a fake producer: every status code, limits and metrics."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from services.ingest.app import build_app
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from services.ingest.testing import FakeProducer, sample_report

TOKEN = "s3cret-token"
AUTH = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}

MakeClient = Callable[..., Coroutine[Any, Any, TestClient[Any, Any]]]


def settings(**overrides: Any) -> IngestSettings:
    values: dict[str, Any] = {
        "tokens": [SecretStr("other-token"), SecretStr(TOKEN)],
        "topic_prefix": "unit.",
        "publish_timeout_seconds": 0.5,
        **overrides,
    }
    return IngestSettings(**values)


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
async def make_client(
    registry: CollectorRegistry, producer: FakeProducer
) -> AsyncIterator[MakeClient]:
    clients: list[TestClient[Any, Any]] = []

    async def make(producer_: FakeProducer | None = None, **overrides: Any) -> TestClient[Any, Any]:
        app = build_app(settings(**overrides), producer_ or producer, IngestMetrics(registry))
        client = TestClient(TestServer(app, host="127.0.0.1"))
        await client.start_server()
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.close()


def requests_count(registry: CollectorRegistry, status: int, route: str = "/v1/reports") -> float:
    value = registry.get_sample_value(
        "vigil_http_requests_total", {"route": route, "status": str(status)}
    )
    return value or 0.0


def reports_count(registry: CollectorRegistry, outcome: str) -> float:
    return registry.get_sample_value("vigil_reports_received_total", {"outcome": outcome}) or 0.0


async def test_single_report_is_published_keyed_by_country(
    make_client: MakeClient, producer: FakeProducer, registry: CollectorRegistry
) -> None:
    client = await make_client()
    response = await client.post("/v1/reports", json=sample_report("r-1"), headers=AUTH)
    assert response.status == 202
    assert await response.json() == {"accepted": ["r-1"], "rejected": []}
    ((topic, value, key),) = producer.sent
    assert (topic, key) == ("unit.vigil.reports.v1", b"SYR")
    assert json.loads(value)["casualties"]["killed"] == {"qualifier": "at_least", "value": 25}
    assert requests_count(registry, 202) == 1
    assert reports_count(registry, "accepted") == 1
    assert (
        registry.get_sample_value(
            "vigil_http_request_duration_seconds_count", {"route": "/v1/reports"}
        )
        == 1
    )


async def test_mixed_batch_accepts_valid_and_lists_invalid(
    make_client: MakeClient, producer: FakeProducer, registry: CollectorRegistry
) -> None:
    client = await make_client()
    bad = sample_report("r-bad", casualties={"killed": {"qualifier": "exact", "value": -1}})
    body = [sample_report("r-1"), bad, sample_report("r-3"), [1]]
    response = await client.post("/v1/reports", json=body, headers=AUTH)
    assert response.status == 202
    answer = await response.json()
    assert answer["accepted"] == ["r-1", "r-3"]
    assert [(r["index"], r.get("report_id")) for r in answer["rejected"]] == [
        (1, "r-bad"),
        (3, None),
    ]
    assert answer["rejected"][0]["errors"][0]["field"] == "casualties.killed.value"
    assert len(producer.sent) == 2
    assert (reports_count(registry, "accepted"), reports_count(registry, "rejected")) == (2, 2)


async def test_all_invalid_is_422_per_item_per_field(
    make_client: MakeClient, producer: FakeProducer, registry: CollectorRegistry
) -> None:
    client = await make_client()
    body = [sample_report("r-1", location={"country": "Syria"}), {"report_id": "r-2"}]
    response = await client.post("/v1/reports", json=body, headers=AUTH)
    assert response.status == 422
    answer = await response.json()
    assert answer["accepted"] == []
    assert answer["rejected"][0] == {
        "index": 0,
        "report_id": "r-1",
        "errors": [
            {"field": "location.country", "message": "String should match pattern '^[A-Z]{3}$'"}
        ],
    }
    assert {e["field"] for e in answer["rejected"][1]["errors"]} >= {"incident_id", "source"}
    assert producer.sent == []
    assert requests_count(registry, 422) == 1


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({}, 401),
        ({"Authorization": "Basic czNjcmV0"}, 401),
        ({"Authorization": "Bearer wrong"}, 403),
        ({"Authorization": f"Bearer {TOKEN}x"}, 403),
    ],
)
async def test_auth(
    make_client: MakeClient, registry: CollectorRegistry, headers: dict[str, str], status: int
) -> None:
    client = await make_client()
    headers = {"Content-Type": "application/json", **headers}
    # The body is not even valid JSON: auth is decided before the body is read.
    response = await client.post("/v1/reports", data=b"{not json", headers=headers)
    assert response.status == status
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert requests_count(registry, status) == 1


@pytest.mark.parametrize(
    ("content_type", "status"),
    [
        ("application/json", 202),
        ("application/json; charset=utf-8", 202),
        ("application/json; charset=UTF-8", 202),
        ("application/json; charset=latin-1", 415),
        ("text/plain", 415),
        ("application/x-www-form-urlencoded", 415),
        (None, 415),
    ],
)
async def test_content_type(make_client: MakeClient, content_type: str | None, status: int) -> None:
    client = await make_client()
    headers = {"Authorization": f"Bearer {TOKEN}"}
    if content_type:
        headers["Content-Type"] = content_type
    body = json.dumps(sample_report()).encode()
    response = await client.post("/v1/reports", data=body, headers=headers)
    assert response.status == status


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        (b"{broken", "not valid JSON"),
        (b"\xc3\x28", "not valid UTF-8"),
        (b"3", "JSON int"),
        (b"[" * 100_000 + b"]" * 100_000, "recursion limit"),
    ],
)
async def test_malformed_is_400(
    make_client: MakeClient, registry: CollectorRegistry, body: bytes, needle: str
) -> None:
    client = await make_client()
    response = await client.post("/v1/reports", data=body, headers=AUTH)
    assert response.status == 400
    answer = await response.json()
    assert answer["error"] == "malformed" and needle in answer["message"]
    assert requests_count(registry, 400) == 1


async def test_body_over_limit_by_content_length(make_client: MakeClient) -> None:
    client = await make_client(max_body_bytes=1000)
    body = json.dumps(sample_report(text="x" * 2000)).encode()
    response = await client.post("/v1/reports", data=body, headers=AUTH)
    assert response.status == 413
    assert "1000 bytes" in (await response.json())["message"]


async def test_body_over_limit_without_content_length(make_client: MakeClient) -> None:
    client = await make_client(max_body_bytes=1000)

    async def chunks() -> AsyncIterator[bytes]:  # chunked transfer: no Content-Length
        for _ in range(50):
            yield b" " * 100

    response = await client.post("/v1/reports", data=chunks(), headers=AUTH)
    assert response.status == 413


async def test_body_at_limit_is_read(make_client: MakeClient) -> None:
    body = json.dumps(sample_report()).encode()
    client = await make_client(max_body_bytes=len(body))
    response = await client.post("/v1/reports", data=body, headers=AUTH)
    assert response.status == 202


async def test_too_many_items_is_413(make_client: MakeClient, producer: FakeProducer) -> None:
    client = await make_client(max_items=3)
    body = [sample_report(f"r-{i}") for i in range(4)]
    response = await client.post("/v1/reports", json=body, headers=AUTH)
    assert response.status == 413
    assert (await response.json())["error"] == "too_many_items"
    assert producer.sent == []


@pytest.mark.parametrize(
    ("fake", "published"),
    [(FakeProducer(fail_start=True), "none"), (FakeProducer(hang=True), "unknown")],
    ids=["unreachable", "no-ack"],
)
async def test_broker_down_or_silent_is_503_saying_what_the_client_may_assume(
    make_client: MakeClient, registry: CollectorRegistry, fake: FakeProducer, published: str
) -> None:
    client = await make_client(fake, publish_timeout_seconds=0.3, retry_after_seconds=7)
    body = [sample_report("r-1"), sample_report("r-2"), {"report_id": "bad"}]
    response = await client.post("/v1/reports", json=body, headers=AUTH)
    assert response.status == 503
    assert response.headers["Retry-After"] == "7"
    answer = await response.json()
    assert answer["error"] == "broker_unavailable" and answer["retry_after_seconds"] == 7
    assert answer["published"] == published
    assert answer["report_ids"] == ["r-1", "r-2"]
    message = answer["message"]
    assert "send the same reports again after 7 s" in message
    if published == "none":
        assert "nothing of this request was published" in message
    else:
        assert "may or may not be published" in message and "changes nothing" in message
    assert reports_count(registry, "unpublished") == 2
    assert reports_count(registry, "accepted") == 0


async def test_producer_start_is_retried_after_failure(make_client: MakeClient) -> None:
    fake = FakeProducer(fail_start=True)
    client = await make_client(fake)
    assert (await client.post("/v1/reports", json=sample_report(), headers=AUTH)).status == 503
    fake.fail_start = False  # the broker came back
    assert (await client.post("/v1/reports", json=sample_report(), headers=AUTH)).status == 202
    assert (await client.post("/v1/reports", json=sample_report(), headers=AUTH)).status == 202
    assert fake.starts == 2


async def test_healthz_metrics_openapi_need_no_auth(
    make_client: MakeClient, registry: CollectorRegistry
) -> None:
    client = await make_client()
    assert (await (await client.get("/healthz")).json())["status"] == "ok"
    ready = await client.get("/readyz")  # nothing probed the broker in this test
    assert ready.status == 503
    assert (await ready.json())["checks"]["broker"] == {"ok": False, "detail": "not contacted yet"}
    document = await (await client.get("/openapi.json")).json()
    assert document["openapi"] == "3.1.0"
    assert "/v1/reports" in document["paths"]
    metrics = await client.get("/metrics")
    assert metrics.status == 200
    assert metrics.headers["Content-Type"].startswith("text/plain")
    text = await metrics.text()
    assert 'vigil_http_requests_total{route="/healthz",status="200"} 1.0' in text
    assert requests_count(registry, 200, "/openapi.json") == 1


async def test_unknown_route_and_method_are_counted(
    make_client: MakeClient, registry: CollectorRegistry
) -> None:
    client = await make_client()
    assert (await client.get("/nope")).status == 404
    assert (await client.get("/v1/reports")).status == 405
    assert requests_count(registry, 404, "unmatched") == 1
    assert requests_count(registry, 405, "unmatched") == 1


async def test_producer_stopped_on_cleanup(
    producer: FakeProducer, registry: CollectorRegistry
) -> None:
    app = build_app(settings(), producer, IngestMetrics(registry))
    async with TestClient(TestServer(app, host="127.0.0.1")) as client:
        assert (await client.post("/v1/reports", json=sample_report(), headers=AUTH)).status == 202
    assert producer.stopped


async def test_dates_at_the_end_of_the_calendar_never_give_500(make_client: MakeClient) -> None:
    client = await make_client()
    body = sample_report(reported_at="9999-12-31T23:00:00Z", occurred_at="2024-12-01T00:00:00Z")
    response = await client.post("/v1/reports", json=body, headers=AUTH)
    assert response.status in (202, 422)  # 422 while schemas/reports.py overflows there


@pytest.mark.parametrize(("skew", "status"), [(None, 202), ("1h", 422)])
async def test_future_skew_setting_reaches_the_guard(
    make_client: MakeClient, skew: str | None, status: int
) -> None:
    """``VIGIL_FUTURE_SKEW`` is the skew ingest judges by: a report 2 h ahead of the wall
    clock passes the default 16 h and is refused (422, naming the field) at 1 h."""
    ahead = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    report = sample_report("r-ahead", occurred_at=ahead, reported_at=ahead)
    client = await (make_client() if skew is None else make_client(future_skew=skew))
    response = await client.post("/v1/reports", json=report, headers=AUTH)
    assert response.status == status, await response.text()
    if status == 422:
        fields = {e["field"] for e in (await response.json())["rejected"][0]["errors"]}
        assert fields & {"occurred_at", "reported_at"}
