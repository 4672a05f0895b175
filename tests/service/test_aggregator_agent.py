"""The aggregator agent's wiring (``services/aggregator/agents.py``) on an in-memory
transport: a real ``App`` that is never started, its registered batch handler called with
``TP``s and Faust ``Message`` objects as the consumer would, and the service layer behind
it on dict tables. No broker: this checks what the agent adds (routing of the two topics,
the rebalance signal, the HTTP views), not Kafka."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from faust.types import TP, Message

from schemas.incidents import ClassifiedIncident
from schemas.links import LinkAction, LinkDecision
from schemas.reports import ReportKind
from services.aggregator.agents import wire
from services.aggregator.domain.engine import EngineConfig
from services.aggregator.domain.rules import parse_rules
from services.common.eventtime import FutureGuard
from services.common.transport import App
from tests.factories import classified, report
from tests.integration.crash_helpers import WALL
from tests.service.memory import TOPICS, Harness, harness

pytestmark = pytest.mark.service

CONFIG = EngineConfig(
    rules=parse_rules(
        "rules:\n  - {name: children_24h, measure: children_killed, window: 24h,"
        " levels: [{name: warning, threshold: 5}, {name: critical, threshold: 10}]}\n"
    ),
    guard=FutureGuard(),
)


def message(tp: TP, offset: int, value: bytes, key: bytes | None = None) -> Message:
    return Message(tp.topic, tp.partition, offset, WALL, 0, [], key, value, None, tp=tp)


def incidents(tp: TP, *items: ClassifiedIncident, start: int = 0) -> list[Message]:
    return [
        message(tp, start + n, item.model_dump_json().encode(), item.region.country.encode())
        for n, item in enumerate(items)
    ]


@pytest.fixture
def wired() -> Iterator[tuple[App, Any, Harness]]:
    app = App(
        f"agent-test-{uuid.uuid4().hex[:8]}",
        broker="kafka://127.0.0.1:9",  # never connected: the app is not started
        store="memory://",
        web_enabled=False,
    )
    h = harness(CONFIG, WALL)
    handler = wire(app, TOPICS, h.aggregator, tick_interval=0)
    yield app, handler, h


async def test_the_agent_takes_its_topics_and_hands_batches_to_the_service(
    wired: tuple[App, Any, Harness],
) -> None:
    app, handler, h = wired
    assert app.batch_handlers == {
        TOPICS.classified: handler,
        TOPICS.aggregator_ticks: handler,
        TOPICS.links: handler,
    }
    reports = TP(TOPICS.classified, 0)
    await handler(reports, incidents(reports, classified(report("r1", children=6))))
    await handler(reports, incidents(reports, classified(report("r2", children=5)), start=1))
    assert [(a.transition.value, a.level, a.value) for a in h.alerts.alerts] == [
        ("fired", "warning", 6),
        ("escalated", "critical", 11),
    ]
    # a tick on the ticks topic is a tick, not an undecodable incident
    ticks = TP(TOPICS.aggregator_ticks, 0)
    await handler(ticks, [message(ticks, 0, json.dumps({"wall": WALL + 86400 * 2}).encode())])
    assert [a.transition.value for a in h.alerts.alerts][-1] == "resolved"
    assert h.dead.sent == []
    # the same bytes on the incidents topic are not an incident: a dead letter
    await handler(reports, [message(reports, 2, json.dumps({"wall": 1.0}).encode())])
    assert [d.error_type for d in h.dead.letters] == ["validation"]


async def test_an_analysts_link_decision_is_routed_and_counts_move(
    wired: tuple[App, Any, Harness],
) -> None:
    """Two incidents (6 and 5 children) escalate to critical; an analyst links them on the
    links topic: counted once at the higher figure (6), the alert de-escalates; the unlink
    (later) takes it back; a record that is no decision is a dead letter."""
    _, handler, h = wired
    reports = TP(TOPICS.classified, 0)
    first = classified(report("r1", "wh-1", children=6))
    other = classified(report("r2", "snhr-7", children=5, source="SNHR"))
    await handler(reports, incidents(reports, first, other))
    links = TP(TOPICS.links, 0)

    def decision(action: LinkAction, minute: int) -> bytes:
        at = datetime(2024, 12, 2, 9, minute, tzinfo=UTC)
        d = LinkDecision.now("SYR", "wh-1", "snhr-7", action, "analyst@desk", "same strike", at)
        return d.model_dump_json().encode()

    await handler(links, [message(links, 0, decision(LinkAction.LINK, 0), b"SYR/snhr-7|wh-1")])
    await handler(links, [message(links, 1, decision(LinkAction.UNLINK, 5), b"SYR/snhr-7|wh-1")])
    await handler(links, [message(links, 2, b'{"incidents": ["a"]}')])
    assert [(a.transition.value, a.level, a.value) for a in h.alerts.alerts] == [
        ("fired", "warning", 6),
        ("escalated", "critical", 11),
        ("deescalated", "warning", 6),
        ("escalated", "critical", 11),
    ]
    assert h.sample("vigil_link_decisions_total", action="link") == 1
    assert h.sample("vigil_link_decisions_total", action="unlink") == 1
    assert h.sample("vigil_incidents_regrouped_total") == 4
    assert [d.error_type for d in h.dead.letters] == ["validation"]
    stored = json.loads(h.tables.links.get(b"SYR/snhr-7|wh-1") or b"{}")
    assert stored["link"] is False and stored["by"] == "analyst@desk"


async def test_a_rebalance_signal_makes_the_service_rebuild(
    wired: tuple[App, Any, Harness],
) -> None:
    app, handler, h = wired
    reports = TP(TOPICS.classified, 0)
    await handler(reports, incidents(reports, classified(report("r1", children=6))))
    assert set(h.aggregator.partitions) == {0}
    await app.on_partitions_assigned.send(set())
    assert h.aggregator.partitions == {}
    await handler(reports, incidents(reports, classified(report("r1", children=6)), start=1))
    assert h.sample("vigil_reports_ignored_total", reason="duplicate") == 1  # state rebuilt


class Request:
    def __init__(self, **query: str) -> None:
        self.query = query


async def view(app: App, path: str, **query: str) -> Any:
    response = await app.web.views[path].get(Request(**query))
    return json.loads(response.body)


async def test_the_http_views_read_the_service(wired: tuple[App, Any, Harness]) -> None:
    app, handler, _ = wired
    reports = TP(TOPICS.classified, 0)
    first = classified(report("r1", children=6))
    iraq = classified(report("q1", country="IRQ", region="Ninawa", hours=-30))
    summary = classified(report("s1", children=50, kind=ReportKind.SUMMARY))
    await handler(reports, incidents(reports, first, iraq, summary))
    assert (await view(app, "/v1/clocks")) == {
        "clocks": {
            "SYR": first.report.occurred_at.timestamp(),
            "IRQ": iraq.report.occurred_at.timestamp(),
        }
    }
    firing = (await view(app, "/v1/alerts"))["firing"]
    assert [(s["group_key"], s["level"], s["level_rank"]) for s in firing] == [
        ("SYR/Idlib", "warning", 1)
    ]
    assert firing[0]["episodes"][0]["last_end"] is None
    assert firing[0]["episodes"][0]["first_end"].endswith("Z")
    summaries = (await view(app, "/v1/summaries", country="SYR"))["summaries"]
    assert [s["report"]["report_id"] for s in summaries] == ["s1"]
    assert (await view(app, "/v1/summaries", country="IRQ")) == {"summaries": []}
