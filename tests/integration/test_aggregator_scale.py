"""Scale the aggregator from 2 workers to 3 and back to 2 while reports flow: no worker
dies, and after dropping repeats by (fingerprint, seq) the alerts are exactly those of an
undisturbed run (one in-memory engine per partition, fed that partition's records in
order).

Six partitions, six countries (one per partition). Worker C joins once a third of the
stream is published and leaves (SIGTERM, a graceful scale-in) once it has processed
records of its own and more than two thirds are published (the stream waits at two
thirds for C to take partitions, so a slow join cannot let it run out first). Each
change rebalances the group, moves partitions with their tables and replays what was not
committed.
"""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from pathlib import Path

import pytest

from services.aggregator.domain.countries import Countries
from services.aggregator.settings import AggregatorSettings
from services.common.batches import key_index
from services.common.kafka import create_vigil_topics
from services.common.topics import Topics
from tests.integration.crash_helpers import (
    LATENESS,
    RULES_YAML,
    UNRELIABLE,
    Transition,
    as_transition,
    check_against_uninterrupted,
    consumed,
    generate_stream,
    publish_paced,
    read_alerts,
)
from tests.support import poll
from tools.broker import EmbeddedBroker
from tools.stack import Stack, wait_http

pytestmark = pytest.mark.integration

PARTITIONS = 6  # Faust's sticky assignor moves a partition only off a worker above
# ceil(partitions / workers): with 4 partitions a third worker would get none
COUNTRIES = {  # one per partition of 6 (default partitioner)
    "SYR": ["Idlib", "Aleppo", "Hama"],
    "IRQ": ["Ninawa", "Anbar"],
    "YEM": ["Taizz", "Marib"],
    "UKR": ["Donetsk", "Kharkiv"],
    "SDN": ["Khartoum", "North Darfur"],
    "SSD": ["Juba"],
}
INCIDENTS = 1200  # ~3,500 records
RATE = 250.0  # records/s: ~14 s of publishing, two rebalances of ~5 s each fit in
BURST = 25
DEADLINE = 100.0
CRASHED = ("Traceback", "experienced a crash", "ConsistencyError", "Unrecognized partition")
"""In a worker's log, signs that it crashed. (A rebalance that revokes partitions during a
seek is logged as "seek to committed offsets skipped", with aiokafka's IllegalStateError:
that is the race this test provokes, survived.)"""


async def test_scale_out_to_three_and_back_changes_no_alert(
    broker: EmbeddedBroker, topics: Topics, tmp_path: Path
) -> None:
    deadline = time.monotonic() + DEADLINE
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    config = AggregatorSettings(
        rules_file=rules, lateness=LATENESS, unreliable_sources=[UNRELIABLE]
    ).engine_config()
    stream = generate_stream(7, INCIDENTS, 16 * INCIDENTS / 190, COUNTRIES)
    partition_of = {c: key_index(c.encode(), PARTITIONS) for c in COUNTRIES}
    assert sorted(partition_of.values()) == list(range(PARTITIONS))
    # One record per country goes first, alone, so A and B have joined before the stream.
    firsts = [next(i for i in stream if i.report.location.country == c) for c in COUNTRIES]
    engines = {p: Countries(config) for p in range(PARTITIONS)}  # as the service keeps them
    wall = time.time()
    expected: list[Transition] = [
        as_transition(alert)
        for item in firsts + stream
        for alert in engines[partition_of[item.report.location.country]]
        .process(item, wall)
        .transitions
    ]

    await create_vigil_topics(broker.bootstrap, topics, PARTITIONS)
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_TOPIC_PARTITIONS": str(PARTITIONS),
        "VIGIL_APP_ID_PREFIX": f"scale{uuid.uuid4().hex[:8]}",
        "VIGIL_AGGREGATOR_RULES_FILE": str(rules),
        "VIGIL_AGGREGATOR_LATENESS": LATENESS,
        "VIGIL_AGGREGATOR_UNRELIABLE_SOURCES": json.dumps([UNRELIABLE]),
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
    }
    stacks = {name: Stack(tmp_path / name, broker.bootstrap) for name in "abc"}
    for stack in stacks.values():
        stack.run_dir.mkdir()
    urls: dict[str, str] = {}

    def start(name: str) -> None:
        stacks[name].start_service("aggregator", env)
        urls[name] = stacks[name].urls["aggregator"]

    def total() -> int:
        return sum(max(consumed(url), 0) for url in urls.values())

    def running(*names: str) -> bool:
        """True, or fails at once naming a worker that died and its last log line."""
        for name in names:
            if stacks[name].processes["aggregator"].poll() is not None:
                log = (stacks[name].run_dir / "aggregator.log").read_text(errors="replace")
                reason = [line for line in log.splitlines() if "Error" in line][-1:]
                raise AssertionError(f"worker {name} died: {reason}")
        return True

    try:
        start("a")
        start("b")
        for name in "ab":
            assert await asyncio.to_thread(wait_http, urls[name], deadline), f"{name} is silent"
        await publish_paced(broker.bootstrap, topics.classified, firsts, RATE)
        await poll(lambda: total() >= len(firsts), deadline, "A and B to join and consume")
        published = 0

        def sent(count: int) -> None:
            nonlocal published
            published = count

        two_thirds = 2 * len(stream) // 3
        c_working = False

        async def hold(index: int) -> float:
            """The stream waits at two thirds until C has taken partitions and works."""
            nonlocal c_working
            if index < two_thirds or c_working:
                return 0.0
            since = time.monotonic()
            await poll(
                lambda: running("a", "b", "c") and consumed(urls["c"]) > 0, deadline, "C to work"
            )
            c_working = True
            return time.monotonic() - since

        publisher = asyncio.create_task(
            publish_paced(broker.bootstrap, topics.classified, stream, RATE, sent, BURST, hold)
        )
        await poll(lambda: running("a", "b") and published >= len(stream) // 3, deadline, "a third")
        start("c")
        joined_at = published
        await poll(
            lambda: running("a", "b", "c") and published >= two_thirds + 4 * BURST,
            deadline,
            "two thirds published and C at work",
        )
        assert not publisher.done(), "the stream ended before C left: slow the rate down"
        stacks["c"].processes["aggregator"].send_signal(signal.SIGTERM)
        left_at = published
        exit_code = await asyncio.to_thread(stacks["c"].processes["aggregator"].wait, 30)
        await publisher
        await poll(lambda: running("a", "b"), deadline, "")
        want_keys = {(t[0], t[1]) for t in expected}
        alerts = await read_alerts(
            broker.bootstrap,
            topics.alerts,
            lambda got: want_keys <= {a.dedup_key() for a in got},
            deadline,
            quiet=2.0,
        )
        alive = {n: stacks[n].processes["aggregator"].poll() is None for n in "ab"}
        counts = {n: consumed(urls[n]) for n in "ab"}
        print(
            f"\n{len(firsts) + len(stream)} records on {PARTITIONS} partitions,"
            f" {len(expected)} expected transitions; C joined at record {joined_at}, left at"
            f" {left_at} (exit code {exit_code}); consumed A {counts['a']}, B {counts['b']};"
            f" the alerts topic held {len(alerts)} records for"
            f" {len({a.dedup_key() for a in alerts})} distinct (fingerprint, seq);"
            f" {DEADLINE - (deadline - time.monotonic()):.0f} s"
        )
    finally:
        for stack in stacks.values():
            stack.stop()

    assert alive == {"a": True, "b": True}, f"a worker died: {alive}"
    assert exit_code == 0, "C did not leave cleanly"
    for name, stack in stacks.items():
        log = (stack.run_dir / "aggregator.log").read_text(encoding="utf-8", errors="replace")
        for word in CRASHED:
            assert word not in log, f"worker {name} logged {word}"
    check_against_uninterrupted(alerts, expected)
