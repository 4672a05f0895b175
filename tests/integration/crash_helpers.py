"""Helpers for the aggregator crash test: a deterministic stream that makes many alert
transitions, the oracle's answer for it, paced publishing, and reading a worker's
counters, its group's committed offset and the alerts topic."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import re
import time
import urllib.request
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path
from typing import Any, cast

from aiokafka import AIOKafkaConsumer, TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from schemas.alerts import Alert
from schemas.incidents import ClassifiedIncident
from schemas.reports import Figure, Precision, ReportKind
from services.aggregator.domain.engine import EngineConfig
from services.common.kafka import fetched_end_offsets
from services.common.publisher import make_producer
from tests.factories import T0, classified, report
from tests.unit.oracle import Oracle

RULES_YAML = """
rules:
  - {name: children_24h, measure: children_killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 3}, {name: critical, threshold: 6, resolve_below: 4}]}
  - {name: killed_24h, measure: killed, window: 24h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 6}, {name: critical, threshold: 12}]}
  - {name: killed_48h_country, measure: killed, window: 48h, group_by: [country], figure: high,
     levels: [{name: warning, threshold: 15}, {name: critical, threshold: 30, resolve_below: 22}]}
  - {name: incidents_12h, measure: incidents, window: 12h, group_by: [country, admin1],
     levels: [{name: warning, threshold: 2}, {name: critical, threshold: 3}]}
"""
LATENESS = "3d"
UNRELIABLE = "Rumour Mill"
REGIONS = {"SYR": ["Idlib", "Idleb", "Aleppo", "Halab", "Hama", "Homs"], "IRQ": ["Ninawa"]}
SOURCES = ["White Helmets", "SOHR", UNRELIABLE]
WALL = (T0 + timedelta(days=60)).timestamp()
"""A wall clock after every generated report (the guard refuses none of them)."""

Transition = tuple[str, int, str, str | None, int, float, bool]
"""(fingerprint, seq, transition, level name, value, window_end, late)"""


def _figure(rng: random.Random, top: int) -> Figure | None:
    roll = rng.random()
    if roll < 0.1:
        return None
    low = rng.randint(0, top)
    if roll < 0.75:
        return Figure.exact(low)
    if roll < 0.9:
        return Figure.at_least(low)
    return Figure.between(low, low + rng.randint(0, 3))


def generate_stream(
    seed: int,
    incidents: int = 190,
    days: float = 16.0,
    countries: dict[str, list[str]] | None = None,
) -> list[ClassifiedIncident]:
    """Incidents over ``days`` days in a few regions, each reported by one to three sources,
    some revised up or down, some summaries, arriving hours to days late, with exact
    redeliveries (``countries``: country -> regions; else mostly Syria); ordered by
    arrival (the order a partition will hold them in)."""
    rng = random.Random(seed)
    arrivals: list[tuple[float, int, ClassifiedIncident]] = []
    span_hours = days * 24

    def emit(at: float, item: ClassifiedIncident) -> None:
        arrivals.append((at, len(arrivals), item))

    for n in range(incidents):
        if countries:
            country = rng.choice(sorted(countries))
            region = rng.choice(countries[country])
        else:
            country = "SYR" if rng.random() < 0.85 else "IRQ"
            region = rng.choice(REGIONS[country])
        hours = n * span_hours / incidents + rng.uniform(0, 6)
        precision = Precision.DAY if rng.random() < 0.15 else Precision.EXACT
        kind = ReportKind.SUMMARY if rng.random() < 0.05 else ReportKind.INCIDENT
        roll = rng.random()  # mostly hours late, some a day or two, a few beyond lateness
        delay = rng.uniform(0, 6) if roll < 0.8 else rng.uniform(24, 60) if roll < 0.95 else 96
        sources = rng.sample(SOURCES, k=rng.choice([1, 1, 2, 3]))
        for s, source in enumerate(sources):
            reported = delay + s * rng.uniform(0, 8)
            revisions = 1 + (rng.random() < 0.4) + (rng.random() < 0.15)
            for r in range(revisions):
                reported += r * rng.uniform(1, 20)
                rep = report(
                    f"r{n}-{s}-{r}",
                    f"i{n}",
                    region=region,
                    country=country,
                    hours=hours,
                    precision=precision,
                    reported_hours=reported,
                    source=source,
                    killed=_figure(rng, 7),
                    children=_figure(rng, 3),
                    kind=kind,
                )
                emit(hours + reported, classified(rep))
    for at, _, item in list(arrivals):  # redeliveries of the same record, a bit later
        if rng.random() < 0.08:
            emit(at + rng.uniform(0, 30), item)
    return [item for _, _, item in sorted(arrivals, key=lambda a: (a[0], a[1]))]


def oracle_transitions(config: EngineConfig, stream: list[ClassifiedIncident]) -> list[Transition]:
    """The oracle's transitions for ``stream`` in order (no ticks: wall time plays no part)."""
    oracle = Oracle(config)
    out: list[Transition] = []
    for item in stream:
        for row in oracle.process(item, WALL):
            fp, seq, kind, level, value, end, late = cast(
                tuple[str, int, str, int, int, float, bool], row
            )
            rule = next(r for r in config.rules.rules if r.name == fp.split(":")[0])
            out.append((fp, seq, kind, rule.level_name(level), value, end, late))
    return out


def as_transition(alert: Alert) -> Transition:
    return (
        alert.fingerprint,
        alert.seq,
        alert.transition.value,
        alert.level,
        alert.value,
        alert.window_end.timestamp(),
        alert.late,
    )


async def publish_paced(
    bootstrap: str,
    topic: str,
    items: list[ClassifiedIncident],
    rate: float,
    on_sent: Callable[[int], None] = lambda n: None,
    burst: int = 1,
    hold: Callable[[int], Awaitable[float]] | None = None,
) -> None:
    """Publish in order at ``rate`` records/s on average, keyed by country, ``burst``
    records at a time (a worker fetches a burst as one batch, so its changelog batches
    fill up), awaiting every ack. ``hold(index)``, awaited before each burst, may pause
    the stream; it returns the seconds it held it (pacing resumes from there)."""
    producer = make_producer(bootstrap)
    await producer.start()
    try:
        started = time.monotonic()
        futures = []
        for index, item in enumerate(items):
            if index % burst == 0:
                if hold is not None:
                    started += await hold(index)
                delay = started + index / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            value = item.model_dump_json().encode("utf-8")
            key = item.report.location.country.encode("ascii")
            futures.append(await producer.send(topic, value, key=key))
            on_sent(index + 1)
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def consumed(metrics_url: str) -> int:
    """Records the worker at ``metrics_url`` has finished (ok + invalid); -1 if it does
    not answer."""
    try:
        with urllib.request.urlopen(metrics_url, timeout=1) as response:
            text = response.read().decode()
    except OSError:
        return -1
    total = 0.0
    for family in text_string_to_metric_families(text):
        if family.name == "vigil_reports_consumed":
            total += sum(s.value for s in family.samples if s.name.endswith("_total"))
    return int(total)


async def committed_offset(bootstrap: str, group: str, topic: str) -> int:
    """The consumer group's committed offset on partition 0 of ``topic`` (0 if none);
    fetched without joining the group."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        offset = await consumer.committed(TopicPartition(topic, 0))
    finally:
        await consumer.stop()
    return offset or 0


async def read_alerts(
    bootstrap: str,
    topic: str,
    done: Callable[[list[Alert]], bool],
    deadline: float,
    quiet: float = 1.0,
) -> list[Alert]:
    """Every alert on ``topic`` from the start, until ``done`` holds and then nothing new
    came for ``quiet`` seconds (or the deadline passes)."""
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, group_id=None, auto_offset_reset="earliest"
    )
    await consumer.start()
    alerts: list[Alert] = []
    last_new = time.monotonic()
    try:
        while time.monotonic() < deadline:
            batches: dict[Any, Any] = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                alerts += [Alert.model_validate_json(r.value) for r in records]
                last_new = time.monotonic()
            if done(alerts) and time.monotonic() - last_new >= quiet:
                break
    finally:
        await consumer.stop()
    return alerts


def recovered_tables(log_path: Path) -> dict[str, Any] | None:
    """The last ``tables recovered {json}`` line a worker logged (``None`` before any)."""
    found = None
    with contextlib.suppress(FileNotFoundError):
        for line in log_path.read_text(encoding="utf-8", errors="replace").splitlines():
            match = re.search(r"tables recovered (\{.*\})", line)
            if match:
                found = json.loads(match.group(1))
    return found


async def read_table(
    bootstrap: str, topic: str, ends: dict[int, int], deadline: float
) -> dict[bytes, bytes]:
    """The table a changelog topic holds through ``ends`` (partition -> end offset): the
    last value of every key, deleted keys left out."""
    table: dict[bytes, bytes] = {}
    tps = [TopicPartition(topic, p) for p, end in ends.items() if end > 0]
    if not tps:  # an empty table (e.g. links: no analyst's decision); a consumer stopped
        return table  # at once after its start raises CancelledError in aiokafka
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign(tps)
        for tp in tps:
            consumer.seek(tp, 0)
        remaining = set(tps)
        while remaining:
            assert time.monotonic() < deadline, f"{topic} not read through {ends}"
            batches: dict[Any, Any] = await consumer.getmany(*remaining, timeout_ms=200)
            for tp, records in batches.items():
                end = ends[tp.partition]
                for record in records:
                    if record.offset >= end:
                        break
                    if record.value is None:
                        table.pop(record.key, None)
                    else:
                        table[record.key] = record.value
                if records and records[-1].offset >= end - 1:
                    remaining.discard(tp)
    finally:
        await consumer.stop()
    return table


async def end_offsets(bootstrap: str, topics: list[str]) -> tuple[dict[str, int], dict[str, int]]:
    """Per topic (partition 0): the end offset the broker reports, and the one a fetch
    finds (``services.common.kafka.fetched_end_offsets``)."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tps = [TopicPartition(t, 0) for t in topics]
        reported = await consumer.end_offsets(tps)
        real = await fetched_end_offsets(consumer, reported, 10.0)
    finally:
        await consumer.stop()
    return {tp.topic: v for tp, v in reported.items()}, {tp.topic: v for tp, v in real.items()}


def check_against_uninterrupted(alerts: list[Alert], expected: list[Transition]) -> None:
    """After dropping repeats by (fingerprint, seq), each fingerprint's transitions are
    ``expected``'s, with no gap and no two different records under one key."""
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
    missing = sorted({(t[0], t[1]) for t in expected} - copies.keys())
    assert not missing, f"{len(missing)} transitions never sent, e.g. " + "; ".join(
        f"{fp} seq {seq}: {next(t for t in expected if t[:2] == (fp, seq))}"
        for fp, seq in missing[:5]
    )
    for fp, transitions in got.items():
        assert [t[1] for t in transitions] == list(range(1, len(transitions) + 1)), fp
    assert got.keys() == want.keys()
    for fp in want:
        assert got[fp] == want[fp], f"{fp} differs from the uninterrupted run"
