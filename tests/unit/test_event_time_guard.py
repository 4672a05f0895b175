"""The event-time guard: the rule itself, ingest (422 naming the field) and the engine
(no clock moves beyond the reference time plus the skew). The classifier's dead letter
with reason ``future`` is checked end to end in tests/integration/test_refusals.py."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from prometheus_client import CollectorRegistry
from pydantic import SecretStr

from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.incidents import Outcome
from services.aggregator.domain.rules import parse_rules
from services.common.eventtime import FutureGuard, FutureReference, describe_seconds
from services.ingest.app import build_app
from services.ingest.logic import validate_items
from services.ingest.metrics import IngestMetrics
from services.ingest.settings import IngestSettings
from services.ingest.testing import FakeProducer, sample_report
from tests.factories import classified, report

NOW = datetime(2024, 12, 2, 10, 0, tzinfo=UTC)
H = 3600.0


def at(delta: timedelta) -> str:
    return (NOW + delta).isoformat()


@pytest.mark.parametrize(
    ("occurred", "reported", "field"),
    [
        (timedelta(hours=-20), timedelta(0), None),
        (timedelta(hours=15), timedelta(hours=15), None),  # UTC+14 day precision, and more
        (timedelta(hours=16), timedelta(hours=16), None),  # exactly the skew
        (timedelta(hours=16, seconds=1), timedelta(hours=16), "occurred_at"),
        (timedelta(hours=-1), timedelta(hours=17), "reported_at"),
        (timedelta(days=366 * 18), timedelta(days=366 * 18), "occurred_at"),  # 2042
    ],
)
def test_the_guard(occurred: timedelta, reported: timedelta, field: str | None) -> None:
    rep = report("r", hours=0)
    rep = rep.model_copy(update={"occurred_at": NOW + occurred, "reported_at": NOW + reported})
    guard = FutureGuard()
    assert guard.skew_seconds == 16 * H
    assert guard.field(rep, NOW.timestamp()) == field
    reason = guard.reason(rep, NOW.timestamp())
    assert (reason is None) == (field is None)
    if reason is not None:
        assert reason.startswith(f"{field} ") and "after the wall clock" in reason


def test_a_replay_judges_against_each_reports_own_reported_at() -> None:
    history = FutureGuard(reference=FutureReference.REPORTED_AT)
    old = report("old", hours=0, reported_hours=2)  # December 2024
    assert history.field(old, wall=0.0) is None  # the machine's clock plays no part
    ahead = report("ahead", hours=20, reported_hours=-18)  # 18 h after it was issued
    assert history.field(ahead, wall=4e9) == "occurred_at"
    assert "after its own reported_at" in (history.reason(ahead, 4e9) or "")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(16 * H, "16h"), (1.5 * 86400, "1.5d"), (120, "2m"), (90, "1.5m"), (5, "5s")],
)
def test_describe_seconds(seconds: float, text: str) -> None:
    assert describe_seconds(seconds) == text


def test_ingest_lists_the_future_field_of_each_item() -> None:
    items: list[object] = [
        sample_report("ok"),
        sample_report("typo", occurred_at="2042-12-01T00:00:00Z", reported_at="2042-12-02T00:00Z"),
        sample_report("late-clock", reported_at=at(timedelta(days=2))),
    ]
    outcome = validate_items(items, now=NOW.timestamp())
    assert [r.report_id for r in outcome.valid] == ["ok"]
    assert [(r.index, r.report_id, [e.field for e in r.errors]) for r in outcome.rejected] == [
        (1, "typo", ["occurred_at"]),
        (2, "late-clock", ["reported_at"]),
    ]
    assert "at most 16h ahead" in outcome.rejected[0].errors[0].message
    wider = validate_items(items, now=NOW.timestamp(), guard=FutureGuard(3 * 86400.0))
    assert [r.report_id for r in wider.valid] == ["ok", "late-clock"]


async def test_ingest_answers_422_naming_the_field() -> None:
    settings = IngestSettings(tokens=[SecretStr("t")], topic_prefix="unit.")
    producer = FakeProducer()
    app = build_app(settings, producer, IngestMetrics(CollectorRegistry()))
    client: TestClient[Any, Any] = TestClient(TestServer(app, host="127.0.0.1"))
    await client.start_server()
    try:
        typo = sample_report("typo", occurred_at="2042-12-01T00:00:00Z")
        typo["reported_at"] = "2042-12-02T09:00:00Z"
        headers = {"Authorization": "Bearer t", "Content-Type": "application/json"}
        response = await client.post("/v1/reports", json=typo, headers=headers)
        assert response.status == 422
        [rejected] = (await response.json())["rejected"]
        assert rejected["report_id"] == "typo"
        assert [e["field"] for e in rejected["errors"]] == ["occurred_at"]
        assert producer.sent == []
        good = await client.post("/v1/reports", json=sample_report("ok"), headers=headers)
        assert good.status == 202
    finally:
        await client.close()


def test_no_report_moves_a_clock_beyond_the_reference_plus_the_skew() -> None:
    rules = parse_rules(
        "rules:\n  - {name: r, measure: killed, window: 24h, levels: [{name: w, threshold: 5}]}\n"
    )
    engine = Engine(EngineConfig(rules=rules, guard=FutureGuard()))
    wall = NOW.timestamp()
    near = report("near", hours=(NOW - datetime(2024, 12, 1, tzinfo=UTC)).total_seconds() / H + 15)
    typo = report("typo", hours=24 * 366 * 18, killed=80)
    assert engine.process(classified(near), wall).outcome is Outcome.APPLIED
    effects = engine.process(classified(typo), wall)
    assert effects.outcome is Outcome.FUTURE and effects.detail is not None
    assert effects.incidents == {} and effects.clocks == {} and effects.ids == {}
    assert engine.clock.now is not None and engine.clock.now <= wall + 16 * H
    # ticks move it on at wall speed from there: never beyond the wall clock + the skew
    engine.tick(wall + 86400.0)
    assert engine.clock.now <= wall + 86400.0 + 16 * H
