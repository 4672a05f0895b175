"""Alerts do not depend on deployment: the same input gives the same transitions on one
partition with one aggregator worker and on four partitions with two workers.

Six countries report with lags from an hour to four days (their reports interleaved by
arrival, as a desk receives them), spread over the four partitions so that two pairs of
countries share one. Event time belongs to each country, so a country's alerts depend
only on its own reports in their order; the test compares both deployments, after
dropping repeats by (fingerprint, seq), with the engine run in memory on the same input,
and checks that every country, however late its reports arrive, gets live alerts. (With
the former clock per partition, all 36 fingerprints of this input differed between the
two deployments.)
"""

from __future__ import annotations

import asyncio
import json
import random
import time
import uuid
from collections.abc import Sequence
from pathlib import Path

import pytest

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from schemas.reports import Figure, Precision
from services.aggregator.domain.countries import Countries
from services.aggregator.settings import AggregatorSettings
from services.common.batches import key_index
from services.common.kafka import create_vigil_topics
from services.common.publisher import make_producer
from services.common.topics import Topics
from tests.factories import classified, report
from tests.integration.crash_helpers import RULES_YAML, WALL, read_alerts
from tests.integration.pipeline import sample
from tests.support import poll
from tools.broker import EmbeddedBroker
from tools.stack import Stack, wait_http

pytestmark = [pytest.mark.integration, pytest.mark.slow]

LATENESS = "5d"
LAGS_HOURS = {"SYR": 1, "UKR": 3, "IRQ": 12, "YEM": 24, "SDN": 48, "MMR": 96}
REGIONS = {
    "SYR": ["Idlib", "Aleppo"],
    "UKR": ["Donetsk", "Kharkiv"],
    "IRQ": ["Ninawa"],
    "YEM": ["Taizz", "Marib"],
    "SDN": ["Khartoum", "North Darfur"],
    "MMR": ["Sagaing"],
}
SOURCES = ["Monitor A", "Monitor B"]
DEADLINE = 80.0


def lagging_stream(seed: int = 5) -> list[ClassifiedIncident]:
    """Per country, incidents every few hours over two weeks, each told by one or two
    sources, some revised, some redelivered, each report arriving its country's lag
    (and a little more) after the incident; all ordered by arrival."""
    rng = random.Random(seed)
    arrivals: list[tuple[float, int, ClassifiedIncident]] = []
    for country, lag in LAGS_HOURS.items():
        hours = 0.0
        n = 0
        while hours < 14 * 24:
            hours += rng.uniform(2, 9)
            n += 1
            region = rng.choice(REGIONS[country])
            precision = Precision.DAY if rng.random() < 0.2 else Precision.EXACT
            for s, source in enumerate(rng.sample(SOURCES, k=rng.choice([1, 1, 2]))):
                for revision in range(1 + (rng.random() < 0.3)):
                    delay = lag + rng.uniform(0, lag / 4 + 1) + 5 * revision + s
                    item = classified(
                        report(
                            f"{country}-{n}-{s}-{revision}",
                            f"{country}-{n}",
                            country=country,
                            region=region,
                            hours=hours,
                            precision=precision,
                            reported_hours=delay,
                            source=source,
                            killed=Figure.exact(rng.randint(0, 6)),
                            children=Figure.at_least(rng.randint(0, 3)),
                        )
                    )
                    arrivals.append((hours + delay, len(arrivals), item))
                    if rng.random() < 0.05:  # a redelivery, a little later
                        arrivals.append((hours + delay + 0.5, len(arrivals), item))
    return [item for _, _, item in sorted(arrivals, key=lambda a: (a[0], a[1]))]


def metric(url: str, name: str, outcome: str) -> int:
    try:
        value = sample(url, name, outcome=outcome)
    except OSError:
        return 0
    return int(value or 0)


async def publish(
    bootstrap: str, topic: str, records: Sequence[tuple[bytes, bytes, int | None]]
) -> None:
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        futures = [
            await producer.send(topic, value, key=key, partition=partition)
            for key, value, partition in records
        ]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def deploy(
    broker: EmbeddedBroker,
    stream: list[ClassifiedIncident],
    partitions: int,
    workers: int,
    run_dir: Path,
    rules: Path,
    expected: set[tuple[str, int]],
    deadline: float,
) -> list[Alert]:
    """Run ``workers`` aggregators on ``partitions`` partitions, publish ``stream`` once
    all of them own partitions, and read the alerts topic until every expected
    transition is there."""
    topics = Topics(f"topo{uuid.uuid4().hex[:8]}.")
    await create_vigil_topics(broker.bootstrap, topics, partitions)
    env = {
        "VIGIL_TOPIC_PREFIX": topics.prefix,
        "VIGIL_APP_ID_PREFIX": f"{topics.prefix}vigil",
        "VIGIL_TOPIC_PARTITIONS": str(partitions),
        "VIGIL_AGGREGATOR_RULES_FILE": str(rules),
        "VIGIL_AGGREGATOR_LATENESS": LATENESS,
        "VIGIL_AGGREGATOR_TICK_INTERVAL_SECONDS": "0",
    }
    stacks = [Stack(run_dir / f"p{partitions}-w{n}", broker.bootstrap) for n in range(workers)]
    try:
        urls = []
        for stack in stacks:
            stack.run_dir.mkdir(parents=True)
            stack.start_service("aggregator", env)
            urls.append(stack.urls["aggregator"])
        for url in urls:
            assert await asyncio.to_thread(wait_http, url, deadline), f"{url} never answered"

        # Undecodable records (dead letters, no effect on alerts) to every partition until
        # every worker has taken some: then the group is formed and the partitions spread.
        def joined() -> bool:
            return all(metric(u, "vigil_reports_consumed_total", "invalid") > 0 for u in urls)

        while not joined():
            assert time.monotonic() < deadline, "the workers never all joined"
            await publish(broker.bootstrap, topics.classified, [(b"x", b"warm-up", p) for p in
                                                                 range(partitions)])  # fmt: skip
            await asyncio.sleep(1.0)

        records = [(i.region.country.encode(), i.model_dump_json().encode(), None) for i in stream]
        await publish(broker.bootstrap, topics.classified, records)

        def done() -> bool:
            return sum(metric(u, "vigil_reports_consumed_total", "ok") for u in urls) >= len(stream)

        await poll(done, deadline, "every report to be consumed")
        return await read_alerts(
            broker.bootstrap,
            topics.alerts,
            lambda got: expected <= {a.dedup_key() for a in got},
            deadline,
        )
    finally:
        for stack in stacks:
            stack.stop()


def by_fingerprint(alerts: list[Alert]) -> dict[str, list[dict[str, object]]]:
    """Repeats dropped by (fingerprint, seq), each copy checked to be the same record."""
    unique: dict[tuple[str, int], Alert] = {}
    for alert in alerts:
        seen = unique.setdefault(alert.dedup_key(), alert)
        assert seen == alert, f"two different records for {alert.dedup_key()}"
    out: dict[str, list[dict[str, object]]] = {}
    for key in sorted(unique):
        out.setdefault(key[0], []).append(unique[key].model_dump(mode="json"))
    return out


async def test_alerts_do_not_depend_on_partitions_or_workers(
    broker: EmbeddedBroker, tmp_path: Path
) -> None:
    deadline = time.monotonic() + DEADLINE
    spread = {c: key_index(c.encode(), 4) for c in LAGS_HOURS}
    assert len(set(spread.values())) == 4 and len(spread) > 4  # all used, some shared
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES_YAML, encoding="utf-8")
    config = AggregatorSettings(rules_file=rules, lateness=LATENESS).engine_config()
    stream = lagging_stream()
    engine = Countries(config)
    want = [a for item in stream for a in engine.process(item, WALL).transitions]
    expected = by_fingerprint(want)
    keys = {a.dedup_key() for a in want}

    one, four = await asyncio.gather(
        deploy(broker, stream, 1, 1, tmp_path, rules, keys, deadline),
        deploy(broker, stream, 4, 2, tmp_path, rules, keys, deadline),
    )
    got_one, got_four = by_fingerprint(one), by_fingerprint(four)
    print(
        f"\n{len(stream)} reports from {len(LAGS_HOURS)} countries (lags {LAGS_HOURS} h), "
        f"{len(want)} transitions over {len(expected)} fingerprints; 1 partition/1 worker "
        f"read {len(one)} records, 4 partitions/2 workers {len(four)}; "
        f"fingerprints differing: {sum(got_one.get(f) != got_four.get(f) for f in expected)}"
    )
    assert got_one == expected
    assert got_four == expected
    live = {a.group["country"] for a in want if a.transition.value == "fired" and not a.late}
    assert live == set(LAGS_HOURS), "every country, however late its reports, fires live"
    assert json.dumps(got_one, sort_keys=True) == json.dumps(got_four, sort_keys=True)
