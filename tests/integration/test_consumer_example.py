"""README's consumer example, run as printed against the real broker: it reads alerts,
tolerates a field added by a later release, and drops redelivered and stale transitions."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer

from schemas.alerts import Alert
from services.aggregator.domain.engine import Engine, EngineConfig
from services.aggregator.domain.rules import load_rules
from services.common.kafka import create_topics
from tests.factories import classified, report
from tools.broker import EmbeddedBroker

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
MARKER = "<!-- consumer-example"


def readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    after = text[text.index(MARKER) :]
    match = re.search(r"```python\n(.*?)```", after, re.DOTALL)
    assert match is not None, "no python block after the consumer-example marker"
    return match.group(1)


def transitions() -> list[Alert]:
    """A children-killed alert in Idlib that fires (seq 1) and escalates (seq 2), then one
    in Hama that fires (the last record: once it is handled, all before it were read)."""
    engine = Engine(EngineConfig(rules=load_rules(ROOT / "services/aggregator/rules.yaml")))
    alerts: list[Alert] = []
    reports = (
        report("a", children=5),
        report("b", "inc-b", children=6, hours=1),
        report("c", "inc-c", children=5, hours=1, region="Hama"),
    )
    for rep in reports:
        alerts += [
            a
            for a in engine.process(classified(rep), 0.0).transitions
            if a.rule == "children_killed_24h"
        ]
    assert [(a.group_key, a.seq) for a in alerts] == [
        ("SYR/Idlib", 1),
        ("SYR/Idlib", 2),
        ("SYR/Hama", 1),
    ]
    return alerts


async def test_readme_consumer_example(broker: EmbeddedBroker, topic_prefix: str) -> None:
    topic = f"{topic_prefix}vigil.alerts.v2"
    await create_topics(broker.bootstrap, [topic], partitions=1)  # one order for all
    fired, escalated, last = transitions()
    newer = {**json.loads(escalated.model_dump_json()), "added_in_a_later_release": True}
    values = [
        fired.model_dump_json().encode(),
        json.dumps(newer).encode(),
        fired.model_dump_json().encode(),  # redelivered after the escalation: stale
        escalated.model_dump_json().encode(),  # redelivered: already handled
        last.model_dump_json().encode(),
    ]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    try:
        for value in values:
            await producer.send_and_wait(topic, value)
    finally:
        await producer.stop()

    namespace: dict[str, Any] = {}
    exec(compile(readme_example(), "README.md", "exec"), namespace)
    handled: list[Alert] = []
    done = asyncio.Event()

    def handle(alert: Alert) -> None:
        handled.append(alert)
        if alert.fingerprint == last.fingerprint:
            done.set()

    task = asyncio.create_task(namespace["follow_alerts"](broker.bootstrap, handle, topic))
    try:
        await asyncio.wait_for(done.wait(), 30)
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
    assert [(a.group_key, a.seq) for a in handled] == [
        ("SYR/Idlib", 1),
        ("SYR/Idlib", 2),
        ("SYR/Hama", 1),
    ]
