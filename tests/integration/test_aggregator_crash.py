"""SIGKILL the aggregator worker mid-stream, start a replacement in the same group, and
check the alerts topic: after dropping repeats by (fingerprint, seq) every fingerprint's
transitions are exactly the brute-force oracle's for the same input, with no gap and no
two different records under one (fingerprint, seq).

Ticks are off (interval 0), so wall time plays no part and the oracle sees the same
input in the same order as the partition holds it (one partition, publish order).
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from schemas.alerts import Alert
from services.aggregator.domain.countries import Countries
from services.aggregator.settings import AggregatorSettings
from services.common.broker import EmbeddedBroker
from services.common.kafka import create_vigil_topics
from services.common.stack import Stack, wait_http
from services.common.topics import Topics
from tests.integration.crash_helpers import (
    LATENESS,
    RULES_YAML,
    UNRELIABLE,
    WALL,
    Transition,
    as_transition,
    committed_offset,
    consumed,
    generate_stream,
    oracle_transitions,
    publish_paced,
    read_alerts,
)

pytestmark = pytest.mark.integration

SEED = 1  # the in-memory precondition holds for every seed (tests/unit: long streams)
RATE = 100.0  # records/s: ~5.6 s of publishing, so the kill lands mid-stream
DEADLINE = 60.0  # plus at most a few seconds to stop the workers: well under 90 s


async def poll(condition: Callable[[], bool], deadline: float, what: str) -> None:
    while not condition():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


async def settle(read: Callable[[], int], deadline: float, quiet: float = 2.0) -> int:
    """The value of ``read`` once it has been positive and unchanged for ``quiet`` s."""
    value, since = read(), time.monotonic()
    while value <= 0 or time.monotonic() - since < quiet:
        assert time.monotonic() < deadline, f"counter never settled (last {value})"
        await asyncio.sleep(0.1)
        now = read()
        if now != value:
            value, since = now, time.monotonic()
    return value


async def test_replacement_worker_recovers_state_and_alerts_match_oracle(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    deadline = time.monotonic() + DEADLINE
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    config = AggregatorSettings(
        rules_file=rules, lateness=LATENESS, unreliable_sources=[UNRELIABLE]
    ).engine_config()
    stream = generate_stream(SEED)
    expected = oracle_transitions(config, stream)
    engine = Countries(config)  # precondition: without a crash the engine agrees
    assert [
        as_transition(a) for i in stream for a in engine.process(i, WALL).transitions
    ] == expected

    await create_vigil_topics(broker.bootstrap, topics)
    app_prefix = f"crash{uuid.uuid4().hex[:8]}"
    group = f"{app_prefix}-aggregator"
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_APP_ID_PREFIX": app_prefix,
        "VIGIL_AGGREGATOR_RULES_FILE": str(rules),
        "VIGIL_AGGREGATOR_LATENESS": LATENESS,
        "VIGIL_AGGREGATOR_UNRELIABLE_SOURCES": json.dumps([UNRELIABLE]),
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
    }
    first, second = Stack(tmp_path / "a", broker.bootstrap), Stack(tmp_path / "b", broker.bootstrap)
    for stack in (first, second):
        stack.run_dir.mkdir()
    try:
        first.start_service("aggregator", env)
        url_a = first.urls["aggregator"]
        assert await asyncio.to_thread(wait_http, url_a, deadline), "worker A never answered"
        # The first record alone, so A has joined its group before the paced stream starts.
        await publish_paced(broker.bootstrap, topics.classified, stream[:1], RATE)
        await poll(lambda: consumed(url_a) >= 1, deadline, "worker A to join and consume")
        publisher = asyncio.create_task(
            publish_paced(broker.bootstrap, topics.classified, stream[1:], RATE)
        )
        committed = 0
        while True:  # past a third, and past at least one commit, so B resumes mid-way
            done_a = consumed(url_a)
            if done_a >= len(stream) // 3:
                committed = await committed_offset(broker.bootstrap, group, topics.classified)
                if committed > 0:
                    break
            assert not publisher.done(), "the stream ended before A was killed"
            assert time.monotonic() < deadline, "worker A never reached a third"
            await asyncio.sleep(0.05)
        first.processes["aggregator"].send_signal(signal.SIGKILL)
        first.processes["aggregator"].wait(5)
        resume = await committed_offset(broker.bootstrap, group, topics.classified)
        second.start_service("aggregator", env)
        url_b = second.urls["aggregator"]
        await publisher
        # B is done when its counter stops moving (the committed offset read above may miss
        # a commit A had in flight when killed, so B's start offset is len - B's count).
        settled = await settle(lambda: consumed(url_b), deadline)
        want_keys = {(t[0], t[1]) for t in expected}
        alerts = await read_alerts(
            broker.bootstrap,
            topics.alerts,
            lambda got: want_keys <= {a.dedup_key() for a in got},
            deadline,
        )
        start_b = len(stream) - settled
        print(
            f"\n{len(stream)} records, {len(expected)} expected transitions; A killed after"
            f" >= {done_a} records ({committed} committed when seen, {resume} after the kill);"
            f" B consumed {settled} from offset {start_b}, so >= {done_a - start_b} records"
            f" were processed twice; the alerts topic held {len(alerts)} records for"
            f" {len({a.dedup_key() for a in alerts})} distinct (fingerprint, seq)"
        )
    finally:
        first.stop()
        second.stop()

    check_against_oracle(alerts, expected)


def check_against_oracle(alerts: list[Alert], expected: list[Transition]) -> None:
    copies: dict[tuple[str, int], Alert] = {}
    for alert in alerts:
        seen = copies.setdefault(alert.dedup_key(), alert)
        assert seen == alert, f"two different records for {alert.dedup_key()}"
    got: dict[str, list[Transition]] = {}
    for key in sorted(copies):
        got.setdefault(key[0], []).append(as_transition(copies[key]))
    want: dict[str, list[Transition]] = {}
    for t in expected:
        want.setdefault(t[0], []).append(t)
    for fp, transitions in got.items():
        assert [t[1] for t in transitions] == list(range(1, len(transitions) + 1)), fp
    assert got.keys() == want.keys()
    for fp in want:
        assert got[fp] == want[fp], f"{fp} differs from the oracle"
        assert got[fp][-1][3] == want[fp][-1][3]  # final level (implied; said for the reader)
